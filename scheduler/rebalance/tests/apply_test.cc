#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <map>
#include <thread>
#include <tuple>

#include <prometheus/registry.h>

#include "docket/core/error.h"
#include "docket/metrics/agency.h"
#include "docket/rebalance/apply.h"
#include "docket/rebalance/metrics.h"
#include "docket/rebalance/planner.h"
#include "docket/service/intake.h"
#include "rebalance_test_util.h"
#include "support/redis_fixture.h"

namespace docket::rebalance {
namespace {

class RebalanceApplyTest : public store::testing::RedisServerFixture {
 protected:
  void SetUp() override {
    RedisServerFixture::SetUp();
    world_ = std::make_unique<testing::World>(cat_);
    store_ = std::make_unique<store::CaseStore>(redis(), world_->clock);
  }

  matching::Matcher& matcher() { return world_->matcher; }

  void officers(std::string_view center, std::string_view form, int n) {
    const FormPolicy& f = cat_.form(*cat_.find_form(form));
    for (int i = 0; i < n; ++i) {
      Officer o;
      o.id = "ISO-" + std::string(center) + "-" + std::string(form) + "-" + std::to_string(i);
      o.center = *cat_.find_center(center);
      o.skills = {{f.skill, 3}};
      o.capacity = 3;
      matcher().add_officer(o);
    }
  }

  // Queues n cases of a form at a center, due within `days`, in the matcher and the store.
  std::vector<ReceiptNumber> cases(std::string_view center, std::string_view form, int n, int days) {
    std::vector<Case> batch;
    for (int i = 0; i < n; ++i) {
      Case c;
      c.receipt = testing::receipt(++next_);
      c.form = *cat_.find_form(form);
      c.center = *cat_.find_center(center);
      if (cat_.form(c.form).interview) c.field_office = c.center;
      c.received = world_->clock.now() - std::chrono::days(60 + i % 30);
      c.deadline = world_->clock.now() + std::chrono::days(days) + std::chrono::minutes(i);
      c.state = CaseState::kQueued;
      batch.push_back(c);
      matcher().enqueue(c);
    }
    for (const auto& r : service::import_cases(*store_, cat_, matcher(), batch)) EXPECT_TRUE(r.ok()) << r.message;
    std::vector<ReceiptNumber> out;
    for (const Case& c : batch) out.push_back(c.receipt);
    return out;
  }

  // Every center's view of a case: the centers that hold it live (not a transfer tombstone).
  std::vector<std::string> live_at(ReceiptNumber r) {
    std::vector<std::string> out;
    for (const Center& c : cat_.centers()) {
      if (auto s = store_->get(c.code, r); s && s->state != CaseState::kTransferred) out.push_back(c.code);
    }
    return out;
  }

  // The agency's metrics as the scheduler starts them: every case in the index reported once.
  std::unique_ptr<metrics::AgencyMetrics> agency(prometheus::Registry& registry) {
    auto m = std::make_unique<metrics::AgencyMetrics>(registry, cat_, world_->clock);
    const auto& index = matcher().index();
    for (std::uint32_t s = 0; s < index.slots(); ++s) {
      const auto& rec = index.record(s);
      if (rec.receipt != 0) m->on_transition(rec.center, rec.form, CaseState::kReceived, rec.state);
    }
    return m;
  }

