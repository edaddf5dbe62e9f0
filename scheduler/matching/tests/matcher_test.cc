#include "docket/matching/matcher.h"

#include <gtest/gtest.h>

#include <map>

#include "docket/core/error.h"
#include "docket/testing/fixtures.h"

namespace docket::matching {
namespace {

using std::chrono::days;
using testing::make_case;
using testing::make_officer;

class MatcherTest : public ::testing::Test {
 protected:
  MatcherTest() : cat_(testing::small_catalog()), clock_(testing::test_epoch()) {}
  Matcher make(Options opts = {}) { return Matcher(cat_, std::move(opts), clock_); }
  TimePoint now() const { return clock_.now(); }
  static std::map<std::string, std::string> by_receipt(const Matcher& m, const RoundPlan& p) {
    std::map<std::string, std::string> out;
    for (const auto& a : p.assignments) out[a.receipt.str()] = m.officer(a.officer).id;
    return out;
  }

  Catalog cat_;
  ManualClock clock_;
};

TEST_F(MatcherTest, AssignsEarliestDeadlineWhenCapacityIsShort) {
  Matcher m = make();
  m.add_officer(make_officer(cat_, "A", "VSC", {{"i130", 3}}));
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now() - days(10), 90));
  m.enqueue(make_case(cat_, 2, "I-130", "VSC", now() - days(5), 20));
  m.enqueue(make_case(cat_, 3, "I-130", "VSC", now() - days(1), 150));
  RoundPlan plan = m.run_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].receipt.str(), "EAC0000000002");
  EXPECT_EQ(m.officer(0).load, 1);
  EXPECT_EQ(m.index().queued(), 2U);
  // The officer is full: the next round assigns nothing.
  EXPECT_TRUE(m.run_round().assignments.empty());
}

TEST_F(MatcherTest, UrgencyBeatsQueueOrderAcrossClasses) {
  Matcher m = make();
  m.add_officer(make_officer(cat_, "A", "VSC", {{"i130", 3}, {"i129", 3}}));
  // Received long ago, but due in 100 days; the premium case is due in 3.
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now() - days(100), 200));
  m.enqueue(make_case(cat_, 2, "I-129", "VSC", now(), 3, Priority::kPremium));
  RoundPlan plan = m.run_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].receipt.str(), "EAC0000000002");
}

TEST_F(MatcherTest, SetSkillsChangesWhatTheNextRoundOffersAndKeepsTheDesk) {
  Matcher m = make();
  const OfficerId a = m.add_officer(make_officer(cat_, "A", "VSC", {{"i130", 3}}, 4));
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now() - days(10), 90));
  ASSERT_EQ(m.run_round().assignments.size(), 1U);
  m.enqueue(make_case(cat_, 2, "I-129", "VSC", now(), 30));
  EXPECT_TRUE(m.run_round().assignments.empty());  // Not certified for the I-129 yet.
  // A bad level or a skill listed twice changes nothing.
  const auto i129 = *cat_.find_skill("i129");
  EXPECT_THROW(m.set_skills(a, {{i129, 9}}), InvalidArgument);
  EXPECT_THROW(m.set_skills(a, {{i129, 3}, {i129, 2}}), InvalidArgument);
  EXPECT_EQ(m.officer(a).level(i129), 0);
  m.set_skills(a, {{i129, 3}});
  const RoundPlan plan = m.run_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].receipt.str(), "EAC0000000002");
  EXPECT_EQ(m.officer(a).load, 2);  // The I-130 already on the desk stays.
}

TEST_F(MatcherTest, SpreadsLoadAcrossOfficers) {
  Matcher m = make();
  m.add_officer(make_officer(cat_, "A", "VSC", {{"i130", 3}}, 4));
  m.add_officer(make_officer(cat_, "B", "VSC", {{"i130", 3}}, 4));
  for (int i = 0; i < 4; ++i) m.enqueue(make_case(cat_, 10 + i, "I-130", "VSC", now(), 60 + i));
  m.run_round();
  EXPECT_EQ(m.officer(0).load, 2);
  EXPECT_EQ(m.officer(1).load, 2);
}

