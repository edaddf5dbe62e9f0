// GCC reports a false maybe-uninitialized inside Boost's filtered edge iterator once it is
// inlined here; diagnostic pragmas apply by source location, so this covers the Boost headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "solvers/boost_cycle_canceling.h"

#include <boost/graph/cycle_canceling.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>

#include "solvers/boost_graph.h"
#include "solvers/common.h"

namespace docket::flow::detail {

std::string_view BoostCycleCanceling::name() const { return "boost-cycle-canceling"; }

FlowSolution BoostCycleCanceling::solve(const FlowProblem& problem) {
  const Amount supply = validate(problem);
  if (problem.node_count() == 0) return zero_solution(problem);
  BoostNetwork net(problem, supply);
  boost::push_relabel_max_flow(net.graph, net.source, net.sink);
  FlowSolution solution;
  if (net.routed() != supply) {
    solution.status = SolveStatus::kInfeasible;
    return solution;
  }
  // Checked only once a feasible flow exists, as LEMON does; the stand-in capacities then keep
  // the cancelling finite.
  if (has_negative_unlimited_cycle(problem)) {
    solution.status = SolveStatus::kUnbounded;
    return solution;
  }
  const std::size_t n = boost::num_vertices(net.graph);
  std::vector<BoostEdge> pred(n);
  std::vector<Cost> distance(n);
  const auto index = boost::get(boost::vertex_index, net.graph);
  boost::cycle_canceling(net.graph, boost::get(boost::edge_weight, net.graph),
                         boost::get(boost::edge_reverse, net.graph),
                         boost::get(boost::edge_residual_capacity, net.graph),
                         boost::make_iterator_property_map(pred.begin(), index),
                         boost::make_iterator_property_map(distance.begin(), index));
  solution.flow = net.arc_flows();
  solution.total_cost = total_cost(problem, solution.flow);
  return solution;
}

std::unique_ptr<Solver> make_boost_cycle_canceling() {
  return std::make_unique<BoostCycleCanceling>();
}

}  // namespace docket::flow::detail
