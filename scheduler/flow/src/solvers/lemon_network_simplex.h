#pragma once

#include <memory>

#include "docket/flow/solver.h"

namespace docket::flow::detail {

/// "lemon-network-simplex": lemon::NetworkSimplex (block search pivot) over a StaticDigraph.
///
/// Keeps its graph and its NetworkSimplex object between calls and rebuilds them only when the
/// node count or the arc ends change, so a round that only updates supplies, capacities or costs
/// skips the graph build and the solver's initialisation. LEMON restarts the simplex from its
/// artificial basis on every run, so this is not a basis warm start.
class LemonNetworkSimplex final : public Solver {
 public:
  LemonNetworkSimplex();
  ~LemonNetworkSimplex() override;
  std::string_view name() const override;
  FlowSolution solve(const FlowProblem& problem) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::unique_ptr<Solver> make_lemon_network_simplex();

}  // namespace docket::flow::detail
