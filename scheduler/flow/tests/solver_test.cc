// Hand-built problems with known optima, run against every solver.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "docket/core/error.h"
#include "flow_test_util.h"

namespace docket::flow {
namespace {

using testing::check_flow;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class EverySolverTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { solver_ = make_solver(GetParam()).value(); }
  bool accepts_negative_costs() const { return GetParam() != "boost-ssp"; }
  std::unique_ptr<Solver> solver_;
};

INSTANTIATE_TEST_SUITE_P(Flow, EverySolverTest, ::testing::ValuesIn(solver_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

TEST_P(EverySolverTest, NameMatchesFactory) { EXPECT_EQ(solver_->name(), GetParam()); }

TEST_P(EverySolverTest, TransportationProblem) {
  // Two depots (5 and 4 units) and three sites needing 3 each. Depot 0 ships its 5 units where
  // it beats depot 1 by most: 3 to site 0 (saves 4 each), 2 to site 1 (costs 2 more each).
  FlowProblem p;
  const NodeId d0 = p.add_node(5);
  const NodeId d1 = p.add_node(4);
  const NodeId s0 = p.add_node(-3);
  const NodeId s1 = p.add_node(-3);
  const NodeId s2 = p.add_node(-3);
  p.add_arc(d0, s0, 9, 1);
  p.add_arc(d0, s1, 9, 4);
  p.add_arc(d0, s2, 9, 6);
  p.add_arc(d1, s0, 9, 5);
  p.add_arc(d1, s1, 9, 2);
  p.add_arc(d1, s2, 9, 3);
  const FlowSolution s = solver_->solve(p);
  ASSERT_EQ(s.status, SolveStatus::kOptimal);
  EXPECT_EQ(s.total_cost, 22);
  EXPECT_THAT(s.flow, ElementsAre(3, 2, 0, 0, 1, 3));
  EXPECT_EQ(check_flow(p, s), "");
}

TEST_P(EverySolverTest, AssignmentProblem) {
  // The unique optimal assignment is worker 0 -> job 1, 1 -> 0, 2 -> 2 at cost 1 + 2 + 2.
  const Cost cost[3][3] = {{4, 1, 3}, {2, 0, 5}, {3, 2, 2}};
  FlowProblem p;
  for (int i = 0; i < 3; ++i) p.add_node(1);
  for (int j = 0; j < 3; ++j) p.add_node(-1);
  for (NodeId i = 0; i < 3; ++i) {
    for (NodeId j = 0; j < 3; ++j) p.add_arc(i, 3 + j, 1, cost[i][j]);
  }
  const FlowSolution s = solver_->solve(p);
  ASSERT_EQ(s.status, SolveStatus::kOptimal);
  EXPECT_EQ(s.total_cost, 5);
  EXPECT_THAT(s.flow, ElementsAre(0, 1, 0, 1, 0, 0, 0, 0, 1));
}

TEST_P(EverySolverTest, PathThroughIntermediateNodes) {
  // 4 units from s to t. s-a-c-t costs 3 but a-c holds 2; s-b-c-t costs 4; s-a-t costs 11.
  FlowProblem p;
  const NodeId s = p.add_node(4);
  const NodeId a = p.add_node();
  const NodeId b = p.add_node();
  const NodeId c = p.add_node();
  const NodeId t = p.add_node(-4);
  p.add_arc(s, a, 3, 1);
  p.add_arc(s, b, 3, 2);
  p.add_arc(a, c, 2, 1);
  p.add_arc(b, c, 5, 1);
  p.add_arc(a, t, 1, 10);
  p.add_arc(c, t, 4, 1);
  const FlowSolution sol = solver_->solve(p);
  ASSERT_EQ(sol.status, SolveStatus::kOptimal);
  EXPECT_EQ(sol.total_cost, 2 * 3 + 2 * 4);
  EXPECT_THAT(sol.flow, ElementsAre(2, 2, 2, 2, 0, 4));
}

TEST_P(EverySolverTest, ParallelArcsFillCheapestFirst) {
  FlowProblem p;
  const NodeId a = p.add_node(5);
  const NodeId b = p.add_node(-5);
  p.add_arc(a, b, 2, 3);
  p.add_arc(a, b, 2, 1);
  p.add_arc(a, b, 10, 7);
  p.add_arc(a, b, 0, 0);  // Zero capacity: free, but carries nothing.
  const FlowSolution s = solver_->solve(p);
  ASSERT_EQ(s.status, SolveStatus::kOptimal);
  EXPECT_EQ(s.total_cost, 2 * 1 + 2 * 3 + 1 * 7);
  EXPECT_THAT(s.flow, ElementsAre(2, 2, 1, 0));
}

TEST_P(EverySolverTest, UnlimitedArc) {
  FlowProblem p;
  const NodeId a = p.add_node(7);
  const NodeId b = p.add_node(-7);
  p.add_arc(a, b, kUnlimited, 2);
  p.add_arc(a, b, 3, 5);
  const FlowSolution s = solver_->solve(p);
  ASSERT_EQ(s.status, SolveStatus::kOptimal);
  EXPECT_EQ(s.total_cost, 14);
  EXPECT_THAT(s.flow, ElementsAre(7, 0));
}

TEST_P(EverySolverTest, InsufficientCapacityIsInfeasible) {
  FlowProblem p;
  const NodeId a = p.add_node(5);
  const NodeId b = p.add_node();
  const NodeId c = p.add_node(-5);
  p.add_arc(a, b, 9, 1);
  p.add_arc(b, c, 3, 1);
  p.add_arc(b, c, 1, 4);
  const FlowSolution s = solver_->solve(p);
  EXPECT_EQ(s.status, SolveStatus::kInfeasible);
  EXPECT_TRUE(s.flow.empty());
}

TEST_P(EverySolverTest, SupplyOnIsolatedNodeIsInfeasible) {
  FlowProblem p;
  p.add_node(2);
  p.add_node(-2);
  EXPECT_EQ(solver_->solve(p).status, SolveStatus::kInfeasible);
}

TEST_P(EverySolverTest, UnbalancedSuppliesThrow) {
  FlowProblem p;
  const NodeId a = p.add_node(5);
  const NodeId b = p.add_node(-4);
  p.add_arc(a, b, 9, 1);
  try {
    solver_->solve(p);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("sum to 1"));
  }
}

TEST_P(EverySolverTest, BadArcsThrow) {
  FlowProblem p;
  const NodeId a = p.add_node();
  p.add_arc(a, 3, 1, 1);
  EXPECT_THROW(solver_->solve(p), InvalidArgument);
  FlowProblem q;
  q.add_node();
  q.add_node();
  q.add_arc(0, 1, -1, 1);
  EXPECT_THROW(solver_->solve(q), InvalidArgument);
}

TEST_P(EverySolverTest, EmptyProblem) {
  const FlowSolution s = solver_->solve(FlowProblem{});
  EXPECT_EQ(s.status, SolveStatus::kOptimal);
  EXPECT_EQ(s.total_cost, 0);
  EXPECT_TRUE(s.flow.empty());
}

TEST_P(EverySolverTest, NodesWithoutArcsAndNoSupply) {
  FlowProblem p;
  for (int i = 0; i < 4; ++i) p.add_node();
  const NodeId a = p.add_node(1);
  const NodeId b = p.add_node(-1);
  p.add_arc(a, b, 1, 3);
  const FlowSolution s = solver_->solve(p);
  ASSERT_EQ(s.status, SolveStatus::kOptimal);
  EXPECT_EQ(s.total_cost, 3);
  EXPECT_THAT(s.flow, ElementsAre(1));
}

TEST_P(EverySolverTest, NegativeCosts) {
  // A negative cycle of finite capacity is saturated even though no supply is present.
  FlowProblem p;
  const NodeId a = p.add_node();
  const NodeId b = p.add_node();
  p.add_arc(a, b, 2, -3);
  p.add_arc(b, a, 5, 1);
  if (!accepts_negative_costs()) {
    try {
      solver_->solve(p);
      FAIL() << "expected InvalidArgument";
    } catch (const InvalidArgument& e) {
      EXPECT_THAT(e.what(), HasSubstr("arc 0 costs -3"));
    }
    return;
  }
  const FlowSolution s = solver_->solve(p);
  ASSERT_EQ(s.status, SolveStatus::kOptimal);
  EXPECT_EQ(s.total_cost, -4);
  EXPECT_THAT(s.flow, ElementsAre(2, 2));
}

TEST_P(EverySolverTest, NegativeUnlimitedCycleIsUnbounded) {
  if (!accepts_negative_costs()) GTEST_SKIP() << "refuses negative costs";
  FlowProblem p;
  const NodeId a = p.add_node(1);
  const NodeId b = p.add_node(-1);
  p.add_arc(a, b, kUnlimited, -1);
  p.add_arc(b, a, kUnlimited, 0);
  EXPECT_EQ(solver_->solve(p).status, SolveStatus::kUnbounded);
}

TEST_P(EverySolverTest, SolvesRepeatedlyWithChangingStructure) {
  // The same object must give fresh answers whether or not the arc structure changed.
  FlowProblem p;
  const NodeId a = p.add_node(3);
  const NodeId b = p.add_node(-3);
  p.add_arc(a, b, 5, 4);
  p.add_arc(a, b, 5, 2);
  EXPECT_EQ(solver_->solve(p).total_cost, 6);
  p = FlowProblem();
  p.add_node(3);
  p.add_node(-3);
  p.add_arc(a, b, 5, 1);
  p.add_arc(a, b, 5, 2);
  EXPECT_EQ(solver_->solve(p).total_cost, 3);  // Same structure, new costs.
  p.set_supply(a, 4);
  p.set_supply(b, -4);
  EXPECT_EQ(solver_->solve(p).total_cost, 4);  // Same structure, new supplies.
  p.add_arc(a, b, 5, 0);
  EXPECT_EQ(solver_->solve(p).total_cost, 0);  // One more arc.
  const NodeId c = p.add_node(-1);
  p.set_supply(a, 5);
  p.add_arc(a, c, 1, 9);
  EXPECT_THAT(solver_->solve(p).flow, ElementsAre(0, 0, 4, 1));  // One more node.
  p.add_arc(a, c, 1, 10);
  EXPECT_EQ(solver_->solve(p).status, SolveStatus::kOptimal);
  FlowProblem reversed;  // Same counts, arc ends swapped.
  reversed.add_node(-5);
  reversed.add_node(4);
  reversed.add_node(1);
  for (const Arc& arc : p.arcs()) reversed.add_arc(arc.to, arc.from, arc.capacity, arc.cost);
  const FlowSolution r = solver_->solve(reversed);
  ASSERT_EQ(r.status, SolveStatus::kOptimal);
  EXPECT_EQ(check_flow(reversed, r), "");
  EXPECT_EQ(r.total_cost, 9);
}

TEST(MakeSolverTest, DefaultComesFirst) {
  ASSERT_FALSE(solver_names().empty());
  EXPECT_EQ(solver_names().front(), kDefaultSolver);
  EXPECT_THAT(solver_names(), ElementsAre("lemon-network-simplex", "lemon-cost-scaling",
                                          "boost-ssp", "boost-cycle-canceling"));
}

TEST(MakeSolverTest, UnknownNameListsKnownNames) {
  const auto result = make_solver("simplex-of-doom");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error(), HasSubstr("simplex-of-doom"));
  for (const std::string& name : solver_names()) EXPECT_THAT(result.error(), HasSubstr(name));
}

}  // namespace
}  // namespace docket::flow
