// plan_short_queue: the greedy placement of a short queue keeps the invariants of design.md
// that a full round keeps (eligibility, exclusions, capacity, deadline order within a class).

#include "docket/dispatch/fast_path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "docket/matching/eligibility.h"
#include "docket/testing/fixtures.h"

namespace docket::dispatch {
namespace {

using matching::Matcher;

/// A matcher over the small catalog with a random roster; the instance's cases are not queued.
struct World {
  World(std::uint64_t seed, int cases, int officers)
      : cat(testing::small_catalog()),
        clock(testing::test_epoch()),
        m(cat, matching::Options{}, clock),
        inst(testing::random_instance(cat, seed, cases, officers, clock.now())) {
    for (auto& o : inst.officers) m.add_officer(o);
  }
  Catalog cat;
  ManualClock clock;
  Matcher m;
  testing::RandomInstance inst;
};

class ShortQueueTest : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(ShortQueueTest, KeepsEligibilityCapacityAndDeadlineOrder) {
  const std::uint64_t seed = GetParam();
  World w(seed, 200, 40);
  auto& [cat, clock, m, inst] = w;
  for (auto& c : inst.cases) m.enqueue(c);

  for (int round = 0; round < 4; ++round) {
    m.index().prepare();
    std::map<std::uint32_t, std::vector<std::uint64_t>> class_order;
    for (std::uint32_t k = 0; k < m.index().classes().size(); ++k) {
      const auto& cls = m.index().classes()[k];
      for (std::size_t i = cls.head; i < cls.queue.size(); ++i)
        class_order[k].push_back(m.index().record(cls.queue[i].slot).receipt);
    }
    std::map<OfficerId, int> free;
    for (OfficerId id = 0; id < m.officers().size(); ++id) free[id] = m.officer(id).free_slots();

    const auto plan = plan_short_queue(m, 256);
    std::set<std::uint64_t> seen;
    std::map<std::uint32_t, std::size_t> taken_per_class;
    for (const auto& a : plan.assignments) {
      ASSERT_TRUE(seen.insert(a.receipt.packed()).second);  // Offered once.
      const auto slot = m.index().find(a.receipt).value();
      ASSERT_EQ(m.index().record(slot).state, CaseState::kQueued);
      const Case c = m.index().to_case(slot);
      const FormPolicy& form = cat.form(c.form);
      const auto relax =
          m.relaxation(form, Matcher::slack_days(c.deadline.time_since_epoch().count(), plan.at));
      // Eligible, never an excluded officer, never beyond capacity.
      ASSERT_EQ(matching::check(c, form, m.officer(a.officer), a.officer, relax),
                matching::Ineligibility::kEligible);
      ASSERT_GE(--free[a.officer], 0) << m.officer(a.officer).id;
      ++taken_per_class[m.index().record(slot).klass];
    }
    // Within a class, the offered cases are the earliest-deadline prefix (invariant 4).
    for (const auto& [k, n] : taken_per_class) {
      for (std::size_t i = 0; i < n; ++i)
        EXPECT_TRUE(seen.count(class_order[k][i])) << "class " << k << " skipped case #" << i;
    }
    ASSERT_EQ(m.apply(plan), plan.assignments.size());
    for (const auto& o : m.officers()) ASSERT_LE(o.load, o.capacity) << o.id;
    // Some offers end: their officers get room for the next round.
    int n = 0;
    for (const auto& a : plan.assignments) {
      if (n++ % 2 == 0) continue;
      m.release(a.officer);
      m.forget(a.receipt);
    }
  }
}

// A planner kept between rounds plans exactly what a fresh one plans, while officers come and
// go, fill up, and have their skills changed (which must drop what it kept).
TEST_P(ShortQueueTest, AKeptPlannerPlansWhatAFreshOnePlans) {
  const std::uint64_t seed = GetParam();
  World w(seed, 120, 30);
  auto& [cat, clock, m, inst] = w;
  std::mt19937_64 rng(seed);
  ShortQueuePlanner kept;
  std::size_t offered = 0;
  std::size_t next_case = 0;
  for (int round = 0; round < 12; ++round) {
    // New cases arrive, a few at a time.
    for (int k = 0; k < 15 && next_case < inst.cases.size(); ++k)
      m.enqueue(inst.cases[next_case++]);
    // Presence and skills move.
    const auto id = static_cast<OfficerId>(rng() % m.officers().size());
    m.set_presence(id, round % 3 == 0 ? Presence::kAway : Presence::kAvailable);
    if (round % 4 == 1) {
      const auto other = static_cast<OfficerId>(rng() % m.officers().size());
      auto skills = m.officer(other).skills;
      if (!skills.empty()) skills.pop_back();
      skills.push_back({cat.form(static_cast<FormId>(rng() % cat.forms().size())).skill, 5});
      std::sort(skills.begin(), skills.end(),
                [](const auto& a, const auto& b) { return a.skill < b.skill; });
      skills.erase(std::unique(skills.begin(), skills.end(),
                               [](const auto& a, const auto& b) { return a.skill == b.skill; }),
                   skills.end());
      m.set_skills(other, skills);
    }
    const auto fresh = plan_short_queue(m, 256);
    const auto plan = kept.plan(m, 256);
    ASSERT_EQ(plan.assignments.size(), fresh.assignments.size()) << "round " << round;
    for (std::size_t i = 0; i < plan.assignments.size(); ++i) {
      ASSERT_EQ(plan.assignments[i].receipt, fresh.assignments[i].receipt) << "round " << round;
      ASSERT_EQ(plan.assignments[i].officer, fresh.assignments[i].officer) << "round " << round;
    }
    offered += plan.assignments.size();
    m.apply(plan);
    // Half the offers end, so that officers have room again.
    int n = 0;
    for (const auto& a : plan.assignments) {
      if (n++ % 2 == 0) continue;
      m.release(a.officer);
      m.forget(a.receipt);
    }
  }
  EXPECT_GT(offered, 0U);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ShortQueueTest, ::testing::Values(1, 2, 3, 4, 5));

TEST(ShortQueue, LeavesALongQueueToTheFullRound) {
  World w(7, 50, 10);
  auto& [cat, clock, m, inst] = w;
  for (auto& c : inst.cases) m.enqueue(c);
  EXPECT_TRUE(plan_short_queue(m, 49).assignments.empty());
  EXPECT_TRUE(plan_short_queue(m, 0).assignments.empty());
  EXPECT_FALSE(plan_short_queue(m, 50).assignments.empty());
}

TEST(ShortQueue, APreferredOfficerWithRoomGetsTheCase) {
  World w(11, 1, 60);
  auto& [cat, clock, m, inst] = w;
  Case c = inst.cases.front();
  c.excluded.clear();
  const FormPolicy& form = cat.form(c.form);
  const auto relax =
      m.relaxation(form, Matcher::slack_days(c.deadline.time_since_epoch().count(), clock.now()));
  std::vector<OfficerId> eligible;
  for (OfficerId id = 0; id < m.officers().size(); ++id) {
    if (m.officer(id).free_slots() > 0 &&
        matching::check(c, form, m.officer(id), id, relax) == matching::Ineligibility::kEligible)
      eligible.push_back(id);
  }
  if (eligible.size() < 2) GTEST_SKIP() << "the instance has fewer than two eligible officers";
  c.preferred_officer = eligible.back();
  m.enqueue(c);
  const auto plan = plan_short_queue(m, 10);
  ASSERT_EQ(plan.assignments.size(), 1U);
  EXPECT_EQ(plan.assignments[0].officer, eligible.back());
  EXPECT_TRUE(plan.assignments[0].preferred);
}

}  // namespace
}  // namespace docket::dispatch
