#include "solvers/lemon_cost_scaling.h"

#include <lemon/cost_scaling.h>

#include "solvers/common.h"
#include "solvers/lemon_graph.h"

namespace docket::flow::detail {

std::string_view LemonCostScaling::name() const { return "lemon-cost-scaling"; }

FlowSolution LemonCostScaling::solve(const FlowProblem& problem) {
  using Algorithm = lemon::CostScaling<lemon::StaticDigraph, Amount, Cost>;
  validate(problem);
  if (problem.node_count() == 0) return zero_solution(problem);
  const LemonGraph g(problem);
  Algorithm scaling(g.graph);
  scaling.upperMap(arc_map<Amount>([&](int i) { return problem.arc(g.original_arc[i]).capacity; }))
      .costMap(arc_map<Cost>([&](int i) { return problem.arc(g.original_arc[i]).cost; }))
      .supplyMap(node_map<Amount>([&](int i) { return problem.supply(i); }));
  FlowSolution solution;
  switch (scaling.run()) {
    case Algorithm::INFEASIBLE:
      solution.status = SolveStatus::kInfeasible;
      return solution;
    case Algorithm::UNBOUNDED:
      solution.status = SolveStatus::kUnbounded;
      return solution;
    case Algorithm::OPTIMAL:
      break;
  }
  solution.flow.resize(problem.arc_count());
  for (std::size_t i = 0; i < g.original_arc.size(); ++i) {
    solution.flow[g.original_arc[i]] = scaling.flow(g.graph.arc(static_cast<int>(i)));
  }
  solution.total_cost = total_cost(problem, solution.flow);
  return solution;
}

std::unique_ptr<Solver> make_lemon_cost_scaling() { return std::make_unique<LemonCostScaling>(); }

}  // namespace docket::flow::detail
