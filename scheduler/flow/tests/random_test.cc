// Randomized problems with fixed seeds: every solver must return a feasible flow with the
// reported cost, and all of them must agree on the optimal cost.

#include <gtest/gtest.h>

#include <optional>
#include <random>

#include "docket/core/error.h"
#include "flow_test_util.h"

namespace docket::flow {
namespace {

using testing::all_solvers;
using testing::check_flow;
using testing::has_negative_cost;
using testing::random_assignment;
using testing::random_small;

// Solves with every solver and checks that they agree. `skip` names a solver left out.
void all_agree(const FlowProblem& problem, const std::string& trace, std::string_view skip = "") {
  std::optional<FlowSolution> first;
  std::string first_name;
  for (const auto& solver : all_solvers()) {
    if (solver->name() == skip) continue;
    SCOPED_TRACE(trace + ", solver " + std::string(solver->name()));
    if (solver->name() == "boost-ssp" && has_negative_cost(problem)) {
      EXPECT_THROW(solver->solve(problem), InvalidArgument);
      continue;
    }
    const FlowSolution s = solver->solve(problem);
    if (s.status == SolveStatus::kOptimal) {
      EXPECT_EQ(check_flow(problem, s), "");
    }
    if (!first) {
      first = s;
      first_name = solver->name();
      continue;
    }
    EXPECT_EQ(s.status, first->status) << "disagrees with " << first_name;
    EXPECT_EQ(s.total_cost, first->total_cost) << "disagrees with " << first_name;
  }
}

TEST(FlowRandomTest, SmallGraphsNonNegativeCosts) {
  for (std::uint32_t seed = 0; seed < 200; ++seed) {
    all_agree(random_small(seed, 12, 40, 10, 0, 20), "seed " + std::to_string(seed));
  }
}

TEST(FlowRandomTest, SmallGraphsNegativeCosts) {
  for (std::uint32_t seed = 500; seed < 700; ++seed) {
    all_agree(random_small(seed, 12, 40, 10, -10, 20), "seed " + std::to_string(seed));
  }
}

TEST(FlowRandomTest, SmallGraphsSomeFeasibleSomeNot) {
  // The generator is only useful if both outcomes occur.
  int feasible = 0;
  int infeasible = 0;
  auto solver = make_solver(kDefaultSolver).value();
  for (std::uint32_t seed = 0; seed < 200; ++seed) {
    const auto status = solver->solve(random_small(seed, 12, 40, 10, 0, 20)).status;
    (status == SolveStatus::kOptimal ? feasible : infeasible)++;
  }
  EXPECT_GT(feasible, 20);
  EXPECT_GT(infeasible, 20);
}

TEST(FlowRandomTest, MediumAssignmentGraphsAlwaysFeasible) {
  for (std::uint32_t seed = 0; seed < 6; ++seed) {
    const FlowProblem p = random_assignment(seed, 150 + 30 * seed, 20, 60);
    all_agree(p, "seed " + std::to_string(seed));
    EXPECT_EQ(make_solver(kDefaultSolver).value()->solve(p).status, SolveStatus::kOptimal);
  }
}

TEST(FlowRandomTest, LargerAssignmentGraphsWithoutCycleCanceling) {
  // Cycle canceling needs a Bellman-Ford pass per cycle, too slow for a unit test here.
  for (std::uint32_t seed = 100; seed < 104; ++seed) {
    all_agree(random_assignment(seed, 800, 60, 200), "seed " + std::to_string(seed),
              "boost-cycle-canceling");
  }
}

TEST(FlowRandomTest, ReusedNetworkSimplexMatchesFreshSolvers) {
  // Rounds on one graph structure with new supplies, capacities and costs exercise the reuse
  // of the LEMON graph; every few rounds the structure changes.
  auto reused = make_solver(kDefaultSolver).value();
  auto scaling = make_solver("lemon-cost-scaling").value();
  std::mt19937 rng(7);
  FlowProblem p = random_assignment(7, 300, 30, 80);
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    if (round % 10 == 9) p = random_assignment(round, 300 + round, 30, 80);
    FlowProblem next;
    for (std::size_t v = 0; v < p.node_count(); ++v) next.add_node();
    for (const Arc& a : p.arcs()) {
      const Cost cost = a.cost + static_cast<Cost>(rng() % 3);
      const Amount cap = a.capacity == kUnlimited ? a.capacity : a.capacity + (rng() % 2);
      next.add_arc(a.from, a.to, cap, cost);
    }
    for (std::size_t v = 0; v < p.node_count(); ++v) {
      next.set_supply(static_cast<NodeId>(v), p.supply(static_cast<NodeId>(v)));
    }
    // Node 0 is a case class and the last node the sink; one unit moves between them.
    const Amount delta = round % 2 == 0 ? 1 : -1;
    next.add_supply(0, delta);
    next.add_supply(static_cast<NodeId>(next.node_count() - 1), -delta);
    p = next;
    const FlowSolution a = reused->solve(p);
    const FlowSolution b = make_solver(kDefaultSolver).value()->solve(p);
    const FlowSolution c = scaling->solve(p);
    ASSERT_EQ(a.status, SolveStatus::kOptimal);
    EXPECT_EQ(check_flow(p, a), "");
    EXPECT_EQ(a.total_cost, b.total_cost);
    EXPECT_EQ(a.total_cost, c.total_cost);
  }
}

}  // namespace
}  // namespace docket::flow
