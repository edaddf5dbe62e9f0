#include "docket/flow/solver.h"

#include <array>

#include "solvers/boost_cycle_canceling.h"
#include "solvers/boost_ssp.h"
#include "solvers/lemon_cost_scaling.h"
#include "solvers/lemon_network_simplex.h"

namespace docket::flow {
namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Solver> (*make)();
};

// The default comes first; solver_names() and the error message keep this order.
constexpr std::array kSolvers{
    Entry{"lemon-network-simplex", &detail::make_lemon_network_simplex},
    Entry{"lemon-cost-scaling", &detail::make_lemon_cost_scaling},
    Entry{"boost-ssp", &detail::make_boost_ssp},
    Entry{"boost-cycle-canceling", &detail::make_boost_cycle_canceling},
};
static_assert(kSolvers[0].name == kDefaultSolver);

}  // namespace

Result<std::unique_ptr<Solver>> make_solver(std::string_view name) {
  for (const Entry& e : kSolvers) {
    if (e.name == name) return e.make();
  }
  std::string known;
  for (const Entry& e : kSolvers) {
    if (!known.empty()) known += ", ";
    known += e.name;
  }
  return Result<std::unique_ptr<Solver>>::failure("unknown flow solver '" + std::string(name) +
                                                  "'; known solvers: " + known);
}

std::vector<std::string> solver_names() {
  std::vector<std::string> names;
  for (const Entry& e : kSolvers) names.emplace_back(e.name);
  return names;
}

}  // namespace docket::flow