TEST_F(MatcherTest, PrefersTheLowestSufficientLevel) {
  Matcher m = make();
  m.add_officer(make_officer(cat_, "senior", "VSC", {{"i130", 5}}));
  m.add_officer(make_officer(cat_, "journeyman", "VSC", {{"i130", 2}}));
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now(), 60));
  auto got = by_receipt(m, m.run_round());
  EXPECT_EQ(got["EAC0000000001"], "journeyman");
}

TEST_F(MatcherTest, RelaxesTheSkillLevelOnlyAsTheDeadlineNears) {
  Options opts;
  opts.relaxation = {{14, 1}, {3, 2}};
  Matcher m = make(opts);
  m.add_officer(make_officer(cat_, "L2", "VSC", {{"i129", 2}}, 2));
  m.enqueue(make_case(cat_, 1, "I-129", "VSC", now(), 40));  // level 3 needed, far off
  m.enqueue(make_case(cat_, 2, "I-129", "VSC", now(), 10));  // within 14 days: level 2 will do
  RoundPlan plan = m.run_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].receipt.str(), "EAC0000000002");
  EXPECT_EQ(plan.assignments[0].relaxed_levels, 1);
}

TEST_F(MatcherTest, CrossesCentersOnlyForUrgentCasesAndOnlyWhenLocalIsFull) {
  Options opts;
  opts.cross_center_slack_days = 30;
  Matcher m = make(opts);
  m.add_officer(make_officer(cat_, "csc", "CSC", {{"i130", 3}}, 3));
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now(), 120));  // not urgent: stays at VSC
  m.enqueue(make_case(cat_, 2, "I-130", "VSC", now(), 20));   // urgent: may go to CSC
  RoundPlan plan = m.run_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].receipt.str(), "EAC0000000002");
  EXPECT_TRUE(plan.assignments[0].cross_center);

  // With a free local officer, an urgent case stays home.
  Matcher local = make(opts);
  local.add_officer(make_officer(cat_, "csc", "CSC", {{"i130", 3}}));
  local.add_officer(make_officer(cat_, "vsc", "VSC", {{"i130", 3}}));
  local.enqueue(make_case(cat_, 3, "I-130", "VSC", now(), 20));
  EXPECT_EQ(by_receipt(local, local.run_round())["EAC0000000003"], "vsc");
}

TEST_F(MatcherTest, InterviewCasesNeverLeaveTheirFieldOffice) {
  Options opts;
  opts.cross_center_slack_days = 1000;
  Matcher m = make(opts);
  m.add_officer(make_officer(cat_, "vsc", "VSC", {{"i485", 5}}, 5));
  Case c = make_case(cat_, 1, "I-485", "FO-HOU", now(), -10);  // overdue
  m.enqueue(c);
  EXPECT_TRUE(m.run_round().assignments.empty());
  m.add_officer(make_officer(cat_, "hou", "FO-HOU", {{"i485", 3}}));
  EXPECT_EQ(by_receipt(m, m.run_round())["EAC0000000001"], "hou");
}

TEST_F(MatcherTest, ReturningRfeCaseGoesBackToItsOfficer) {
  Matcher m = make();
  for (int i = 0; i < 5; ++i) {
    m.add_officer(make_officer(cat_, "o" + std::to_string(i), "VSC", {{"i130", 2}}, 2));
  }
  const OfficerId sender = m.add_officer(make_officer(cat_, "sender", "VSC", {{"i130", 5}}, 2));
  Case c = make_case(cat_, 7, "I-130", "VSC", now() - days(50), 100);
  c.preferred_officer = sender;
  m.enqueue(c);
  RoundPlan plan = m.run_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].officer, sender);
  EXPECT_TRUE(plan.assignments[0].preferred);
}

