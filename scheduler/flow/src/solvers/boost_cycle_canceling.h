#pragma once

#include <memory>

#include "docket/flow/solver.h"

namespace docket::flow::detail {

/// "boost-cycle-canceling": boost::push_relabel_max_flow from a super source to a super sink,
/// then boost::cycle_canceling until the residual network has no negative cycle. Accepts
/// negative costs and reports kUnbounded for a negative cycle of kUnlimited arcs. Each cancelled
/// cycle costs a Bellman-Ford pass (O(nodes x arcs)), so this is a test oracle for small graphs
/// only, independent of the LEMON code paths.
class BoostCycleCanceling final : public Solver {
 public:
  std::string_view name() const override;
  FlowSolution solve(const FlowProblem& problem) override;
};

std::unique_ptr<Solver> make_boost_cycle_canceling();

}  // namespace docket::flow::detail
