#include "docket/matching/policy.h"

#include <gtest/gtest.h>

#include "docket/testing/fixtures.h"

namespace docket::matching {
namespace {

using testing::make_case;
using testing::make_officer;

TEST(PolicyTest, FactoryRefusesUnknownNames) {
  for (const auto& n : policy_names()) EXPECT_TRUE(make_policy(n).ok()) << n;
  auto bad = make_policy("coin-toss");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("greedy-edf"), std::string::npos);
}

TEST(PolicyTest, GreedyHonoursTheHardFilterAndCapacity) {
  Catalog cat = testing::small_catalog();
  ManualClock clock(testing::test_epoch());
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Matcher m(cat, Options{}, clock);
    auto inst = testing::random_instance(cat, seed, 2000, 150, clock.now());
    for (auto& o : inst.officers) m.add_officer(o);
    for (auto& c : inst.cases) m.enqueue(c);
    auto greedy = make_policy("greedy-edf").value();
    RoundPlan plan = greedy->plan(m);
    ASSERT_FALSE(plan.assignments.empty());
    for (const auto& a : plan.assignments) {
      const Case c = m.index().to_case(m.index().find(a.receipt).value());
      const FormPolicy& form = cat.form(c.form);
      const auto relax =
          m.relaxation(form, Matcher::slack_days(c.deadline.time_since_epoch().count(), plan.at));
      ASSERT_EQ(check(c, form, m.officer(a.officer), a.officer, relax), Ineligibility::kEligible);
    }
    EXPECT_EQ(m.apply(plan), plan.assignments.size());
    for (const auto& o : m.officers()) EXPECT_LE(o.load, o.capacity);
  }
}

// The flow sees the whole round: it never assigns fewer cases than greedy, and here greedy's
// choice of the only flexible officer for the earlier case strands the harder one.
TEST(PolicyTest, FlowAssignsAtLeastAsManyAsGreedy) {
  Catalog cat = testing::small_catalog();
  ManualClock clock(testing::test_epoch());
  Matcher m(cat, Options{}, clock);
  m.add_officer(make_officer(cat, "both", "VSC", {{"i130", 2}, {"i129", 3}}));
  m.add_officer(make_officer(cat, "i130-only", "VSC", {{"i130", 5}}));
  m.enqueue(make_case(cat, 1, "I-130", "VSC", clock.now(), 40));   // earlier deadline
  m.enqueue(make_case(cat, 2, "I-129", "VSC", clock.now(), 50));   // only "both" can take it
  auto greedy = make_policy("greedy-edf").value()->plan(m);
  auto flow = make_policy("min-cost-flow").value()->plan(m);
  EXPECT_EQ(greedy.assignments.size(), 1U);
  EXPECT_EQ(flow.assignments.size(), 2U);
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Matcher r(cat, Options{}, clock);
    auto inst = testing::random_instance(cat, seed, 1500, 100, clock.now());
    for (auto& o : inst.officers) r.add_officer(o);
    for (auto& c : inst.cases) {
      c.excluded.clear();
      r.enqueue(c);
    }
    EXPECT_GE(make_policy("min-cost-flow").value()->plan(r).assignments.size(),
              make_policy("greedy-edf").value()->plan(r).assignments.size());
  }
}

}  // namespace
}  // namespace docket::matching