  // docket_backlog_cases after a tick equals the index's count for every center, form and state.
  void expect_backlog_is_the_index(metrics::AgencyMetrics& m) {
    m.tick();
    std::map<std::tuple<CenterId, FormId, int>, double> counted;
    const auto& index = matcher().index();
    for (std::uint32_t s = 0; s < index.slots(); ++s) {
      const auto& rec = index.record(s);
      const int slot = metrics::backlog_slot(rec.state);
      if (rec.receipt != 0 && slot >= 0) counted[{rec.center, rec.form, slot}] += 1;
    }
    constexpr std::array<std::string_view, metrics::kBacklogStateCount> kStates = {
        "queued", "offered", "assigned", "on_hold", "rfe_pending", "qa_review"};
    for (const Center& c : cat_.centers()) {
      for (const FormPolicy& f : cat_.forms()) {
        for (int st = 0; st < metrics::kBacklogStateCount; ++st) {
          const double gauge =
              m.backlog
                  .Add({{"center", c.code},
                        {"form", f.code},
                        {"state", std::string(kStates[static_cast<std::size_t>(st)])}})
                  .Value();
          const auto it = counted.find({c.id, f.id, st});
          EXPECT_EQ(gauge, it == counted.end() ? 0.0 : it->second)
              << c.code << " " << f.code << " " << kStates[static_cast<std::size_t>(st)];
        }
      }
    }
  }

  int count_ops(const std::vector<store::AuditEntry>& history, std::string_view op) {
    return static_cast<int>(std::count_if(history.begin(), history.end(), [&](const auto& e) { return e.op == op; }));
  }

