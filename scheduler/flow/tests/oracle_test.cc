// Every solver against exhaustive search on tiny problems, where the optimum is not in doubt.

#include <gtest/gtest.h>

#include "flow_test_util.h"

namespace docket::flow {
namespace {

using testing::all_solvers;
using testing::check_flow;
using testing::exhaustive_min_cost;
using testing::has_negative_cost;
using testing::random_small;

// Returns the oracle's answer, so callers can check the seeds cover both outcomes.
std::optional<Cost> compare_with_oracle(const FlowProblem& problem, std::uint32_t seed) {
  const std::optional<Cost> best = exhaustive_min_cost(problem);
  for (const auto& solver : all_solvers()) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed << ", solver " << solver->name());
    if (solver->name() == "boost-ssp" && has_negative_cost(problem)) {
      EXPECT_THROW(solver->solve(problem), InvalidArgument);
      continue;
    }
    const FlowSolution s = solver->solve(problem);
    if (!best) {
      EXPECT_EQ(s.status, SolveStatus::kInfeasible);
      continue;
    }
    EXPECT_EQ(s.status, SolveStatus::kOptimal);
    EXPECT_EQ(check_flow(problem, s), "");
    EXPECT_EQ(s.total_cost, *best);
  }
  return best;
}

struct Outcomes {
  int infeasible = 0;
  int nonzero_optimum = 0;
  void add(const std::optional<Cost>& best) {
    if (!best) ++infeasible;
    if (best && *best != 0) ++nonzero_optimum;
  }
};

TEST(FlowOracleTest, NonNegativeCostsMatchExhaustiveSearch) {
  Outcomes outcomes;
  for (std::uint32_t seed = 0; seed < 300; ++seed) {
    outcomes.add(compare_with_oracle(random_small(seed, 5, 6, 3, 0, 9), seed));
  }
  EXPECT_GT(outcomes.infeasible, 30) << outcomes.nonzero_optimum;
  EXPECT_GT(outcomes.nonzero_optimum, 40) << outcomes.infeasible;
}

TEST(FlowOracleTest, NegativeCostsMatchExhaustiveSearch) {
  // Negative costs make cycles worth saturating even with no supply at all.
  Outcomes outcomes;
  for (std::uint32_t seed = 1000; seed < 1300; ++seed) {
    outcomes.add(compare_with_oracle(random_small(seed, 5, 6, 3, -6, 6), seed));
  }
  EXPECT_GT(outcomes.infeasible, 30) << outcomes.nonzero_optimum;
  EXPECT_GT(outcomes.nonzero_optimum, 40) << outcomes.infeasible;
}

TEST(FlowOracleTest, OracleFindsKnownOptimum) {
  // Guards the oracle itself: two parallel arcs, the cheap one fills first.
  FlowProblem p;
  const NodeId a = p.add_node(3);
  const NodeId b = p.add_node(-3);
  p.add_arc(a, b, 2, 5);
  p.add_arc(a, b, 2, 1);
  EXPECT_EQ(exhaustive_min_cost(p), std::optional<Cost>(2 * 1 + 1 * 5));
  p.set_supply(a, 5);
  p.set_supply(b, -5);
  EXPECT_EQ(exhaustive_min_cost(p), std::nullopt);
}

}  // namespace
}  // namespace docket::flow
