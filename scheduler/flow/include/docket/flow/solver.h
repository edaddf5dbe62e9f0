#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/result.h"
#include "docket/flow/flow_problem.h"

namespace docket::flow {

/// A min-cost flow solver. Implementations live one per file under src/solvers/ and are
/// created by name with make_solver().
class Solver {
 public:
  virtual ~Solver() = default;
  /// The name make_solver() knows this solver by.
  virtual std::string_view name() const = 0;
  /// Solves the problem. Throws InvalidArgument when the supplies do not balance, when an arc
  /// names a node that does not exist or has a negative capacity, or when the problem breaks a
  /// documented restriction of this solver (e.g. negative costs for "boost-ssp"). Total costs
  /// and supplies must fit in 64 bits. A solver object may keep state between calls (see
  /// "lemon-network-simplex"), so one object must not solve on two threads at once.
  virtual FlowSolution solve(const FlowProblem& problem) = 0;
};

/// Creates a solver by name; an unknown name returns an error listing the known ones. Known:
///  - "lemon-network-simplex" (default): LEMON's primal network simplex. Fastest on the
///    scheduler's graphs; reuses its graph across calls whose arc structure is unchanged.
///  - "lemon-cost-scaling": LEMON's cost scaling (push-relabel) algorithm.
///  - "boost-ssp": Boost.Graph successive shortest paths. Needs costs >= 0 and is slow when a
///    lot of flow is routed (one Dijkstra per augmenting path).
///  - "boost-cycle-canceling": Boost.Graph push-relabel max flow, then cycle canceling. Slow
///    (Bellman-Ford per cancelled cycle); a test oracle for small graphs only.
Result<std::unique_ptr<Solver>> make_solver(std::string_view name);
/// The names make_solver() accepts, the default first.
std::vector<std::string> solver_names();
inline constexpr std::string_view kDefaultSolver = "lemon-network-simplex";

}  // namespace docket::flow
