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
