#pragma once

#include <memory>

#include "docket/flow/solver.h"

namespace docket::flow::detail {

/// "lemon-cost-scaling": lemon::CostScaling (partial augment-relabel) over a StaticDigraph,
/// built afresh for every problem. Negative-cost arcs are saturated and reversed before LEMON
/// sees them (see the .cc file for the LEMON defect this avoids), so supplies plus the
/// capacities of negative arcs must fit in 64 bits.
class LemonCostScaling final : public Solver {
 public:
  std::string_view name() const override;
  FlowSolution solve(const FlowProblem& problem) override;
};

std::unique_ptr<Solver> make_lemon_cost_scaling();

}  // namespace docket::flow::detail
