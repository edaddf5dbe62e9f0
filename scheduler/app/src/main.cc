// docket-scheduler: the scheduling service.
//
// It keeps the state of record in Redis: its own redis-server child by default (data under
// .docket/redis, AOF on), or the server given with --redis. At start it rebuilds its index from
// Redis, so a second run resumes where the first stopped; on an empty store it imports a backlog
// drawn from the configuration's public figures.
//
// Until the ZeroMQ dispatch to officer workers exists, the officers are simulated here, in
// compressed time: they accept every offer at once and work the cases on their desk one after
// another at the form's effort estimate. Every offer, acceptance and decision is a fenced,
// audited transition in the store.
//
// Exit codes: 0 done (or stopped by SIGINT/SIGTERM), 1 bad configuration or arguments, 2 the
// store is unreachable or another internal error.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "docket/matching/matcher.h"
#include "docket/matching/metrics.h"
#include "docket/metrics/metrics.h"
#include "docket/service/intake.h"
#include "docket/service/recovery.h"
#include "docket/store/case_store.h"
#include "docket/store/embedded_redis.h"
#include "docket/store/metrics.h"
#include "docket/workload/generator.h"

namespace docket {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

struct Args {
  std::string config = "config/national/docket.yaml";
  std::string redis;  // host:port; empty = embedded
  std::string data_dir = ".docket/redis";
  std::string metrics_listen = metrics::MetricsServer::DEFAULT_LISTEN;
  std::size_t backlog = 200'000;
  std::uint64_t seed = 1;
  int hours = 24;
  int round_minutes = 30;
  bool json = false;
  std::string start = "2025-10-01";
};

struct Tally {
  std::int64_t backlog = 0;
  std::int64_t offered = 0;
  std::int64_t decided = 0;
  std::int64_t decided_late = 0;
};

TimePoint parse_start(const std::string& text) {
  const auto date = parse_date(text);
  if (!date) throw InvalidArgument("--start: expected YYYY-MM-DD, a real day, got '" + text + "'");
  return std::chrono::sys_days(*date) + std::chrono::hours(13);  // 8 a.m. Eastern.
}

store::RedisOptions parse_redis(const std::string& address) {
  store::RedisOptions o;
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw InvalidArgument("--redis: expected host:port, got '" + address + "'");
  o.host = address.substr(0, colon);
  try {
    o.port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    throw InvalidArgument("--redis: bad port in '" + address + "'");
  }
  return o;
}

class NationalRun {
 public:
  NationalRun(const Args& args, const config::NationalConfig& cfg, ManualClock& clock,
              store::CaseStore& store, matching::MatcherMetrics& metrics)
      : args_(args),
        cfg_(cfg),
        cat_(cfg.catalog),
        clock_(clock),
        store_(store),
        matcher_(cat_, cfg.scheduler, clock_),
        rng_(args.seed) {
    for (const auto& o : cfg.officers) matcher_.add_officer(o);
    matcher_.set_metrics(&metrics);
    desks_.resize(matcher_.officers().size());
  }

  void start() {
    const auto stats = service::recover(store_, cat_, matcher_);
    for (const auto& why : stats.rejected) spdlog::warn("recovery: {}", why);
    if (stats.cases > 0) {
      std::printf("resumed from the store: %zu cases (%zu queued, %zu offered or assigned, %zu decided) in %.2f s\n",
                  stats.cases, stats.queued, stats.held, stats.decided, stats.seconds);
      resume_desks();
    } else {
      import_backlog();
    }
    for (const auto& cls : matcher_.index().classes()) {
      for (std::size_t i = cls.head; i < cls.queue.size(); ++i) {
        if (!matcher_.index().live(cls.queue[i])) continue;
        const auto& rec = matcher_.index().record(cls.queue[i].slot);
        ++by_center_[cat_.center(rec.center).code].backlog;
        ++by_form_[cat_.form(rec.form).code].backlog;
      }
    }
  }

  void run() {
    const TimePoint end = clock_.now() + std::chrono::hours(args_.hours);
    while (clock_.now() < end && !g_stop) {
      finish_work();
      const matching::RoundPlan plan = matcher_.plan_round();
      offer(plan);
      const double ms =
          (plan.stats.build_seconds + plan.stats.solve_seconds + plan.stats.assign_seconds) * 1e3;
      round_ms_total_ += ms;
      round_ms_max_ = std::max(round_ms_max_, ms);
      solve_ms_total_ += plan.stats.solve_seconds * 1e3;
      ++rounds_;
      if (!args_.json && rounds_ % 4 == 1) {
        std::printf("  +%5.1fh  queued %8zu  offered %6zu  decided %8lld  round %6.1f ms  store %lld transitions\n",
                    static_cast<double>(rounds_ - 1) * args_.round_minutes / 60.0, plan.stats.queued,
                    plan.stats.assigned, static_cast<long long>(decided_), ms,
                    static_cast<long long>(transitions_));
        std::fflush(stdout);
      }
      clock_.advance(minutes(args_.round_minutes));
    }
  }

