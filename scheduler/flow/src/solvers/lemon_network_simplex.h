#pragma once

#include <memory>

#include "docket/flow/solver.h"

namespace docket::flow::detail {

/// "lemon-network-simplex": lemon::NetworkSimplex (block search pivot) over a StaticDigraph.
///
/// Keeps its graph and its NetworkSimplex object between calls and rebuilds them only when the
/// node count or the arc ends change, so a round that only updates supplies, capacities or costs
/// skips the graph build, LEMON's initialisation and the allocation of its arrays. Measured with
/// flow_benchmark's BM_Rounds (8 rounds perturbing costs and one supply, mean of 5 runs, 2-core
/// VM): 5,000 classes / 1,000 officer classes (29k arcs) 49.9 -> 44.5 ms a round; 10,000 cases
/// x 1,000 officers (511k arcs) 171 -> 101 ms; under ~10k arcs no measurable difference.
/// When the structure does change (most of the simulator's rounds), the graph is rebuilt in
/// place and NetworkSimplex::reset() resizes the arrays it already has, so a round allocates
/// nothing once the graph has reached its largest size.
///
/// This is not a basis warm start: LEMON has no way to start from a given spanning tree or
/// flow, and run() always restarts from its artificial basis, so the pivots are paid in full
/// every round. Reusing the previous basis (Firmament's incremental speed-up) would need a
/// simplex of our own.
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
