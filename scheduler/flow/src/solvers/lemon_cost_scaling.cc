#include "solvers/lemon_cost_scaling.h"

#include <lemon/cost_scaling.h>

#include "solvers/common.h"
#include "solvers/lemon_graph.h"

namespace docket::flow::detail {

namespace {

FlowSolution run_cost_scaling(const FlowProblem& problem) {
  using Algorithm = lemon::CostScaling<lemon::StaticDigraph, Amount, Cost>;
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

}  // namespace

std::string_view LemonCostScaling::name() const { return "lemon-cost-scaling"; }

FlowSolution LemonCostScaling::solve(const FlowProblem& problem) {
  const Amount supply = validate(problem);
  if (problem.node_count() == 0) return zero_solution(problem);
  bool negative = false;
  for (const Arc& a : problem.arcs()) negative = negative || a.cost < 0;
  if (!negative) return run_cost_scaling(problem);
  // LEMON 1.3.1's price refinement reads past its rank buckets on some graphs with negative
  // costs (found by the exhaustive oracle test under AddressSanitizer). So each negative arc is
  // saturated up front and replaced by its reverse arc at the opposite, positive cost; the
  // algorithm then only sees costs >= 0, and flow on the reverse arc undoes the saturation.
  const Amount stand_in = unlimited_stand_in(problem, supply);
  FlowProblem shifted;
  shifted.reserve(problem.node_count(), problem.arc_count());
  for (Amount s : problem.supplies()) shifted.add_node(s);
  std::vector<Amount> saturated(problem.arc_count(), 0);
  for (std::size_t i = 0; i < problem.arc_count(); ++i) {
    const Arc& a = problem.arcs()[i];
    if (a.cost >= 0) {
      shifted.add_arc(a.from, a.to, a.capacity, a.cost);
      continue;
    }
    saturated[i] = a.capacity == kUnlimited ? stand_in : a.capacity;
    shifted.add_arc(a.to, a.from, saturated[i], -a.cost);
    shifted.add_supply(a.from, -saturated[i]);
    shifted.add_supply(a.to, saturated[i]);
  }
  FlowSolution solution = run_cost_scaling(shifted);
  if (solution.status != SolveStatus::kOptimal) return solution;
  // The stand-in capacities keep feasibility intact, so a negative cycle of unlimited arcs
  // now means the original problem is unbounded.
  if (has_negative_unlimited_cycle(problem)) return FlowSolution{SolveStatus::kUnbounded, 0, {}};
  for (std::size_t i = 0; i < problem.arc_count(); ++i) {
    if (problem.arcs()[i].cost < 0) solution.flow[i] = saturated[i] - solution.flow[i];
  }
  solution.total_cost = total_cost(problem, solution.flow);
  return solution;
}

std::unique_ptr<Solver> make_lemon_cost_scaling() { return std::make_unique<LemonCostScaling>(); }

}  // namespace docket::flow::detail
