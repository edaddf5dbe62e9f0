#include "solvers/boost_graph.h"

#include "solvers/common.h"

namespace docket::flow::detail {
namespace {

BoostEdge add_pair(BoostGraph& g, BoostVertex u, BoostVertex v, Amount capacity, Cost cost) {
  const BoostEdge e = boost::add_edge(u, v, g).first;
  const BoostEdge r = boost::add_edge(v, u, g).first;
  boost::put(boost::edge_capacity, g, e, capacity);
  boost::put(boost::edge_capacity, g, r, 0);
  boost::put(boost::edge_weight, g, e, cost);
  boost::put(boost::edge_weight, g, r, -cost);
  boost::put(boost::edge_reverse, g, e, r);
  boost::put(boost::edge_reverse, g, r, e);
  return e;
}

}  // namespace

BoostNetwork::BoostNetwork(const FlowProblem& problem, Amount total_supply)
    : graph(problem.node_count() + 2),
      source(problem.node_count()),
      sink(problem.node_count() + 1) {
  const Amount stand_in = unlimited_stand_in(problem, total_supply);
  arc_edge.reserve(problem.arc_count());
  for (const Arc& a : problem.arcs()) {
    const Amount capacity = a.capacity == kUnlimited ? stand_in : a.capacity;
    arc_edge.push_back(add_pair(graph, a.from, a.to, capacity, a.cost));
  }
  for (std::size_t v = 0; v < problem.node_count(); ++v) {
    const Amount s = problem.supply(static_cast<NodeId>(v));
    if (s > 0) add_pair(graph, source, v, s, 0);
    if (s < 0) add_pair(graph, v, sink, -s, 0);
  }
}

std::vector<Amount> BoostNetwork::arc_flows() const {
  std::vector<Amount> flow;
  flow.reserve(arc_edge.size());
  for (const BoostEdge& e : arc_edge) {
    flow.push_back(boost::get(boost::edge_capacity, graph, e) -
                   boost::get(boost::edge_residual_capacity, graph, e));
  }
  return flow;
}

Amount BoostNetwork::routed() const {
  Amount total = 0;
  for (const BoostEdge& e : boost::make_iterator_range(boost::out_edges(source, graph))) {
    total += boost::get(boost::edge_capacity, graph, e) -
             boost::get(boost::edge_residual_capacity, graph, e);
  }
  return total;
}

}  // namespace docket::flow::detail
