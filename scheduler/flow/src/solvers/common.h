#pragma once

#include <vector>

#include "docket/flow/flow_problem.h"

namespace docket::flow::detail {

/// Checks what every solver needs: arcs join existing nodes, capacities are >= 0, and supplies
/// sum to zero. Throws InvalidArgument naming the first violation. Returns the total positive
/// supply (the flow that must leave the sources).
Amount validate(const FlowProblem& problem);

/// Throws InvalidArgument naming the first arc with a negative cost; `solver` names the caller.
void require_nonnegative_costs(const FlowProblem& problem, const char* solver);

/// The cost of a flow given in the problem's arc order.
Cost total_cost(const FlowProblem& problem, const std::vector<Amount>& flow);

/// An optimal solution in which every arc's flow is 0: the answer to a problem without nodes,
/// which some of the wrapped libraries do not accept.
FlowSolution zero_solution(const FlowProblem& problem);

/// A finite capacity that can stand in for kUnlimited without changing a bounded optimum: when
/// no negative cycle of unlimited arcs exists, some optimal flow decomposes into supply paths and
/// cycles that each cross a finite arc, so no arc carries more than the total supply plus the
/// sum of finite capacities. Saturates at kUnlimited / 4 so residual arithmetic cannot overflow.
Amount unlimited_stand_in(const FlowProblem& problem, Amount total_supply);

/// True when arcs of capacity kUnlimited form a cycle of negative total cost, i.e. the problem
/// is unbounded if it is feasible. Bellman-Ford over those arcs only.
bool has_negative_unlimited_cycle(const FlowProblem& problem);

}  // namespace docket::flow::detail
