// The invariants of design.md, checked on randomized instances with fixed seeds: rounds with
// officers finishing work and cases returning in between.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "docket/matching/matcher.h"
#include "docket/testing/fixtures.h"

namespace docket::matching {
namespace {

using std::chrono::hours;

class InvariantsTest : public ::testing::TestWithParam<std::uint64_t> {};

// Σ path costs of the offers + Σ (base + urgency) of the cases left queued must equal the
// solver's objective: the offers realize the optimal flow exactly.
Cost realized_objective(Matcher& m, const RoundPlan& plan) {
  Cost total = 0;
  for (const auto& a : plan.assignments) total += a.cost;
  std::set<std::uint64_t> offered;
  for (const auto& a : plan.assignments) offered.insert(a.receipt.packed());
  m.index().prepare();
  for (const auto& cls : m.index().classes()) {
    for (std::size_t i = cls.head; i < cls.queue.size(); ++i) {
      const auto& rec = m.index().record(cls.queue[i].slot);
      if (offered.count(rec.receipt)) continue;
      CaseNodeView v = m.bucket_view(cls.key, m.bucket_of(rec.deadline, plan.at));
      total += plan.stats.unassigned_base + m.costs().unassigned(v);
    }
  }
  return total;
}

TEST_P(InvariantsTest, HoldOverSeveralRounds) {
  const std::uint64_t seed = GetParam();
  Catalog cat = testing::small_catalog();
  ManualClock clock(testing::test_epoch());
  Matcher m(cat, Options{}, clock);
  auto inst = testing::random_instance(cat, seed, 1500, 120, clock.now());
  for (auto& c : inst.cases) c.excluded.clear();  // Exclusions are checked separately below.
  for (auto& o : inst.officers) m.add_officer(o);
  for (auto& c : inst.cases) m.enqueue(c);
  std::mt19937_64 rng(seed);
  std::map<std::uint64_t, OfficerId> holder;  // receipt -> officer, for offered cases

  for (int round = 0; round < 6; ++round) {
    // What each class looked like before the round, to check EDF order (invariant 4).
    m.index().prepare();
    std::map<std::uint32_t, std::vector<std::uint64_t>> class_order;
    for (std::uint32_t k = 0; k < m.index().classes().size(); ++k) {
      const auto& cls = m.index().classes()[k];
      for (std::size_t i = cls.head; i < cls.queue.size(); ++i) {
        class_order[k].push_back(m.index().record(cls.queue[i].slot).receipt);
      }
    }
    RoundPlan plan = m.plan_round();
    EXPECT_EQ(realized_objective(m, plan), plan.stats.total_cost) << "round " << round;

    std::set<std::uint64_t> seen;
    std::map<std::uint32_t, std::size_t> taken_per_class;
    for (const auto& a : plan.assignments) {
      // Invariant 1: a case is offered at most once, and only if it was queued.
      ASSERT_TRUE(seen.insert(a.receipt.packed()).second);
      const auto slot = m.index().find(a.receipt).value();
      ASSERT_EQ(m.index().record(slot).state, CaseState::kQueued);
      // Invariant 2: never an ineligible officer.
      const Case c = m.index().to_case(slot);
      const FormPolicy& form = cat.form(c.form);
      const auto relax = m.relaxation(form, Matcher::slack_days(c.deadline.time_since_epoch().count(), plan.at));
      ASSERT_EQ(check(c, form, m.officer(a.officer), a.officer, relax), Ineligibility::kEligible)
          << a.receipt.str() << " -> " << m.officer(a.officer).id;
      ++taken_per_class[m.index().record(slot).klass];
    }
    // Invariant 4: within a class, the offered cases are the earliest-deadline prefix.
    for (const auto& [k, n] : taken_per_class) {
      const auto& order = class_order[k];
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_TRUE(seen.count(order[i])) << "class " << k << " skipped its case #" << i;
      }
    }
    ASSERT_EQ(m.apply(plan), plan.assignments.size());
    for (const auto& a : plan.assignments) holder[a.receipt.packed()] = a.officer;
    // Invariant 2: no officer above capacity.
    for (const auto& o : m.officers()) ASSERT_LE(o.load, o.capacity) << o.id;

    // Between rounds: some offers are declined (back to the queue), some decided.
    for (auto it = holder.begin(); it != holder.end();) {
      const int fate = static_cast<int>(rng() % 4);
      if (fate == 0) {
        const auto slot = m.index().find(ReceiptNumber::from_packed(it->first)).value();
        Case c = m.index().to_case(slot);
        m.release(it->second);
        m.enqueue(c);
        it = holder.erase(it);
      } else if (fate == 1) {
        m.release(it->second);
        EXPECT_TRUE(m.forget(ReceiptNumber::from_packed(it->first)));
        it = holder.erase(it);
      } else {
        ++it;
      }
    }
    clock.advance(hours(30));
  }
  // Invariant 1 at the end: every tracked case is queued or offered, an offered one by one
  // officer, and officers' loads agree with the offers they hold.
  std::map<OfficerId, int> held;
  for (const auto& [receipt, officer] : holder) ++held[officer];
  for (OfficerId id = 0; id < m.officers().size(); ++id) {
    EXPECT_EQ(m.officer(id).load, inst.officers[id].load + held[id]) << m.officer(id).id;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, InvariantsTest, ::testing::Values(1, 2, 3, 5, 8, 13, 21, 34));

TEST(InvariantsExclusionTest, ExcludedOfficersNeverGetTheCase) {
  Catalog cat = testing::small_catalog();
  ManualClock clock(testing::test_epoch());
  for (std::uint64_t seed = 100; seed < 110; ++seed) {
    Matcher m(cat, Options{}, clock);
    auto inst = testing::random_instance(cat, seed, 800, 60, clock.now());
    for (auto& o : inst.officers) m.add_officer(o);
    std::map<std::uint64_t, std::vector<OfficerId>> excluded;
    for (auto& c : inst.cases) {
      excluded[c.receipt.packed()] = c.excluded;
      m.enqueue(c);
    }
    for (const auto& a : m.run_round().assignments) {
      const auto& ex = excluded[a.receipt.packed()];
      EXPECT_EQ(std::count(ex.begin(), ex.end(), a.officer), 0) << a.receipt.str();
    }
  }
}

}  // namespace
}  // namespace docket::matching