TEST_F(MatcherTest, QaReviewGoesToADifferentSeniorOfficer) {
  Matcher m = make();
  Officer decider = make_officer(cat_, "decider", "VSC", {{"i130", 5}}, 3);
  decider.senior = true;
  Officer junior = make_officer(cat_, "junior", "VSC", {{"i130", 5}}, 3);
  Officer reviewer = make_officer(cat_, "reviewer", "VSC", {{"i130", 5}}, 3);
  reviewer.senior = true;
  const OfficerId d = m.add_officer(decider);
  m.add_officer(junior);
  m.add_officer(reviewer);
  Case c = make_case(cat_, 9, "I-130", "VSC", now(), 30);
  c.senior_review = true;
  c.excluded = {d};
  m.enqueue(c);
  EXPECT_EQ(by_receipt(m, m.run_round())["EAC0000000009"], "reviewer");
}

TEST_F(MatcherTest, ExcludedOfficerInAnIdenticalClassIsSkipped) {
  Matcher m = make();
  const OfficerId a = m.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  m.add_officer(make_officer(cat_, "b", "VSC", {{"i130", 3}}));
  Case c = make_case(cat_, 4, "I-130", "VSC", now(), 30);
  c.excluded = {a};
  m.enqueue(c);
  EXPECT_EQ(by_receipt(m, m.run_round())["EAC0000000004"], "b");
}

TEST_F(MatcherTest, LanguageAndClearanceAreHardRequirements) {
  Matcher m = make();
  m.add_officer(make_officer(cat_, "plain", "VSC", {{"i130", 5}}, 5));
  Officer es = make_officer(cat_, "es", "VSC", {{"i130", 2}});
  es.languages = 1U << cat_.find_language("es").value();
  m.add_officer(es);
  Officer cleared = make_officer(cat_, "cleared", "VSC", {{"i130", 2}});
  cleared.clearance = Clearance::kTopSecret;
  m.add_officer(cleared);
  Case spanish = make_case(cat_, 1, "I-130", "VSC", now(), 30);
  spanish.language = cat_.find_language("es").value();
  Case secret = make_case(cat_, 2, "I-130", "VSC", now(), 30);
  secret.clearance = Clearance::kSecret;
  m.enqueue(spanish);
  m.enqueue(secret);
  auto got = by_receipt(m, m.run_round());
  EXPECT_EQ(got["EAC0000000001"], "es");
  EXPECT_EQ(got["EAC0000000002"], "cleared");
}

TEST_F(MatcherTest, AbsentOfficersGetNothing) {
  Matcher m = make();
  const OfficerId a = m.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  m.set_presence(a, Presence::kAway);
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now(), 30));
  EXPECT_TRUE(m.run_round().assignments.empty());
  m.set_presence(a, Presence::kAvailable);
  EXPECT_EQ(m.run_round().assignments.size(), 1U);
}

TEST_F(MatcherTest, ARemovedOfficerStaysOfflineAndKeepsTheirId) {
  Matcher m = make();
  const OfficerId a = m.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  const auto version = m.roster_version();
  m.remove_officer(a);
  EXPECT_TRUE(m.officer(a).removed);
  EXPECT_GT(m.roster_version(), version);
  // A desk's presence, or the roster's, no longer brings the officer back.
  m.set_presence(a, Presence::kAvailable);
  EXPECT_EQ(m.officer(a).presence, Presence::kOffline);
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now(), 30));
  EXPECT_TRUE(m.run_round().assignments.empty());
  EXPECT_EQ(m.find_officer("a"), a);
  EXPECT_THROW(m.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}})), InvalidArgument);
}

TEST_F(MatcherTest, MaxRoundCasesCapsARound) {
  Options opts;
  opts.max_round_cases = 2;
  Matcher m = make(opts);
  m.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}, 10));
  for (int i = 0; i < 5; ++i) m.enqueue(make_case(cat_, 20 + i, "I-130", "VSC", now(), 10 + i));
  RoundPlan plan = m.run_round();
  ASSERT_EQ(plan.assignments.size(), 2U);
  EXPECT_EQ(plan.assignments[0].receipt.str(), "EAC0000000020");
  EXPECT_EQ(plan.assignments[1].receipt.str(), "EAC0000000021");
}

