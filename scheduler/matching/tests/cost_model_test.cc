#include "docket/matching/cost_model.h"

#include <gtest/gtest.h>

#include "docket/core/error.h"

namespace docket::matching {
namespace {

TEST(CostModelTest, FactoryKnowsEveryModelAndRefusesUnknownNames) {
  for (const auto& name : cost_model_names()) {
    auto m = make_cost_model(name);
    ASSERT_TRUE(m.ok()) << name;
    EXPECT_EQ(m.value()->name(), name);
  }
  auto bad = make_cost_model("astrology");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("deadline-slack"), std::string::npos);
}

// The compact graph's rules (cost_model.h): only unassigned() prices urgency, and a pool of
// another center costs the same whatever the group's home.
TEST(CostModelTest, EveryModelPricesPathsApartFromUrgencyAndHome) {
  for (const auto& name : cost_model_names()) {
    auto m = make_cost_model(name).value();
    for (bool preferred : {false, true}) {
      CaseNodeView calm;
      calm.slack_days = 200;
      calm.has_preferred = preferred;
      CaseNodeView late = calm;
      late.slack_days = 0;
      late.overdue = true;
      late.relax = {2, true};
      for (bool national : {false, true}) {
        const GroupView g{national, 1, 4, 3, 3};
        GroupView relaxed = g;
        relaxed.min_level = 1;
        EXPECT_EQ(m->to_group(late, relaxed), m->to_group(calm, g)) << name;
        for (int level = 1; level <= 5; ++level) {
          for (CenterId c : {CenterId{1}, CenterId{2}}) {
            const PoolView pool{c, 4, level};
            EXPECT_EQ(m->to_pool(relaxed, pool), m->to_pool(g, pool)) << name;
          }
        }
      }
      GroupView home_a{true, 1, 4, 2, 3};
      GroupView home_b{true, 2, 4, 2, 3};
      EXPECT_EQ(m->to_pool(home_a, PoolView{3, 4, 3}), m->to_pool(home_b, PoolView{3, 4, 3})) << name;
    }
  }
}

TEST(CostModelTest, UrgencyGrowsAsSlackShrinksAndWithPriority) {
  auto m = make_cost_model("deadline-slack").value();
  CaseNodeView v;
  Cost previous = -1;
  for (int slack : {365, 90, 30, 7, 1, 0}) {
    v.slack_days = slack;
    EXPECT_GT(m->unassigned(v), previous) << slack;
    previous = m->unassigned(v);
  }
  v.slack_days = 10;
  const Cost normal = m->unassigned(v);
  v.priority = Priority::kLitigation;
  EXPECT_GT(m->unassigned(v), normal);
}

// Triage: cases that can still be on time and are due within the window, least slack first;
// then every late case alike; then on-time cases with more slack than the window.
TEST(CostModelTest, TriageRanksOnTimeCasesAboveLateOnesAndLateOnesAboveFarDeadlines) {
  auto m = make_cost_model("triage").value();
  FormPolicy form;
  form.effort_hours = 2.0;
  CaseNodeView v;
  v.form = &form;
  auto cost = [&](int slack, bool overdue, Priority p = Priority::kNormal) {
    v.slack_days = slack;
    v.overdue = overdue;
    v.priority = p;
    return m->unassigned(v);
  };
  const Cost late = cost(0, true);
  // Within the window: above every late case, and rising as slack shrinks.
  Cost previous = late;
  for (int slack : {29, 14, 7, 1, 0}) {
    EXPECT_GT(cost(slack, false), previous) << slack;
    previous = cost(slack, false);
  }
  // Beyond the window: below every late case, still ordered by slack.
  EXPECT_LT(cost(30, false), late);
  EXPECT_LT(cost(365, false), cost(30, false));
  EXPECT_LT(cost(30, false, Priority::kLitigation), late);
  // Late cases are one tier whatever their priority, above the far deadlines and below the
  // window; priority orders them within it.
  EXPECT_GT(cost(0, true, Priority::kLitigation), late);
  EXPECT_LT(cost(0, true, Priority::kLitigation), cost(29, false));
  // A due-today case whose effort exceeds a day's hours cannot be on time.
  FormPolicy long_form;
  long_form.effort_hours = 7.0;
  v.form = &long_form;
  EXPECT_EQ(cost(0, false), late);
  EXPECT_GT(cost(1, false), late);
  EXPECT_TRUE(m->serves_buckets_apart());
  EXPECT_FALSE(make_cost_model("deadline-slack").value()->serves_buckets_apart());
}

TEST(CostModelTest, CompositeServesBucketsApartOnlyWithTriageWeighted) {
  EXPECT_FALSE(CompositeCostModel({{"deadline-slack", 1.0}, {"skill-fit", 1.0}}).serves_buckets_apart());
  EXPECT_TRUE(CompositeCostModel({{"triage", 1.0}, {"skill-fit", 1.0}}).serves_buckets_apart());
  EXPECT_FALSE(CompositeCostModel({{"triage", 0.0}}).serves_buckets_apart());
}

TEST(CostModelTest, SkillFitPrefersTheClosestSufficientLevel) {
  auto m = make_cost_model("skill-fit").value();
  GroupView g;
  g.required_level = 3;
  g.min_level = 2;
  PoolView exact{0, 0, 3}, above{0, 0, 5}, below{0, 0, 2};
  EXPECT_EQ(m->to_pool(g, exact), 0);
  EXPECT_LT(m->to_pool(g, exact), m->to_pool(g, above));
  EXPECT_LT(m->to_pool(g, above), m->to_pool(g, below));
}

TEST(CostModelTest, TransferCostsOnlyAcrossCenters) {
  auto m = make_cost_model("transfer").value();
  GroupView local{false, 1, 0, 1, 1};
  GroupView national{true, 1, 0, 1, 1};
  EXPECT_EQ(m->to_pool(local, PoolView{1, 0, 3}), 0);
  EXPECT_EQ(m->to_pool(national, PoolView{1, 0, 3}), 0);
  EXPECT_GT(m->to_pool(national, PoolView{2, 0, 3}), 0);
}

TEST(CostModelTest, LoadSlotsAreConvex) {
  auto m = make_cost_model("load-balance").value();
  for (int cap : {1, 2, 5, 10}) {
    Cost last_step = -1;
    for (int k = 0; k + 1 < cap; ++k) {
      const Cost step = m->load_slot(k + 1, cap) - m->load_slot(k, cap);
      EXPECT_GE(step, last_step) << cap << " " << k;
      EXPECT_GT(m->load_slot(k + 1, cap), m->load_slot(k, cap));
      last_step = step;
    }
  }
}

TEST(CostModelTest, AffinityPenalizesEveryOtherOfficer) {
  auto m = make_cost_model("affinity").value();
  CaseNodeView v;
  EXPECT_EQ(m->to_group(v, GroupView{}), 0);
  v.has_preferred = true;
  EXPECT_GT(m->to_group(v, GroupView{}), 0);
  EXPECT_EQ(m->to_preferred(v), 0);
}

TEST(CostModelTest, CompositeWeightsAndSumsTerms) {
  CompositeCostModel one({{"deadline-slack", 1.0}});
  CompositeCostModel two({{"deadline-slack", 2.0}, {"skill-fit", 1.0}});
  CaseNodeView v;
  v.slack_days = 4;
  EXPECT_EQ(two.unassigned(v), 2 * one.unassigned(v));
  auto terms = two.unassigned_terms(v);
  ASSERT_EQ(terms.size(), 2U);
  EXPECT_EQ(terms[0].model, "deadline-slack");
  EXPECT_EQ(terms[0].cost + terms[1].cost, two.unassigned(v));
  EXPECT_THROW(CompositeCostModel({{"skill-fit", -1.0}}), InvalidArgument);
  EXPECT_THROW(CompositeCostModel({{"skill-fit", 1.0}, {"skill-fit", 1.0}}), InvalidArgument);
  EXPECT_THROW(CompositeCostModel({{"nope", 1.0}}), InvalidArgument);
}

}  // namespace
}  // namespace docket::matching
