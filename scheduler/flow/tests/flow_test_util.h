#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "docket/flow/flow_problem.h"
#include "docket/flow/solver.h"

namespace docket::flow::testing {

/// Returns "" when `solution` is optimal-shaped for `problem` (one flow per arc, within
/// 0..capacity, conserving every node's supply, costing total_cost); otherwise what is wrong.
std::string check_flow(const FlowProblem& problem, const FlowSolution& solution);

/// Every solver make_solver() knows, created afresh.
std::vector<std::unique_ptr<Solver>> all_solvers();

/// True when `problem` has an arc of negative cost, which "boost-ssp" refuses.
bool has_negative_cost(const FlowProblem& problem);

/// A random small problem: 2 to `max_nodes` nodes and `max_arcs` / 2 to `max_arcs` arcs
/// (parallel arcs, arcs of capacity 0 and isolated nodes included), balanced supplies, maybe
/// infeasible. Costs go down to `min_cost`.
FlowProblem random_small(std::uint32_t seed, int max_nodes, int max_arcs, Amount max_capacity,
                         Cost min_cost, Cost max_cost);

/// A scheduler-shaped problem, always feasible: case classes -> requirement groups -> officer
/// classes -> sink through convex load-level arcs, plus an "unassigned" arc from each class
/// straight to the sink priced by urgency.
FlowProblem random_assignment(std::uint32_t seed, int classes, int groups, int officers);

/// The optimal cost of a tiny problem found by trying every integer flow, or nullopt when no flow
/// conserves the supplies. Every capacity must be small and finite.
std::optional<Cost> exhaustive_min_cost(const FlowProblem& problem);

}  // namespace docket::flow::testing
