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
  /// Solves the problem. Throws InvalidArgument when the supplies do not balance, or when the
  /// problem breaks a documented restriction of this solver (e.g. negative costs).
  virtual FlowSolution solve(const FlowProblem& problem) = 0;
};

/// Creates a solver by name; an unknown name returns an error listing the known ones.
Result<std::unique_ptr<Solver>> make_solver(std::string_view name);
/// The names make_solver() accepts, the default first.
std::vector<std::string> solver_names();
inline constexpr std::string_view kDefaultSolver = "lemon-network-simplex";

}  // namespace docket::flow
