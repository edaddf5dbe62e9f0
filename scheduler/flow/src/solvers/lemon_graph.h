#pragma once

#include <lemon/bits/default_map.h>
#include <lemon/bits/vector_map.h>
#include <lemon/static_graph.h>

#include <utility>
#include <vector>

#include "docket/flow/flow_problem.h"

namespace lemon {

// LEMON 1.3.1 stores graph maps of non-arithmetic values (CostScaling's Bellman-Ford keeps a
// node map of arcs) in ArrayMap, which calls std::allocator::construct, removed in C++20. This
// specialization of LEMON's own selector stores them in the std::vector-based VectorMap, as
// LEMON already does for arithmetic values. It must be seen before any such map is used.
template <typename G, typename Item>
struct DefaultMapSelector<G, Item, StaticDigraphBase::Arc> {
  typedef VectorMap<G, Item, StaticDigraphBase::Arc> Map;
};

}  // namespace lemon

namespace docket::flow::detail {

/// A problem's nodes and arcs as a LEMON StaticDigraph: a counting sort and one pass to build.
/// At 29k arcs building it with its maps took 3.2 ms against 4.7 ms for a ListDigraph, and the
/// simplex ran as fast on either; StaticDigraph also allocates least. StaticDigraph wants arcs
/// grouped by source, so graph arc i is problem arc original_arc[i]; node i is problem node i.
struct LemonGraph {
  explicit LemonGraph(const FlowProblem& problem);
  /// Rebuilds the graph in place for `problem`, reusing this object's buffers. Maps attached
  /// to `graph` (an algorithm's) are resized by LEMON's notifiers; the algorithm must then be
  /// reset() before it runs again.
  void rebuild(const FlowProblem& problem);

  /// True when `problem` has the same nodes and the same arcs (ends, in order) as the problem
  /// this graph was built from; supplies, capacities and costs may differ.
  bool same_structure(const FlowProblem& problem) const;

  lemon::StaticDigraph graph;
  std::vector<ArcId> original_arc;
  std::vector<std::pair<NodeId, NodeId>> ends;  // In the problem's arc order.

 private:
  std::vector<int> first_;                     // Counting-sort offsets, kept for rebuild().
  std::vector<std::pair<int, int>> sorted_;  // Arc ends grouped by source, kept for rebuild().
};

/// A LEMON read map whose value for an item is f(index of the item), so the algorithms read
/// capacities, costs and supplies straight from a FlowProblem without an intermediate copy.
template <typename K, typename V, typename F>
class IndexMap {
 public:
  using Key = K;
  using Value = V;
  explicit IndexMap(F f) : f_(std::move(f)) {}
  Value operator[](const Key& k) const { return f_(lemon::StaticDigraph::index(k)); }

 private:
  F f_;
};

template <typename V, typename F>
IndexMap<lemon::StaticDigraph::Arc, V, F> arc_map(F f) {
  return IndexMap<lemon::StaticDigraph::Arc, V, F>(std::move(f));
}

template <typename V, typename F>
IndexMap<lemon::StaticDigraph::Node, V, F> node_map(F f) {
  return IndexMap<lemon::StaticDigraph::Node, V, F>(std::move(f));
}

}  // namespace docket::flow::detail
