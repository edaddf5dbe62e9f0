#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace docket::flow {

using NodeId = std::int32_t;
using ArcId = std::int32_t;
using Cost = std::int64_t;
using Amount = std::int64_t;

/// An arc capacity meaning "no limit". Only a cycle of such arcs with a negative total cost makes
/// a problem unbounded; every finite capacity bounds its arc.
inline constexpr Amount kUnlimited = std::numeric_limits<Amount>::max();

/// A directed arc with a capacity (lower bound 0) and a cost per unit of flow.
struct Arc {
  NodeId from;
  NodeId to;
  Amount capacity;
  Cost cost;
};

/// A min-cost flow problem: nodes with supplies (positive = source, negative = demand) and
/// capacitated arcs. Building it is separate from solving it, so that several solvers can run
/// on one graph and the graph can be inspected (explain) after a round.
///
/// Supplies must balance (sum to zero) for a problem to be solvable.
class FlowProblem {
 public:
  void reserve(std::size_t nodes, std::size_t arcs) {
    supply_.reserve(nodes);
    arcs_.reserve(arcs);
  }
  void clear() {
    supply_.clear();
    arcs_.clear();
  }
  NodeId add_node(Amount supply = 0) {
    supply_.push_back(supply);
    return static_cast<NodeId>(supply_.size() - 1);
  }
  void set_supply(NodeId n, Amount supply) { supply_.at(n) = supply; }
  void add_supply(NodeId n, Amount delta) { supply_.at(n) += delta; }
  /// Adds an arc. Capacity must be >= 0 (kUnlimited for no limit); cost may be any value a
  /// solver accepts. Parallel arcs and arcs of capacity 0 are allowed. Nothing is checked here:
  /// Solver::solve() rejects a bad arc.
  ArcId add_arc(NodeId from, NodeId to, Amount capacity, Cost cost) {
    arcs_.push_back(Arc{from, to, capacity, cost});
    return static_cast<ArcId>(arcs_.size() - 1);
  }

  std::size_t node_count() const { return supply_.size(); }
  std::size_t arc_count() const { return arcs_.size(); }
  Amount supply(NodeId n) const { return supply_[n]; }
  const Arc& arc(ArcId a) const { return arcs_[a]; }
  const std::vector<Arc>& arcs() const { return arcs_; }
  const std::vector<Amount>& supplies() const { return supply_; }

 private:
  std::vector<Amount> supply_;
  std::vector<Arc> arcs_;
};

enum class SolveStatus : std::uint8_t {
  kOptimal,     ///< A min-cost flow was found.
  kInfeasible,  ///< No flow routes every supply within the capacities.
  kUnbounded,   ///< A negative-cost cycle of infinite capacity exists.
};

/// The answer of a solver: flow per arc, in the problem's arc order, and its total cost.
/// Unless status is kOptimal, flow is empty and total_cost is 0.
struct FlowSolution {
  SolveStatus status = SolveStatus::kOptimal;
  Cost total_cost = 0;
  std::vector<Amount> flow;
};

}  // namespace docket::flow
