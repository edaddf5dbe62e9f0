#include "docket/rebalance/apply.h"

#include <algorithm>
#include <unordered_map>

#include "docket/core/error.h"
#include "docket/matching/eligibility.h"
#include "docket/rebalance/metrics.h"
#include "docket/rebalance/planner.h"

namespace docket::rebalance {
namespace {

constexpr const char* kActor = "docket:rebalance";
constexpr const char* kDone = "done";

struct ResolvedMove {
  const Move* move;
  CenterId from, to;
  FormId form;
};

// Checks the plan against the configuration: known centers and forms, and moves the jurisdiction
// rule allows for the form as a whole (interview districts are checked case by case).
std::vector<ResolvedMove> resolve(const Plan& plan, const Catalog& catalog) {
  std::vector<ResolvedMove> out;
  for (const Move& m : plan.moves) {
    auto from = catalog.find_center(m.from);
    auto to = catalog.find_center(m.to);
    auto form = catalog.find_form(m.form);
    if (!from) throw InvalidArgument("plan " + plan.id + ": unknown center '" + m.from + "'");
    if (!to) throw InvalidArgument("plan " + plan.id + ": unknown center '" + m.to + "'");
    if (!form) throw InvalidArgument("plan " + plan.id + ": unknown form '" + m.form + "'");
    const FormPolicy& f = catalog.form(*form);
    const bool listed = f.centers.empty() || std::find(f.centers.begin(), f.centers.end(), *to) != f.centers.end();
    if (!f.transferable || (!f.interview && !listed) || *from == *to) {
      throw InvalidArgument("plan " + plan.id + ": " + m.form + " may not move from " + m.from + " to " + m.to);
    }
    out.push_back({&m, *from, *to, *form});
  }
  return out;
}

// Brings the matcher in line with a case the store holds queued at `to`: out of the source queue,
// into the destination's (an interview case's field office follows it within its district). The
// agency's backlog hears of each state the matcher's record leaves and enters.
void sync_matcher(matching::Matcher& matcher, ReceiptNumber r, CenterId from, CenterId to,
                  std::int64_t epoch, metrics::AgencyMetrics* agency) {
  matching::CaseIndex& index = matcher.index();
  auto slot = index.find(r);
  if (!slot) return;  // Not tracked here; recovery loads it from the store.
  const auto& rec = index.record(*slot);
  if (rec.center != from || (rec.state != CaseState::kQueued && rec.state != CaseState::kTransferred)) return;
  Case c = index.to_case(*slot);
  if (rec.state == CaseState::kQueued) {
    matcher.withdraw(r, CaseState::kTransferred);
    if (agency) agency->on_transition(from, c.form, CaseState::kQueued, CaseState::kTransferred);
  }
  c.center = to;
  if (matcher.catalog().form(c.form).interview) c.field_office = to;
  c.state = CaseState::kQueued;
  c.officer = kNoOfficer;
  c.epoch = static_cast<std::uint64_t>(epoch);
  matcher.enqueue(c);
  if (agency) agency->on_transition(to, c.form, CaseState::kTransferred, CaseState::kQueued);
}

class Journal {
 public:
  Journal(store::RedisConnection& redis, std::string key, int batch)
      : redis_(redis), key_(std::move(key)), batch_(static_cast<std::size_t>(std::max(1, batch))) {}
  void record(const std::string& receipt, std::string status) {
    pending_.push_back(receipt);
    pending_.push_back(std::move(status));
    if (pending_.size() >= 2 * batch_) flush();
  }
  void flush() {
    if (pending_.empty()) return;
    std::vector<std::string> argv{"HSET", key_};
    argv.insert(argv.end(), pending_.begin(), pending_.end());
    redis_.command(argv);  // HSET of the same values is idempotent, so a retry is safe.
    pending_.clear();
  }

