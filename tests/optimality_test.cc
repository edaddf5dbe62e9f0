// The matcher's rounds are optimal: checked by exhaustive search over every assignment of small
// instances, and against an independent solver (Boost.Graph) on medium ones.

#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "docket/matching/matcher.h"
#include "docket/testing/fixtures.h"

namespace docket::matching {
namespace {

constexpr Cost kInf = std::numeric_limits<Cost>::max() / 4;

// Cheapest path cost (without the load slot) for one case to one officer, or kInf.
Cost pair_cost(Matcher& m, const Case& c, std::uint32_t klass, OfficerId id, TimePoint now) {
  const FormPolicy& form = m.catalog().form(c.form);
  const ClassKey& key = m.index().classes()[klass].key;
  CaseNodeView v = m.bucket_view(key, m.bucket_of(c.deadline.time_since_epoch().count(), now));
  const Officer& o = m.officer(id);
  if (check(c, form, o, id, v.relax) != Ineligibility::kEligible) return kInf;
  const int required = required_level(c, form);
  const CenterId home = home_office(form, c.center, c.field_office);
  GroupView g{o.center != home, o.center != home ? c.center : home, form.skill,
              std::max(kMinSkillLevel, required - v.relax.levels), required};
  PoolView p{o.center, form.skill, o.level(form.skill)};
  Cost best = m.costs().to_group(v, g) + m.costs().to_pool(g, p);
  if (c.preferred_officer == id) best = std::min(best, m.costs().to_preferred(v));
  return best;
}

Cost brute_force(Matcher& m, const std::vector<Case>& cases, Cost base, TimePoint now) {
  const std::size_t n = cases.size();
  const std::size_t k = m.officers().size();
  std::vector<std::vector<Cost>> cost(n, std::vector<Cost>(k));
  std::vector<Cost> waiting(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto slot = m.index().find(cases[i].receipt).value();
    const auto klass = m.index().record(slot).klass;
    for (OfficerId j = 0; j < k; ++j) cost[i][j] = pair_cost(m, cases[i], klass, j, now);
    const ClassKey& key = m.index().classes()[klass].key;
    waiting[i] = base + m.costs().unassigned(
                            m.bucket_view(key, m.bucket_of(cases[i].deadline.time_since_epoch().count(), now)));
  }
  std::vector<int> load(k);
  for (OfficerId j = 0; j < k; ++j) load[j] = m.officer(j).load;
  Cost best = kInf;
  std::function<void(std::size_t, Cost)> go = [&](std::size_t i, Cost acc) {
    if (acc >= best) return;
    if (i == n) {
      best = acc;
      return;
    }
    go(i + 1, acc + waiting[i]);
    for (OfficerId j = 0; j < k; ++j) {
      const Officer& o = m.officer(j);
      if (cost[i][j] >= kInf || o.presence != Presence::kAvailable || load[j] >= o.capacity) {
        continue;
      }
      const Cost slot = m.costs().load_slot(load[j], o.capacity);
      ++load[j];
      go(i + 1, acc + cost[i][j] + slot);
      --load[j];
    }
  };
  go(0, 0);
  return best;
}

TEST(OptimalityTest, MatchesExhaustiveSearchOnSmallInstances) {
  Catalog cat = testing::small_catalog();
  ManualClock clock(testing::test_epoch());
  int nontrivial = 0;
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    Matcher m(cat, Options{}, clock);
    auto inst = testing::random_instance(cat, seed, 7, 4, clock.now());
    for (auto& o : inst.officers) {
      o.center = cat.find_center(seed % 2 ? "VSC" : "FO-HOU").value();
      if (seed % 3 == 0) o.center = cat.find_center("CSC").value();
      m.add_officer(o);
    }
    for (auto& c : inst.cases) {
      c.excluded.clear();
      c.center = cat.find_center(seed % 2 ? "VSC" : "FO-HOU").value();
      if (cat.form(c.form).interview) c.field_office = c.center;
      m.enqueue(c);
    }
    RoundPlan plan = m.plan_round();
    const Cost exhaustive = brute_force(m, inst.cases, plan.stats.unassigned_base, plan.at);
    ASSERT_EQ(plan.stats.total_cost, exhaustive) << "seed " << seed;
    nontrivial += plan.assignments.empty() ? 0 : 1;
  }
  // The instances must exercise real choices, not only empty rounds.
  EXPECT_GT(nontrivial, 75);
}

TEST(OptimalityTest, AgreesWithAnIndependentSolverOnMediumInstances) {
  Catalog cat = testing::small_catalog();
  ManualClock clock(testing::test_epoch());
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    Cost objective[2];
    std::size_t assigned[2];
    int i = 0;
    for (const char* solver : {"lemon-network-simplex", "boost-ssp"}) {
      Options opts;
      opts.solver = solver;
      Matcher m(cat, opts, clock);
      auto inst = testing::random_instance(cat, seed, 3000, 300, clock.now());
      for (auto& o : inst.officers) m.add_officer(o);
      for (auto& c : inst.cases) m.enqueue(c);
      RoundPlan plan = m.plan_round();
      objective[i] = plan.stats.total_cost;
      assigned[i] = plan.assignments.size();
      ++i;
    }
    EXPECT_EQ(objective[0], objective[1]) << "seed " << seed;
    EXPECT_EQ(assigned[0], assigned[1]) << "seed " << seed;
    EXPECT_GT(assigned[0], 100U);
  }
}

}  // namespace
}  // namespace docket::matching
