#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <vector>

#include "docket/flow/flow_problem.h"

namespace docket::flow::detail {

using BoostTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using BoostGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<
        boost::edge_capacity_t, Amount,
        boost::property<boost::edge_residual_capacity_t, Amount,
                        boost::property<boost::edge_reverse_t, BoostTraits::edge_descriptor,
                                        boost::property<boost::edge_weight_t, Cost>>>>>;
using BoostEdge = BoostTraits::edge_descriptor;
using BoostVertex = BoostTraits::vertex_descriptor;

/// A problem as a Boost.Graph residual network for an s-t algorithm: every arc gets a reverse
/// edge of capacity 0 and negated cost, a super source feeds each node with positive supply, and
/// each node with negative supply drains into a super sink. The s-t flow routes every supply iff
/// the problem is feasible. kUnlimited capacities become unlimited_stand_in().
struct BoostNetwork {
  BoostNetwork(const FlowProblem& problem, Amount total_supply);

  /// The flow on each problem arc, read from the residual capacities.
  std::vector<Amount> arc_flows() const;
  /// The flow that leaves the super source.
  Amount routed() const;

  BoostGraph graph;
  BoostVertex source;
  BoostVertex sink;
  std::vector<BoostEdge> arc_edge;  // The forward edge of each problem arc.
};

}  // namespace docket::flow::detail