  const Catalog cat_ = testing::catalog();
  std::unique_ptr<testing::World> world_;
  std::unique_ptr<store::CaseStore> store_;
  std::uint64_t next_ = 0;
};

TEST_F(RebalanceApplyTest, ApplyMovesEachCaseOnceAndAgainMovesNothing) {
  officers("VSC", "I-130", 1);
  officers("CSC", "I-130", 10);
  officers("FO-KEN", "N-400", 1);
  officers("FO-HIA", "N-400", 6);
  officers("FO-HOU", "N-400", 20);  // Another district: never a destination for Miami's cases.
  cases("VSC", "I-130", 300, 10);
  cases("FO-KEN", "N-400", 200, 10);
  prometheus::Registry registry;
  RebalanceMetrics metrics(registry);
  const Plan p = plan(matcher(), {}, &metrics);
  ASSERT_EQ(p.moves.size(), 2u) << render_table(p);
  const ApplyReport first = apply(p, *store_, redis(), matcher(), {}, &metrics);
  EXPECT_TRUE(first.complete);
  EXPECT_EQ(first.moved, p.moved);
  EXPECT_TRUE(first.skipped.empty());
  for (const Move& m : p.moves) {
    EXPECT_NE(m.to, "FO-HOU");
    for (const std::string& text : m.receipts) {
      const ReceiptNumber r = *ReceiptNumber::parse(text);
      EXPECT_EQ(live_at(r), std::vector<std::string>{m.to});
      const auto h = store_->history(m.to, r);
      EXPECT_EQ(count_ops(h, "transfer_out"), 1);
      EXPECT_EQ(count_ops(h, "transfer_in"), 1);
      EXPECT_NE(h.back().detail.find(p.id), std::string::npos) << h.back().detail;
      const auto& rec = matcher().index().record(*matcher().index().find(r));
      EXPECT_EQ(cat_.center(rec.center).code, m.to);
      EXPECT_EQ(rec.state, CaseState::kQueued);
      if (m.form == "N-400") {
        EXPECT_EQ(store_->get(m.to, r)->field_office, m.to);  // The interview moved with it.
        EXPECT_EQ(rec.field_office, *cat_.find_center(m.to));
      }
    }
    const double counted = metrics.cases_moved->Add({{"from_center", m.from}, {"to_center", m.to}, {"form", m.form}}).Value();
    EXPECT_EQ(counted, static_cast<double>(m.count));
  }
  const ApplyReport again = apply(p, *store_, redis(), matcher(), {}, &metrics);
  EXPECT_EQ(again.moved, 0);
  EXPECT_EQ(again.already, p.moved);
  EXPECT_EQ(metrics.runs[1][0]->Value(), 2.0);
  EXPECT_EQ(metrics.runs[0][0]->Value(), 1.0);
  EXPECT_TRUE(unfinished_plans(*store_, redis()).empty());
}

TEST_F(RebalanceApplyTest, AfterAnApplyTheBacklogGaugesAreTheIndexCenterByCenter) {
  officers("VSC", "I-130", 1);
  officers("CSC", "I-130", 10);
  officers("FO-KEN", "N-400", 1);
  officers("FO-HIA", "N-400", 6);
  cases("VSC", "I-130", 120, 10);
  cases("FO-KEN", "N-400", 80, 10);
  prometheus::Registry registry;
  const auto m = agency(registry);
  expect_backlog_is_the_index(*m);
  const Plan p = plan(matcher(), {});
  ASSERT_EQ(p.moves.size(), 2u) << render_table(p);
  ASSERT_GT(p.moved, 0);
  EXPECT_EQ(apply(p, *store_, redis(), matcher(), {}, nullptr, m.get()).moved, p.moved);
  expect_backlog_is_the_index(*m);
  const double vsc =
      m->backlog.Add({{"center", "VSC"}, {"form", "I-130"}, {"state", "queued"}}).Value();
  EXPECT_LT(vsc, 120.0);  // The cases moved left the source's gauge.
  // Applying again moves nothing and reports nothing.
  EXPECT_EQ(apply(p, *store_, redis(), matcher(), {}, nullptr, m.get()).moved, 0);
  expect_backlog_is_the_index(*m);
}

TEST_F(RebalanceApplyTest, StaleUnknownAndMalformedPlansAreRefused) {
  officers("VSC", "I-130", 1);
  officers("CSC", "I-130", 10);
  cases("VSC", "I-130", 100, 10);
  const Plan p = plan(matcher(), {});
  ASSERT_FALSE(p.moves.empty());
  Plan bad = p;
  bad.moves[0].to = "XYZ";
  EXPECT_THROW(apply(bad, *store_, redis(), matcher()), InvalidArgument);
  bad = p;
  bad.moves[0].form = "I-999";
  EXPECT_THROW(apply(bad, *store_, redis(), matcher()), InvalidArgument);
  bad = p;
  bad.moves[0].form = "I-90";  // Not transferable.
  EXPECT_THROW(apply(bad, *store_, redis(), matcher()), InvalidArgument);
  EXPECT_THROW(resume("0123456789abcdef", *store_, redis(), matcher()), InvalidArgument);
  world_->clock.advance(std::chrono::hours(2));
  try {
    apply(p, *store_, redis(), matcher());
    FAIL() << "a stale plan was applied";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("stale plan"), std::string::npos) << e.what();
  }
  EXPECT_EQ(live_at(*ReceiptNumber::parse(p.moves[0].receipts[0])), std::vector<std::string>{"VSC"});
}

TEST_F(RebalanceApplyTest, CasesThatChangedSinceThePlanAreSkipped) {
  officers("VSC", "I-130", 1);
  officers("CSC", "I-130", 10);
  cases("VSC", "I-130", 100, 10);
  const Plan p = plan(matcher(), {});
  ASSERT_FALSE(p.moves.empty());
  // One case goes on hold after planning: it stays where it is.
  const ReceiptNumber held = *ReceiptNumber::parse(p.moves[0].receipts[0]);
  store::Transition t;
  t.op = store::Op::kHold;
  t.receipt = held;
  t.center = "VSC";
  t.actor = "test";
  ASSERT_TRUE(store_->apply(t).ok());
  matcher().withdraw(held, CaseState::kOnHold);
  const ApplyReport r = apply(p, *store_, redis(), matcher());
  EXPECT_EQ(r.moved, p.moved - 1);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_NE(r.skipped[0].find("on_hold"), std::string::npos) << r.skipped[0];
  EXPECT_EQ(live_at(held), std::vector<std::string>{"VSC"});
}

TEST_F(RebalanceApplyTest, ApplyKilledMidwayIsCompletedExactlyOnceByResume) {
  officers("VSC", "I-130", 1);
  officers("CSC", "I-130", 40);
  officers("NSC", "I-130", 40);
  const auto all = cases("VSC", "I-130", 4000, 10);
  const Plan p = plan(matcher(), {});
  ASSERT_GT(p.moved, 3000);
  const std::string key = journal_key(*store_, p.id);

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child is a scheduler applying the plan with its own connection (and its own copy of
    // the matcher), killed without warning part way through.
    try {
      store::RedisConnection conn(server().connection_options());
      store::CaseStore store(conn, world_->clock);
      apply(p, store, conn, world_->matcher);
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  std::int64_t journaled = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (journaled < 300 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    journaled = redis().command({"HLEN", key}).as_integer() - 2;  // Less "plan" and "status".
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the apply finished before it could be killed";
  ASSERT_LT(journaled, p.moved);
  EXPECT_EQ(unfinished_plans(*store_, redis()), std::vector<std::string>{p.id});

  // The parent is the restarted scheduler: its matcher still has every case at VSC.
  const ApplyReport resumed = resume(p.id, *store_, redis(), matcher());
  EXPECT_TRUE(resumed.complete);
  EXPECT_GE(resumed.already, journaled);
  EXPECT_EQ(resumed.already + resumed.moved, p.moved);
  EXPECT_TRUE(resumed.skipped.empty());
  EXPECT_TRUE(unfinished_plans(*store_, redis()).empty());

  std::unordered_map<std::string, std::string> dest;
  for (const Move& m : p.moves) {
    for (const std::string& text : m.receipts) dest[text] = m.to;
  }
  for (ReceiptNumber r : all) {
    const auto it = dest.find(r.str());
    const std::string where = it == dest.end() ? "VSC" : it->second;
    ASSERT_EQ(live_at(r), std::vector<std::string>{where}) << r.str();
    const auto h = store_->history(where, r);
    EXPECT_EQ(count_ops(h, "transfer_out"), where == "VSC" ? 0 : 1) << r.str();
    EXPECT_EQ(count_ops(h, "transfer_in"), where == "VSC" ? 0 : 1) << r.str();
    const auto& rec = matcher().index().record(*matcher().index().find(r));
    EXPECT_EQ(cat_.center(rec.center).code, where) << r.str();
    EXPECT_EQ(rec.state, CaseState::kQueued);
  }
  EXPECT_EQ(matcher().index().queued(), all.size());
  // A second resume changes nothing.
  const ApplyReport again = resume(p.id, *store_, redis(), matcher());
  EXPECT_EQ(again.moved, 0);
  EXPECT_EQ(again.already, p.moved);
}

TEST_F(RebalanceApplyTest, DrainCenterMovesEveryCaseThatMayLeave) {
  officers("VSC", "I-130", 2);
  officers("VSC", "I-90", 2);
  officers("CSC", "I-130", 5);
  officers("NSC", "I-130", 5);
  cases("VSC", "I-130", 500, 40);
  cases("VSC", "I-90", 50, 40);  // I-90 may not move: stranded.
  EXPECT_THROW(drain_center("XYZ", *store_, redis(), matcher()), InvalidArgument);
  prometheus::Registry registry;
  const auto m = agency(registry);
  const DrainCenterReport r =
      drain_center("VSC", *store_, redis(), matcher(), {}, nullptr, m.get());
  expect_backlog_is_the_index(*m);
  EXPECT_EQ(r.plan.kind, "drain");
  EXPECT_EQ(r.plan.moved, 500);
  EXPECT_EQ(r.plan.stranded, 50);
  EXPECT_EQ(r.applied.moved, 500);
  const auto& index = matcher().index();
  std::size_t left = 0;
  for (std::uint32_t s = 0; s < index.slots(); ++s) {
    const auto& rec = index.record(s);
    if (rec.state == CaseState::kQueued && cat_.center(rec.center).code == "VSC") {
      EXPECT_EQ(cat_.form(rec.form).code, "I-90");
      ++left;
    }
  }
  EXPECT_EQ(left, 50u);
}

}  // namespace
}  // namespace docket::rebalance
