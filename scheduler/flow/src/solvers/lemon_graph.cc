#include "solvers/lemon_graph.h"

namespace docket::flow::detail {

LemonGraph::LemonGraph(const FlowProblem& problem) { rebuild(problem); }

void LemonGraph::rebuild(const FlowProblem& problem) {
  const std::size_t n = problem.node_count();
  const std::size_t m = problem.arc_count();
  ends.clear();
  ends.reserve(m);
  for (const Arc& a : problem.arcs()) ends.emplace_back(a.from, a.to);
  // A stable counting sort by source keeps parallel arcs in their original relative order.
  first_.assign(n + 1, 0);
  for (const Arc& a : problem.arcs()) ++first_[a.from + 1];
  for (std::size_t i = 0; i < n; ++i) first_[i + 1] += first_[i];
  original_arc.resize(m);
  sorted_.resize(m);
  for (std::size_t i = 0; i < m; ++i) {
    const int slot = first_[ends[i].first]++;
    original_arc[slot] = static_cast<ArcId>(i);
    sorted_[slot] = ends[i];
  }
  graph.build(static_cast<int>(n), sorted_.begin(), sorted_.end());
}

bool LemonGraph::same_structure(const FlowProblem& problem) const {
  if (problem.node_count() != static_cast<std::size_t>(graph.nodeNum()) ||
      problem.arc_count() != ends.size()) {
    return false;
  }
  for (std::size_t i = 0; i < ends.size(); ++i) {
    const Arc& a = problem.arcs()[i];
    if (a.from != ends[i].first || a.to != ends[i].second) return false;
  }
  return true;
}

}  // namespace docket::flow::detail