TEST_F(MatcherTest, DeclinedCaseKeepsItsPlace) {
  Matcher m = make();
  const OfficerId a = m.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  Case first = make_case(cat_, 1, "I-130", "VSC", now() - days(30), 30);
  m.enqueue(first);
  m.run_round();
  m.enqueue(make_case(cat_, 2, "I-130", "VSC", now(), 30));
  // Declined: the case returns with its original receipt time and deadline.
  m.release(a);
  m.enqueue(first);
  RoundPlan plan = m.run_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].receipt.str(), "EAC0000000001");
}

TEST_F(MatcherTest, ApplySkipsOffersThatNoLongerFit) {
  Matcher m = make();
  const OfficerId a = m.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now(), 30));
  RoundPlan plan = m.plan_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  m.set_presence(a, Presence::kOffline);
  EXPECT_EQ(m.apply(plan), 0U);
  EXPECT_EQ(m.index().queued(), 1U);
}

TEST_F(MatcherTest, OffersCarryTheirSlotAndApplyTrustsItOnlyWhileItHoldsTheCase) {
  Matcher m = make();
  m.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  const std::uint32_t slot = m.enqueue(make_case(cat_, 1, "I-130", "VSC", now(), 30));
  EXPECT_EQ(m.index().find(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 1)).value(), slot);
  RoundPlan plan = m.plan_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].slot, slot);
  // The case is decided elsewhere and a new case takes its slot before the plan is applied:
  // the offer no longer fits, and the new case stays queued.
  ASSERT_TRUE(m.forget(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 1)));
  EXPECT_EQ(m.enqueue(make_case(cat_, 2, "I-130", "VSC", now(), 30)), slot);
  EXPECT_EQ(m.apply(plan), 0U);
  EXPECT_EQ(m.index().queued(), 1U);
  EXPECT_EQ(m.index().record(slot).state, CaseState::kQueued);
  // A plan without slots (another policy's) is applied by receipt.
  plan = m.plan_round();
  ASSERT_EQ(plan.assignments.size(), 1U);
  plan.assignments[0].slot = Assignment::kNoSlot;
  EXPECT_EQ(m.apply(plan), 1U);
  EXPECT_EQ(m.index().record(slot).state, CaseState::kOffered);
}

TEST_F(MatcherTest, EveryConfiguredSolverGivesTheSameObjective) {
  std::vector<Cost> objectives;
  for (const char* solver : {"lemon-network-simplex", "lemon-cost-scaling", "boost-ssp"}) {
    Options opts;
    opts.solver = solver;
    Matcher m = make(opts);
    auto inst = testing::random_instance(cat_, 7, 300, 40, now());
    for (auto& o : inst.officers) m.add_officer(o);
    for (auto& c : inst.cases) m.enqueue(c);
    RoundPlan plan = m.plan_round();
    EXPECT_FALSE(plan.assignments.empty()) << solver;
    objectives.push_back(plan.stats.total_cost);
  }
  EXPECT_EQ(objectives[1], objectives[0]) << "lemon-cost-scaling";
  EXPECT_EQ(objectives[2], objectives[0]) << "boost-ssp";
}

TEST_F(MatcherTest, ACaseQueuedInOrderAfterARoundJoinsItsDeadlineBucket) {
  // The round remembers where each bucket of a class ended; a case appended after the last one
  // (no re-sort) must still be cut into the bucket its deadline falls in.
  Matcher m = make();
  const OfficerId a = m.add_officer(make_officer(cat_, "A", "VSC", {{"i130", 3}}, 2));
  m.set_presence(a, Presence::kAway);
  m.enqueue(make_case(cat_, 1, "I-130", "VSC", now() - days(10), 20));  // Due in 10 days.
  EXPECT_TRUE(m.run_round().assignments.empty());
  clock_.advance(std::chrono::hours(1));
  m.enqueue(make_case(cat_, 2, "I-130", "VSC", now(), 12));  // Due in 12 days: same bucket.
  m.set_presence(a, Presence::kAvailable);
  const RoundPlan plan = m.run_round();
  EXPECT_EQ(plan.stats.case_nodes, 1U);
  EXPECT_EQ(plan.assignments.size(), 2U);
}

