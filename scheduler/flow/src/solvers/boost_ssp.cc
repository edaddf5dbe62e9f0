#include "solvers/boost_ssp.h"

#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>

#include "solvers/boost_graph.h"
#include "solvers/common.h"

namespace docket::flow::detail {

std::string_view BoostSsp::name() const { return "boost-ssp"; }

FlowSolution BoostSsp::solve(const FlowProblem& problem) {
  const Amount supply = validate(problem);
  require_nonnegative_costs(problem, "boost-ssp");
  if (problem.node_count() == 0) return zero_solution(problem);
  BoostNetwork net(problem, supply);
  const std::size_t n = boost::num_vertices(net.graph);
  std::vector<BoostEdge> pred(n);
  std::vector<Cost> distance(n);
  // Boost adds each round's distances to the potentials, and an unreachable vertex's distance
  // is the integer maximum: in 64-bit integers that sum overflows. Doubles saturate instead,
  // and unreachable vertices stay unreachable, so their potentials are never read.
  std::vector<double> potential(n);
  const auto index = boost::get(boost::vertex_index, net.graph);
  boost::successive_shortest_path_nonnegative_weights(
      net.graph, net.source, net.sink, boost::get(boost::edge_capacity, net.graph),
      boost::get(boost::edge_residual_capacity, net.graph),
      boost::get(boost::edge_weight, net.graph), boost::get(boost::edge_reverse, net.graph), index,
      boost::make_iterator_property_map(pred.begin(), index),
      boost::make_iterator_property_map(distance.begin(), index),
      boost::make_iterator_property_map(potential.begin(), index));
  FlowSolution solution;
  if (net.routed() != supply) {
    solution.status = SolveStatus::kInfeasible;
    return solution;
  }
  solution.flow = net.arc_flows();
  solution.total_cost = total_cost(problem, solution.flow);
  return solution;
}

std::unique_ptr<Solver> make_boost_ssp() { return std::make_unique<BoostSsp>(); }

}  // namespace docket::flow::detail
