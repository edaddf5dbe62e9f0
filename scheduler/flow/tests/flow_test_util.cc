#include "flow_test_util.h"

#include <random>
#include <sstream>

namespace docket::flow::testing {

std::string check_flow(const FlowProblem& problem, const FlowSolution& solution) {
  std::ostringstream out;
  if (solution.status != SolveStatus::kOptimal) return "status is not kOptimal";
  if (solution.flow.size() != problem.arc_count()) {
    out << "flow has " << solution.flow.size() << " entries for " << problem.arc_count() << " arcs";
    return out.str();
  }
  std::vector<Amount> net(problem.supplies());
  Cost cost = 0;
  for (std::size_t i = 0; i < problem.arc_count(); ++i) {
    const Arc& a = problem.arc(static_cast<ArcId>(i));
    const Amount f = solution.flow[i];
    if (f < 0 || f > a.capacity) {
      out << "arc " << i << " carries " << f << " outside 0.." << a.capacity;
      return out.str();
    }
    net[a.from] -= f;
    net[a.to] += f;
    cost += f * a.cost;
  }
  for (std::size_t v = 0; v < net.size(); ++v) {
    if (net[v] != 0) {
      out << "node " << v << " is off balance by " << net[v];
      return out.str();
    }
  }
  if (cost != solution.total_cost) {
    out << "flow costs " << cost << " but total_cost says " << solution.total_cost;
    return out.str();
  }
  return "";
}

std::vector<std::unique_ptr<Solver>> all_solvers() {
  std::vector<std::unique_ptr<Solver>> solvers;
  for (const std::string& name : solver_names()) solvers.push_back(make_solver(name).value());
  return solvers;
}

bool has_negative_cost(const FlowProblem& problem) {
  for (const Arc& a : problem.arcs()) {
    if (a.cost < 0) return true;
  }
  return false;
}

FlowProblem random_small(std::uint32_t seed, int max_nodes, int max_arcs, Amount max_capacity,
                         Cost min_cost, Cost max_cost) {
  std::mt19937 rng(seed);
  auto uniform = [&rng](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  FlowProblem p;
  const auto n = static_cast<NodeId>(uniform(std::min(2, max_nodes), max_nodes));
  for (NodeId v = 0; v < n; ++v) p.add_node();
  const auto m = uniform(max_arcs / 2, max_arcs);
  for (std::int64_t i = 0; i < m; ++i) {
    const auto from = static_cast<NodeId>(uniform(0, n - 1));
    auto to = static_cast<NodeId>(uniform(0, n - 1));
    if (to == from && n > 1) to = (to + 1) % n;
    p.add_arc(from, to, uniform(0, max_capacity), uniform(min_cost, max_cost));
  }
  // Move a few units of supply from one random node to another, so supplies always balance.
  const auto moves = uniform(0, n);
  for (std::int64_t i = 0; i < moves; ++i) {
    const Amount units = uniform(1, max_capacity);
    p.add_supply(static_cast<NodeId>(uniform(0, n - 1)), units);
    p.add_supply(static_cast<NodeId>(uniform(0, n - 1)), -units);
  }
  return p;
}

FlowProblem random_assignment(std::uint32_t seed, int classes, int groups, int officers) {
  std::mt19937 rng(seed);
  auto uniform = [&rng](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  FlowProblem p;
  std::vector<NodeId> cls, grp, off;
  for (int i = 0; i < classes; ++i) cls.push_back(p.add_node(uniform(1, 8)));
  for (int i = 0; i < groups; ++i) grp.push_back(p.add_node());
  for (int i = 0; i < officers; ++i) off.push_back(p.add_node());
  const NodeId sink = p.add_node();
  Amount total = 0;
  for (NodeId c : cls) {
    total += p.supply(c);
    p.add_arc(c, grp[uniform(0, groups - 1)], p.supply(c), 0);
    p.add_arc(c, sink, p.supply(c), uniform(40, 400));  // Unassigned, priced by urgency.
  }
  for (NodeId g : grp) {
    const auto eligible = uniform(1, std::min(officers, 12));
    for (std::int64_t i = 0; i < eligible; ++i) {
      p.add_arc(g, off[uniform(0, officers - 1)], uniform(0, 1) ? kUnlimited : uniform(1, 20),
                uniform(0, 9));
    }
  }
  for (NodeId o : off) {
    for (Cost level = 0; level < 3; ++level) p.add_arc(o, sink, uniform(0, 3), level * level * 5);
  }
  p.set_supply(sink, -total);
  return p;
}

std::optional<Cost> exhaustive_min_cost(const FlowProblem& problem) {
  const std::size_t m = problem.arc_count();
  std::vector<Amount> flow(m, 0);
  std::optional<Cost> best;
  // Odometer over every flow vector with 0 <= flow[i] <= capacity[i].
  while (true) {
    std::vector<Amount> net(problem.supplies());
    Cost cost = 0;
    for (std::size_t i = 0; i < m; ++i) {
      const Arc& a = problem.arc(static_cast<ArcId>(i));
      net[a.from] -= flow[i];
      net[a.to] += flow[i];
      cost += flow[i] * a.cost;
    }
    bool balanced = true;
    for (Amount x : net) balanced = balanced && x == 0;
    if (balanced && (!best || cost < *best)) best = cost;
    std::size_t i = 0;
    while (i < m && flow[i] == problem.arc(static_cast<ArcId>(i)).capacity) flow[i++] = 0;
    if (i == m) break;
    ++flow[i];
  }
  return best;
}

}  // namespace docket::flow::testing
