#include "solvers/common.h"

#include <algorithm>
#include <string>

#include "docket/core/error.h"

namespace docket::flow::detail {

Amount validate(const FlowProblem& problem) {
  const auto n = static_cast<NodeId>(problem.node_count());
  for (std::size_t i = 0; i < problem.arc_count(); ++i) {
    const Arc& a = problem.arcs()[i];
    if (a.from < 0 || a.from >= n || a.to < 0 || a.to >= n) {
      throw InvalidArgument("flow arc " + std::to_string(i) + " joins node " +
                            std::to_string(a.from) + " to node " + std::to_string(a.to) +
                            " but the problem has " + std::to_string(n) + " nodes");
    }
    if (a.capacity < 0) {
      throw InvalidArgument("flow arc " + std::to_string(i) + " has negative capacity " +
                            std::to_string(a.capacity));
    }
  }
  Amount balance = 0;
  Amount positive = 0;
  for (Amount s : problem.supplies()) {
    if (__builtin_add_overflow(balance, s, &balance) ||
        (s > 0 && __builtin_add_overflow(positive, s, &positive))) {
      throw InvalidArgument("flow supplies overflow 64 bits");
    }
  }
  if (balance != 0) {
    throw InvalidArgument("flow supplies must sum to zero, but they sum to " +
                          std::to_string(balance));
  }
  return positive;
}

void require_nonnegative_costs(const FlowProblem& problem, const char* solver) {
  for (std::size_t i = 0; i < problem.arc_count(); ++i) {
    if (problem.arcs()[i].cost < 0) {
      throw InvalidArgument(std::string(solver) + " needs arc costs >= 0, but arc " +
                            std::to_string(i) + " costs " + std::to_string(problem.arcs()[i].cost));
    }
  }
}

Cost total_cost(const FlowProblem& problem, const std::vector<Amount>& flow) {
  Cost total = 0;
  for (std::size_t i = 0; i < flow.size(); ++i) total += flow[i] * problem.arcs()[i].cost;
  return total;
}

FlowSolution zero_solution(const FlowProblem& problem) {
  return FlowSolution{SolveStatus::kOptimal, 0, std::vector<Amount>(problem.arc_count(), 0)};
}

Amount unlimited_stand_in(const FlowProblem& problem, Amount total_supply) {
  constexpr Amount kCeiling = kUnlimited / 4;
  Amount bound = std::min(total_supply, kCeiling);
  for (const Arc& a : problem.arcs()) {
    if (a.capacity == kUnlimited) continue;
    bound = std::min(kCeiling, bound + std::min(a.capacity, kCeiling));
  }
  return bound + 1;
}

bool has_negative_unlimited_cycle(const FlowProblem& problem) {
  std::vector<const Arc*> unlimited;
  for (const Arc& a : problem.arcs()) {
    if (a.capacity == kUnlimited) unlimited.push_back(&a);
  }
  if (unlimited.empty()) return false;
  // Every node starts at distance 0, as if a virtual root reached all of them, so a cycle
  // anywhere is found. A distance still falling after n rounds proves a negative cycle.
  std::vector<Cost> dist(problem.node_count(), 0);
  for (std::size_t round = 0; round <= problem.node_count(); ++round) {
    bool changed = false;
    for (const Arc* a : unlimited) {
      if (dist[a->from] + a->cost < dist[a->to]) {
        dist[a->to] = dist[a->from] + a->cost;
        changed = true;
      }
    }
    if (!changed) return false;
  }
  return true;
}

}  // namespace docket::flow::detail
