#pragma once

#include <memory>

#include "docket/flow/solver.h"

namespace docket::flow::detail {

/// "boost-ssp": boost::successive_shortest_path_nonnegative_weights from a super source to a
/// super sink. Throws InvalidArgument for a negative arc cost (Dijkstra needs reduced costs
/// >= 0 from zero initial potentials), so it never reports kUnbounded. Runs one Dijkstra per
/// augmenting path, so its time grows with the amount of flow: fine for tests, far too slow for
/// production-sized rounds. Potentials are held as doubles, so costs along a path must stay
/// below 2^53.
class BoostSsp final : public Solver {
 public:
  std::string_view name() const override;
  FlowSolution solve(const FlowProblem& problem) override;
};

std::unique_ptr<Solver> make_boost_ssp();

}  // namespace docket::flow::detail