 private:
  store::RedisConnection& redis_;
  std::string key_;
  std::size_t batch_;
  std::vector<std::string> pending_;
};

std::unordered_map<std::string, std::string> read_journal(store::RedisConnection& redis, const std::string& key) {
  std::unordered_map<std::string, std::string> out;
  const store::Reply reply = redis.command({"HGETALL", key});
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out.emplace(reply.elements[i].str, reply.elements[i + 1].str);
  }
  return out;
}

ApplyReport run(const Plan& plan, store::CaseStore& store, store::RedisConnection& redis,
                matching::Matcher& matcher, const Options& options, RebalanceMetrics* metrics,
                metrics::AgencyMetrics* agency, bool resuming) {
  const Catalog& catalog = matcher.catalog();
  const std::vector<ResolvedMove> moves = resolve(plan, catalog);
  const std::string key = journal_key(store, plan.id);
  auto journal = read_journal(redis, key);
  ApplyReport report;
  report.plan_id = plan.id;
  if (journal.empty()) {
    if (resuming) throw InvalidArgument("no apply journal for plan " + plan.id);
    const auto age = matcher.clock().now() - plan.created;
    if (age > Seconds(options.max_plan_age_seconds) || age < Seconds(-options.max_plan_age_seconds)) {
      throw InvalidArgument("stale plan " + plan.id + ": made " + std::to_string(age.count()) +
                            " s ago, more than the " + std::to_string(options.max_plan_age_seconds) +
                            " s allowed; plan again");
    }
    redis.command({"HSET", key, "plan", to_json(plan), "status", "applying"});
  }
  Journal writer(redis, key, options.journal_batch);
  for (const ResolvedMove& m : moves) {
    const bool interview = catalog.form(m.form).interview;
    const std::string& to_code = m.move->to;
    for (const std::string& receipt : m.move->receipts) {
      auto parsed = ReceiptNumber::parse(receipt);
      if (!parsed) throw InvalidArgument("plan " + plan.id + ": malformed receipt number '" + receipt + "'");
      const ReceiptNumber r = *parsed;
      if (auto it = journal.find(receipt); it != journal.end()) {
        if (it->second == kDone) {
          ++report.already;
          if (auto there = store.get(to_code, r); there && there->state == CaseState::kQueued) {
            sync_matcher(matcher, r, m.from, m.to, there->epoch, agency);
          }
        }
        continue;
      }
      auto skip = [&](std::string why) {
        report.skipped.push_back(receipt + ": " + why);
        writer.record(receipt, "skip:" + why);
      };
      auto rec = store.get(m.move->from, r);
      if (!rec) {
        if (auto there = store.get(to_code, r); there && there->state != CaseState::kTransferred) {
          sync_matcher(matcher, r, m.from, m.to, there->epoch, agency);
          writer.record(receipt, kDone);
          ++report.moved;
        } else {
          skip("not at " + m.move->from);
        }
        continue;
      }
      if (rec->form != m.move->form) {
        skip("its form is " + rec->form);
        continue;
      }
      if (rec->state == CaseState::kTransferred && rec->transfer_to != to_code) {
        skip("moved to " + rec->transfer_to);
        continue;
      }
      if (rec->state != CaseState::kTransferred && rec->state != CaseState::kQueued) {
        skip("it is " + std::string(to_string(rec->state)));
        continue;
      }
      if (interview) {
        auto fo = rec->field_office.empty() ? std::optional<CenterId>(m.from) : catalog.find_center(rec->field_office);
        const CenterId home = fo ? matching::home_office(catalog.form(m.form), m.from, *fo) : m.from;
        const std::string& district = catalog.center(home).district;
        if (district.empty() ? m.to != home : catalog.center(m.to).district != district) {
          skip("its interview belongs to the district of " + catalog.center(home).code);
          continue;
        }
      }
      store::CaseStore::TransferNote note{"rebalance plan " + plan.id, interview ? to_code : ""};
      const store::TransitionResult res = store.transfer(m.move->from, r, rec->epoch, to_code, kActor,
                                                         "rebalance:" + plan.id + ":" + receipt, note);
      if (!res.ok()) {
        skip("the store refused: " + std::string(store::to_string(res.status)) + " " + res.message);
        continue;
      }
      sync_matcher(matcher, r, m.from, m.to, res.epoch, agency);
      writer.record(receipt, kDone);
      ++report.moved;
      if (metrics) metrics->moved(m.move->from, to_code, m.move->form, 1);
    }
  }
  writer.flush();
  redis.command({"HSET", key, "status", kDone});
  report.complete = true;
  return report;
}

ApplyReport counted(RebalanceMetrics* metrics, RebalanceMetrics::Kind kind, const auto& f) {
  try {
    ApplyReport r = f();
    if (metrics) metrics->run(kind, true);
    return r;
  } catch (...) {
    if (metrics) metrics->run(kind, false);
    throw;
  }
}

}  // namespace

std::string journal_key(const store::CaseStore& store, std::string_view plan_id) {
  return store.options().key_prefix + ":rebalance:" + std::string(plan_id);
}

ApplyReport apply(const Plan& plan, store::CaseStore& store, store::RedisConnection& redis,
                  matching::Matcher& matcher, const Options& options, RebalanceMetrics* metrics,
                  metrics::AgencyMetrics* agency) {
  return counted(metrics, RebalanceMetrics::Kind::kApply,
                 [&] { return run(plan, store, redis, matcher, options, metrics, agency, false); });
}

ApplyReport resume(std::string_view plan_id, store::CaseStore& store, store::RedisConnection& redis,
                   matching::Matcher& matcher, const Options& options, RebalanceMetrics* metrics,
                   metrics::AgencyMetrics* agency) {
  return counted(metrics, RebalanceMetrics::Kind::kApply, [&] {
    const store::Reply saved = redis.command({"HGET", journal_key(store, plan_id), "plan"});
    if (saved.is_nil()) throw InvalidArgument("no apply journal for plan " + std::string(plan_id));
    return run(from_json(saved.as_string()), store, redis, matcher, options, metrics, agency, true);
  });
}

std::vector<std::string> unfinished_plans(const store::CaseStore& store, store::RedisConnection& redis) {
  const std::string prefix = journal_key(store, "");
  std::vector<std::string> out;
  std::string cursor = "0";
  do {
    const store::Reply reply = redis.command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
    cursor = reply.elements.at(0).str;
    for (const store::Reply& k : reply.elements.at(1).elements) {
      const store::Reply status = redis.command({"HGET", k.str, "status"});
      if (!status.is_nil() && status.str != kDone) out.push_back(k.str.substr(prefix.size()));
    }
  } while (cursor != "0");
  std::sort(out.begin(), out.end());
  return out;
}

DrainCenterReport drain_center(std::string_view center, store::CaseStore& store,
                               store::RedisConnection& redis, matching::Matcher& matcher,
                               Options options, RebalanceMetrics* metrics,
                               metrics::AgencyMetrics* agency) {
  DrainCenterReport report;
  try {
    if (!matcher.catalog().find_center(center)) {
      throw InvalidArgument("drain: unknown center '" + std::string(center) + "'");
    }
    options.drain_centers.emplace_back(center);
    report.plan = plan(matcher, options);
    report.applied = run(report.plan, store, redis, matcher, options, metrics, agency, false);
  } catch (...) {
    if (metrics) metrics->run(RebalanceMetrics::Kind::kDrain, false);
    throw;
  }
  if (metrics) metrics->run(RebalanceMetrics::Kind::kDrain, true);
  return report;
}

}  // namespace docket::rebalance