  int report() {
    nlohmann::json out;
    out["rounds"] = rounds_;
    out["round_ms_mean"] = rounds_ ? round_ms_total_ / rounds_ : 0;
    out["round_ms_max"] = round_ms_max_;
    out["solve_ms_mean"] = rounds_ ? solve_ms_total_ / rounds_ : 0;
    out["queued"] = matcher_.index().queued();
    out["store"] = {{"transitions", transitions_}, {"refused", refused_}, {"resynced", resyncs_}};
    out["stopped_by_signal"] = g_stop.load();
    for (const auto& [code, t] : by_center_) {
      const auto officers = std::count_if(cfg_.officers.begin(), cfg_.officers.end(), [&](const Officer& o) {
        return cat_.center(o.center).code == code;
      });
      out["centers"][code] = {{"officers", officers}, {"backlog_at_start", t.backlog}, {"offered", t.offered},
                              {"decided", t.decided}, {"decided_late", t.decided_late}};
    }
    for (const auto& [code, t] : by_form_) {
      out["forms"][code] = {{"backlog_at_start", t.backlog}, {"offered", t.offered},
                            {"decided", t.decided}, {"decided_late", t.decided_late}};
    }
    for (auto r : {most_overdue(), last_offer_}) {
      if (!r) continue;
      const auto e = matcher_.explain(*r);
      out["explain"].push_back({{"receipt", e.receipt},
                                {"verdict", std::string(matching::to_string(e.verdict))},
                                {"summary", e.summary}});
    }
    if (args_.json) {
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    std::printf("\nsummary after %d rounds%s: mean round %.1f ms (solve %.1f ms), max %.1f ms; %zu cases still queued; "
                "store: %lld transitions, %lld refused\n",
                rounds_, g_stop ? " (stopped)" : "", out["round_ms_mean"].get<double>(),
                out["solve_ms_mean"].get<double>(), round_ms_max_, matcher_.index().queued(),
                static_cast<long long>(transitions_), static_cast<long long>(refused_));
    std::printf("%-8s %9s %14s %9s %9s %12s\n", "center", "officers", "backlog start", "offered", "decided",
                "decided late");
    for (const auto& [code, c] : out["centers"].items()) {
      std::printf("%-8s %9lld %14lld %9lld %9lld %12lld\n", code.c_str(), c["officers"].get<long long>(),
                  c["backlog_at_start"].get<long long>(), c["offered"].get<long long>(),
                  c["decided"].get<long long>(), c["decided_late"].get<long long>());
    }
    std::printf("\n%-10s %14s %9s %9s %12s\n", "form", "backlog start", "offered", "decided", "decided late");
    for (const auto& [code, f] : out["forms"].items()) {
      std::printf("%-10s %14lld %9lld %9lld %12lld\n", code.c_str(), f["backlog_at_start"].get<long long>(),
                  f["offered"].get<long long>(), f["decided"].get<long long>(), f["decided_late"].get<long long>());
    }
    std::printf("\nexplain:\n");
    for (const auto& e : out["explain"]) {
      std::printf("  %s [%s] %s\n", e["receipt"].get<std::string>().c_str(),
                  e["verdict"].get<std::string>().c_str(), e["summary"].get<std::string>().c_str());
    }
    return 0;
  }

 private:
  // The cases an officer holds, in the order offered; each is done after its form's effort.
  struct Desk {
    std::deque<ReceiptNumber> cases;
    TimePoint busy_until{};
  };

  store::Transition transition(store::Op op, ReceiptNumber r, const std::string& actor) {
    const auto slot = matcher_.index().find(r).value();
    const auto& rec = matcher_.index().record(slot);
    store::Transition t;
    t.op = op;
    t.receipt = r;
    t.center = cat_.center(rec.center).code;
    t.epoch = rec.epoch;
    t.actor = actor;
    t.officer = rec.officer != kNoOfficer ? matcher_.officer(rec.officer).id : "";
    return t;
  }

  // Applies transitions; returns which were applied and keeps the index's epochs current.
  std::vector<bool> apply(const std::vector<store::Transition>& ts) {
    std::vector<bool> ok(ts.size());
    const auto results = store_.apply(ts);
    for (std::size_t i = 0; i < ts.size(); ++i) {
      if (results[i].ok()) {
        ok[i] = true;
        ++transitions_;
        if (auto slot = matcher_.index().find(ts[i].receipt)) {
          matcher_.index().record(*slot).epoch = static_cast<std::uint32_t>(results[i].epoch);
        }
      } else {
        ++refused_;
        spdlog::warn("store refused {} of {}: {} ({})", store::to_string(ts[i].op), ts[i].receipt.str(),
                     results[i].message, store::to_string(results[i].status));
      }
    }
    return ok;
  }

  // After a refusal the state of record is right and the index is not: re-read the case and
  // restore it (officer load and desk included), so that nothing is orphaned or counted twice.
  void resync(ReceiptNumber r, const std::string& center) {
    ++resyncs_;
    if (auto slot = matcher_.index().find(r)) {
      const auto& rec = matcher_.index().record(*slot);
      if ((rec.state == CaseState::kOffered || rec.state == CaseState::kAssigned) &&
          rec.officer != kNoOfficer) {
        matcher_.release(rec.officer);
      }
    }
    matcher_.forget(r);
    const auto stored = store_.get(center, r);
    if (!stored || stored->state == CaseState::kDecided || stored->state == CaseState::kTransferred) {
      return;
    }
    try {
      const Case c = service::to_case(*stored, cat_, matcher_);
      matcher_.restore(c);
      if (c.state == CaseState::kOffered || c.state == CaseState::kAssigned) {
        desks_[c.officer].cases.push_back(r);  // finish_work decides it (an offer is accepted first).
      }
    } catch (const InvalidArgument& e) {
      spdlog::error("cannot restore {} from the store: {}", r.str(), e.what());
    }
  }

  void import_backlog() {
    workload::GeneratorOptions opts;
    opts.seed = args_.seed;
    opts.fallback_deadline_days = cfg_.scheduler.fallback_deadline_days;
    workload::Generator gen(cat_, cfg_.calendar, cfg_.officers, opts);
    for (const auto& form : gen.left_out()) {
      spdlog::info("workload: {} is blank in the data and has no assumption; left out", form);
    }
    const std::size_t chunk = 50'000;
    // Holds AOF rewrites while importing and compacts the AOF once at the end, so that a restart
    // loads a compact file instead of replaying every import.
    store::CaseStore::BulkImport bulk(store_);
    for (std::size_t done = 0; done < args_.backlog; done += chunk) {
      const auto cases = gen.backlog(std::min(chunk, args_.backlog - done), clock_.now());
      const auto results = service::import_cases(store_, cat_, matcher_, cases);
      for (std::size_t i = 0; i < cases.size(); ++i) {
        if (results[i].ok()) {
          ++transitions_;
          matcher_.enqueue(cases[i]);
        } else {
          ++refused_;
          spdlog::warn("store refused import of {}: {}", cases[i].receipt.str(), results[i].message);
        }
      }
    }
    std::printf("imported a backlog of %zu cases into the store\n", args_.backlog);
  }

  // Cases that were offered or assigned when the last run stopped go back on their desks.
  void resume_desks() {
    std::vector<ReceiptNumber> held;
    for (std::uint32_t slot = 0; slot < matcher_.index().size(); ++slot) {
      const auto& rec = matcher_.index().record(slot);
      if (rec.officer != kNoOfficer &&
          (rec.state == CaseState::kOffered || rec.state == CaseState::kAssigned)) {
        held.push_back(ReceiptNumber::from_packed(rec.receipt));
      }
    }
    for (const auto& r : held) desks_[matcher_.index().record(matcher_.index().find(r).value()).officer].cases.push_back(r);
  }

  // Officers accept at once; a case still offered is accepted before it is decided.
  void accept_if_offered(const std::vector<std::pair<ReceiptNumber, OfficerId>>& due) {
    std::vector<store::Transition> accepts;
    for (const auto& [r, id] : due) {
      const auto& rec = matcher_.index().record(matcher_.index().find(r).value());
      if (rec.state == CaseState::kOffered) {
        accepts.push_back(transition(store::Op::kAccept, r, matcher_.officer(id).id));
      }
    }
    const auto ok = apply(accepts);
    for (std::size_t k = 0; k < accepts.size(); ++k) {
      auto& rec = matcher_.index().record(matcher_.index().find(accepts[k].receipt).value());
      if (ok[k]) rec.state = CaseState::kAssigned;
    }
    // A refused accept leaves the case offered; its decision is then refused and resynced.
  }

  void finish_work() {
    std::vector<std::pair<ReceiptNumber, OfficerId>> due;
    std::vector<TimePoint> done_at;
    for (OfficerId id = 0; id < desks_.size(); ++id) {
      Desk& desk = desks_[id];
      while (!desk.cases.empty()) {
        const ReceiptNumber r = desk.cases.front();
        const auto& rec = matcher_.index().record(matcher_.index().find(r).value());
        const FormPolicy& form = cat_.form(rec.form);
        const auto effort = seconds(static_cast<std::int64_t>(form.effort_hours * 3600));
        const TimePoint done =
            std::max(desk.busy_until, clock_.now() - minutes(args_.round_minutes)) + effort;
        if (done > clock_.now()) break;
        desk.busy_until = done;
        desk.cases.pop_front();
        due.emplace_back(r, id);
        done_at.push_back(done);
      }
    }
    accept_if_offered(due);
    std::vector<store::Transition> decisions;
    for (const auto& [r, id] : due) {
      const auto& rec = matcher_.index().record(matcher_.index().find(r).value());
      const FormPolicy& form = cat_.form(rec.form);
      store::Transition t = transition(store::Op::kDecide, r, matcher_.officer(id).id);
      t.arg = std::bernoulli_distribution(form.approval_share.value_or(0.9))(rng_) ? "approve" : "deny";
      t.idempotency_key = "decide:" + r.str() + ":" + std::to_string(rec.epoch);
      decisions.push_back(std::move(t));
    }
    const auto ok = apply(decisions);
    for (std::size_t i = 0; i < decisions.size(); ++i) {
      const ReceiptNumber r = decisions[i].receipt;
      if (!ok[i]) {
        resync(r, decisions[i].center);
        continue;
      }
      const auto& rec = matcher_.index().record(matcher_.index().find(r).value());
      auto& center = by_center_[cat_.center(rec.center).code];
      auto& form = by_form_[cat_.form(rec.form).code];
      ++center.decided;
      ++form.decided;
      ++decided_;
      if (done_at[i].time_since_epoch().count() > rec.deadline) {
        ++center.decided_late;
        ++form.decided_late;
      }
      matcher_.release(due[i].second);
      matcher_.forget(r);
    }
  }

  void offer(const matching::RoundPlan& plan) {
    std::vector<store::Transition> offers;
    offers.reserve(plan.assignments.size());
    for (const auto& a : plan.assignments) {
      store::Transition t = transition(store::Op::kOffer, a.receipt, "scheduler");
      t.officer = matcher_.officer(a.officer).id;
      offers.push_back(std::move(t));
    }
    const auto ok = apply(offers);
    matching::RoundPlan recorded = plan;
    recorded.assignments.clear();
    for (std::size_t i = 0; i < ok.size(); ++i) {
      if (ok[i]) {
        recorded.assignments.push_back(plan.assignments[i]);
      } else {
        resync(offers[i].receipt, offers[i].center);
      }
    }
    matcher_.apply(recorded);
    // The simulated officers accept at once; only what the matcher recorded goes ahead.
    std::vector<store::Transition> accepts;
    std::vector<matching::Assignment> taken;
    for (const auto& a : recorded.assignments) {
      const auto& rec = matcher_.index().record(matcher_.index().find(a.receipt).value());
      if (rec.state != CaseState::kOffered || rec.officer != a.officer) {
        resync(a.receipt, cat_.center(rec.center).code);  // The store has the offer; we do not.
        continue;
      }
      accepts.push_back(transition(store::Op::kAccept, a.receipt, matcher_.officer(a.officer).id));
      taken.push_back(a);
    }
    const auto took = apply(accepts);
    for (std::size_t i = 0; i < taken.size(); ++i) {
      const auto& a = taken[i];
      if (!took[i]) {
        resync(a.receipt, accepts[i].center);
        continue;
      }
      auto& rec = matcher_.index().record(matcher_.index().find(a.receipt).value());
      rec.state = CaseState::kAssigned;
      desks_[a.officer].cases.push_back(a.receipt);
      ++by_center_[cat_.center(rec.center).code].offered;
      ++by_form_[cat_.form(rec.form).code].offered;
      last_offer_ = a.receipt;
    }
  }

  std::optional<ReceiptNumber> most_overdue() const {
    std::optional<ReceiptNumber> found;
    std::int64_t earliest = INT64_MAX;
    for (const auto& cls : matcher_.index().classes()) {
      for (std::size_t i = cls.head; i < cls.queue.size(); ++i) {
        if (!matcher_.index().live(cls.queue[i])) continue;
        const auto& rec = matcher_.index().record(cls.queue[i].slot);
        if (rec.deadline < earliest) {
          earliest = rec.deadline;
          found = ReceiptNumber::from_packed(rec.receipt);
        }
        break;  // A class's first live entry is its earliest.
      }
    }
    return found;
  }

  const Args& args_;
  const config::NationalConfig& cfg_;
  const Catalog& cat_;
  ManualClock& clock_;
  store::CaseStore& store_;
  matching::Matcher matcher_;
  std::mt19937_64 rng_;
  std::vector<Desk> desks_;
  std::map<std::string, Tally> by_center_;
  std::map<std::string, Tally> by_form_;
  std::optional<ReceiptNumber> last_offer_;
  std::int64_t transitions_ = 0;
  std::int64_t refused_ = 0;
  std::int64_t resyncs_ = 0;
  std::int64_t decided_ = 0;
  double round_ms_total_ = 0;
  double round_ms_max_ = 0;
  double solve_ms_total_ = 0;
  int rounds_ = 0;
};

int run(const Args& args) {
  const config::NationalConfig cfg = config::load_national_config(args.config);
  metrics::MetricsServer metrics_server(args.metrics_listen);
  metrics::add_build_info(metrics_server.registry(), DOCKET_VERSION);
  store::StoreMetrics store_metrics(metrics_server.registry());
  matching::MatcherMetrics matcher_metrics(metrics_server.registry());
  std::optional<store::EmbeddedRedis> embedded;
  store::RedisOptions ro;
  if (args.redis.empty()) {
    store::EmbeddedRedisOptions eo;
    eo.dir = std::filesystem::absolute(args.data_dir);
    embedded.emplace(eo);
    ro.port = embedded->port();
    std::printf("state of record: embedded redis-server on 127.0.0.1:%d, data in %s (AOF, everysec)\n",
                embedded->port(), eo.dir.c_str());
  } else {
    ro = parse_redis(args.redis);
    std::printf("state of record: redis at %s\n", args.redis.c_str());
  }
  store::RedisConnection conn(ro);
  // Simulated time: the store stamps transitions with the same clock the rounds run on.
  ManualClock clock(parse_start(args.start));
  store::CaseStore store(conn, clock);
  store.set_metrics(&store_metrics);
  std::printf("metrics: %s\n", metrics_server.url().c_str());
  std::printf("docket-scheduler: %zu officers, %zu forms, %zu centers\n", cfg.officers.size(),
              cfg.catalog.forms().size(), cfg.catalog.centers().size());
  NationalRun national(args, cfg, clock, store, matcher_metrics);
  national.start();
  std::printf("(officers simulated in compressed time: %d-minute rounds for %d hours; Ctrl-C stops)\n",
              args.round_minutes, args.hours);
  national.run();
  return national.report();
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) {
  docket::Args args;
  CLI::App app{"docket-scheduler: matches immigration cases to officers"};
  app.add_option("-c,--config", args.config, "national configuration (docket.yaml)")->check(CLI::ExistingFile);
  app.add_option("--redis", args.redis, "Redis address host:port; default: an embedded redis-server");
  app.add_option("--data-dir", args.data_dir, "data directory of the embedded redis-server");
  app.add_option("--metrics-listen", args.metrics_listen, "address of the Prometheus endpoint (port 0: any free port)");
  app.add_option("--backlog", args.backlog, "cases imported when the store is empty")->check(CLI::Range(1, 20'000'000));
  app.add_option("--seed", args.seed, "workload and decision seed");
  app.add_option("--hours", args.hours, "simulated hours to run")->check(CLI::Range(1, 24 * 366));
  app.add_option("--round-minutes", args.round_minutes, "simulated minutes between rounds")->check(CLI::Range(1, 24 * 60));
  app.add_option("--start", args.start, "simulated start date, YYYY-MM-DD");
  app.add_flag("--json", args.json, "print the summary as JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  std::signal(SIGINT, docket::on_signal);
  std::signal(SIGTERM, docket::on_signal);
  try {
    return docket::run(args);
  } catch (const docket::ConfigError& e) {
    spdlog::error("configuration: {}", e.what());
    return 1;
  } catch (const docket::InvalidArgument& e) {
    spdlog::error("{}", e.what());
    return 1;
  } catch (const docket::IoError& e) {
    spdlog::error("state of record unreachable: {}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("internal error: {}", e.what());
    return 2;
  }
}
