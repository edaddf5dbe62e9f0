#include "solvers/lemon_network_simplex.h"

#include <lemon/network_simplex.h>

#include "solvers/common.h"
#include "solvers/lemon_graph.h"

namespace docket::flow::detail {

// Kept between calls; `simplex` refers to `lemon.graph`, so State never moves.
struct LemonNetworkSimplex::State {
  explicit State(const FlowProblem& problem) : lemon(problem), simplex(lemon.graph) {}
  LemonGraph lemon;
  lemon::NetworkSimplex<lemon::StaticDigraph, Amount, Cost> simplex;
};

LemonNetworkSimplex::LemonNetworkSimplex() = default;
LemonNetworkSimplex::~LemonNetworkSimplex() = default;

std::string_view LemonNetworkSimplex::name() const { return "lemon-network-simplex"; }

FlowSolution LemonNetworkSimplex::solve(const FlowProblem& problem) {
  validate(problem);
  if (problem.node_count() == 0) return zero_solution(problem);
  // Comparing the arc ends costs one pass, far less than the build and initialisation it saves.
  if (!state_) {
    state_ = std::make_unique<State>(problem);
  } else if (!state_->lemon.same_structure(problem)) {
    // A new structure reuses the graph's and the algorithm's arrays: reset() resizes them to
    // the rebuilt graph and leaves the algorithm as a new object would be.
    state_->lemon.rebuild(problem);
    state_->simplex.reset();
  }
  const LemonGraph& g = state_->lemon;
  auto& simplex = state_->simplex;
  // kUnlimited equals LEMON's INF for a 64-bit integer, so unlimited arcs stay unlimited.
  simplex.upperMap(arc_map<Amount>([&](int i) { return problem.arc(g.original_arc[i]).capacity; }))
      .costMap(arc_map<Cost>([&](int i) { return problem.arc(g.original_arc[i]).cost; }))
      .supplyMap(node_map<Amount>([&](int i) { return problem.supply(i); }));
  FlowSolution solution;
  switch (simplex.run()) {
    case lemon::NetworkSimplex<lemon::StaticDigraph, Amount, Cost>::INFEASIBLE:
      solution.status = SolveStatus::kInfeasible;
      return solution;
    case lemon::NetworkSimplex<lemon::StaticDigraph, Amount, Cost>::UNBOUNDED:
      solution.status = SolveStatus::kUnbounded;
      return solution;
    case lemon::NetworkSimplex<lemon::StaticDigraph, Amount, Cost>::OPTIMAL:
      break;
  }
  solution.flow.resize(problem.arc_count());
  for (std::size_t i = 0; i < g.original_arc.size(); ++i) {
    solution.flow[g.original_arc[i]] = simplex.flow(g.graph.arc(static_cast<int>(i)));
  }
  solution.total_cost = total_cost(problem, solution.flow);
  return solution;
}

std::unique_ptr<Solver> make_lemon_network_simplex() {
  return std::make_unique<LemonNetworkSimplex>();
}

}  // namespace docket::flow::detail