TEST_F(MatcherTest, TheCompactGraphHasTheFullGraphsObjective) {
  // Two matchers on the same instance, one building the full graph; each round applies the full
  // graph's plan to both, so they stay in the same state while the clock moves deadlines. The
  // default models rank buckets by deadline; triage ranks on-time cases above late ones.
  const std::vector<CostModelSpec> triage = {{"triage", 1.0},    {"skill-fit", 1.0}, {"transfer", 1.0},
                                             {"load-balance", 1.0}, {"affinity", 1.0}};
  for (const auto& models : {Options{}.cost_models, triage}) {
    std::size_t saturated = 0;
    std::size_t arcs_saved = 0;
    std::size_t hubs = 0;
    for (std::uint64_t seed : {3, 11, 29}) {
      Options full_opts;
      full_opts.cost_models = models;
      full_opts.compact_graph = false;
      Options compact_opts;
      compact_opts.cost_models = models;
      Matcher full = make(full_opts);
      Matcher compact = make(compact_opts);
      auto inst = testing::random_instance(cat_, seed, 6000, 60, now());
      for (auto& o : inst.officers) {
        full.add_officer(o);
        compact.add_officer(o);
      }
      for (auto& c : inst.cases) {
        full.enqueue(c);
        compact.enqueue(c);
      }
      for (int round = 0; round < 4; ++round) {
        const RoundPlan a = full.plan_round();
        const RoundPlan b = compact.plan_round();
        const std::string where = models.front().name + ", seed " + std::to_string(seed) +
                                  ", round " + std::to_string(round);
        EXPECT_EQ(a.stats.saturated_nodes, 0U);
        EXPECT_EQ(b.stats.total_cost, a.stats.total_cost) << where;
        EXPECT_EQ(b.assignments.size(), a.assignments.size()) << where;
        // A node left out may also be one no officer can serve, which the full graph leaves out.
        EXPECT_LE(b.stats.case_nodes, a.stats.case_nodes);
        EXPECT_GE(b.stats.case_nodes + b.stats.saturated_nodes, a.stats.case_nodes);
        saturated += b.stats.saturated_nodes;
        EXPECT_LE(b.stats.graph_arcs, a.stats.graph_arcs);
        arcs_saved += a.stats.graph_arcs - b.stats.graph_arcs;
        EXPECT_EQ(a.stats.hubs, 0U);
        hubs += b.stats.hubs;
        ASSERT_FALSE(a.assignments.empty());
        full.apply(a);
        compact.apply(a);
        // Half the desks finish a case; a week passes.
        for (OfficerId id = 0; id < inst.officers.size(); id += 2) {
          if (full.officer(id).load > 0) {
            full.release(id);
            compact.release(id);
          }
        }
        clock_.advance(std::chrono::duration_cast<Seconds>(days(7)));
      }
    }
    EXPECT_GT(saturated, 0U) << models.front().name << ": no class saturated, the test proves nothing";
    EXPECT_GT(hubs, 0U) << models.front().name << ": no national hub, the test proves nothing";
    EXPECT_GT(arcs_saved, 0U) << models.front().name;
  }
}

TEST_F(MatcherTest, RejectsBadInputWithClearErrors) {
  Options bad_solver;
  bad_solver.solver = "simplex-of-dreams";
  try {
    make(bad_solver);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("lemon-network-simplex"), std::string::npos);
  }
  Options bad_model;
  bad_model.cost_models = {{"astrology", 1.0}};
  EXPECT_THROW(make(bad_model), InvalidArgument);

  Matcher m = make();
  EXPECT_THROW(m.add_officer(make_officer(cat_, "z", "VSC", {{"i130", 3}}, 0)), InvalidArgument);
  EXPECT_THROW(m.add_officer(make_officer(cat_, "z", "VSC", {{"i130", 6}})), InvalidArgument);
  m.add_officer(make_officer(cat_, "z", "VSC", {{"i130", 3}}));
  EXPECT_THROW(m.add_officer(make_officer(cat_, "z", "VSC", {{"i130", 3}})), InvalidArgument);
  Case c = make_case(cat_, 1, "I-130", "VSC", now(), 30);
  c.form = 999;
  EXPECT_THROW(m.enqueue(c), InvalidArgument);
}

}  // namespace
}  // namespace docket::matching
