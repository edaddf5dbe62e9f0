#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "docket/core/error.h"
#include "docket/rebalance/planner.h"

namespace docket::rebalance {
namespace {

// Whole cases a center decides in week w at `rate` per week: the fractions carry over, so that
// the first w weeks together decide floor(w x rate).
flow::Amount weekly(double rate, int w) {
  return static_cast<flow::Amount>(std::floor((w + 1) * rate + 1e-9) - std::floor(w * rate + 1e-9));
}

}  // namespace

bool may_move(const Catalog& catalog, const Snapshot& snap, FormId form, CenterId home,
              CenterId from, CenterId to) {
  if (from == to || to >= snap.centers || form >= snap.forms) return false;
  const FormPolicy& f = catalog.form(form);
  if (!f.transferable || snap.certified(to, form) <= 0) return false;
  if (f.interview) {
    const std::string& district = catalog.center(home).district;
    return district.empty() ? to == home : catalog.center(to).district == district;
  }
  return f.centers.empty() || std::find(f.centers.begin(), f.centers.end(), to) != f.centers.end();
}

PlanningGraph build_graph(const Snapshot& snap, const Catalog& catalog, const Options& options) {
  if (options.lateness_cost < 0 || options.transfer_cost < 0 || options.drain_penalty < 0 ||
      options.max_cases_per_move_week < 0) {
    throw InvalidArgument("rebalance: costs and limits must be >= 0");
  }
  std::vector<bool> drained(snap.centers, false);
  for (const std::string& code : options.drain_centers) {
    auto id = catalog.find_center(code);
    if (!id) throw InvalidArgument("rebalance: unknown center '" + code + "' to drain");
    drained[*id] = true;
  }
  const int H = snap.horizon_weeks;
  PlanningGraph g;
  flow::FlowProblem& p = g.problem;
  auto arc = [&](flow::NodeId from, flow::NodeId to, flow::Amount cap, flow::Cost cost, ArcRole role) {
    p.add_arc(from, to, cap, cost);
    g.roles.push_back(role);
  };
  using Kind = ArcRole::Kind;

  // Capacity nodes: (center, form) with capacity, for the forms that have a backlog somewhere.
  std::vector<bool> form_queued(snap.forms, false);
  for (const Cell& c : snap.cells) form_queued[c.form] = true;
  std::vector<flow::NodeId> cap_node(snap.centers * snap.forms, -1);
  for (std::size_t c = 0; c < snap.centers; ++c) {
    for (std::size_t f = 0; f < snap.forms; ++f) {
      const double rate = snap.capacity[c * snap.forms + f];
      if (!form_queued[f] || drained[c] || std::floor(rate * H + 1e-9) < 1) continue;
      cap_node[c * snap.forms + f] = static_cast<flow::NodeId>(p.node_count());
      for (int w = 0; w < H; ++w) p.add_node();
    }
  }
  g.sink = p.add_node();
  for (std::size_t c = 0; c < snap.centers; ++c) {
    for (std::size_t f = 0; f < snap.forms; ++f) {
      const flow::NodeId k = cap_node[c * snap.forms + f];
      if (k < 0) continue;
      for (int w = 0; w < H; ++w) {
        const flow::Amount cap = weekly(snap.capacity[c * snap.forms + f], w);
        if (cap > 0) {
          arc(k + w, g.sink, cap, 0,
              {Kind::kCapacity, 0, static_cast<CenterId>(c), static_cast<FormId>(f), w});
        }
      }
    }
  }

  const flow::Amount limit = options.max_cases_per_move_week > 0 ? options.max_cases_per_move_week : flow::kUnlimited;
  const bool hubs = options.max_cases_per_move_week <= 0;
  // Hubs by jurisdiction: (form, district) for interview forms, (form, "") for the others.
  std::map<std::pair<FormId, std::string>, flow::NodeId> hub_node;
  std::map<std::pair<FormId, std::string>, std::uint32_t> hub_id;
  std::vector<CenterId> targets;
  for (std::uint32_t i = 0; i < snap.cells.size(); ++i) {
    const Cell& cell = snap.cells[i];
    const flow::NodeId q = static_cast<flow::NodeId>(p.node_count());
    for (int t = 0; t <= H; ++t) p.add_node();
    // A case enters at the week its deadline falls in: overdue ones at week 0, those due past
    // the horizon at its end.
    for (std::size_t u = 0; u < cell.due.size(); ++u) {
      if (cell.due[u] > 0) p.add_supply(q + static_cast<flow::NodeId>(std::max<std::size_t>(u, 1) - 1), cell.due[u]);
    }
    g.supply += cell.queued;
    for (int t = 0; t < H; ++t) {
      arc(q + t, q + t + 1, flow::kUnlimited, options.lateness_cost, {Kind::kLater, i, kNoCenter, 0, t});
      arc(q + t + 1, q + t, flow::kUnlimited, 0, {Kind::kEarlier, i, kNoCenter, 0, t});
    }
    const flow::NodeId own = cap_node[cell.center * snap.forms + cell.form];
    if (own >= 0) {
      for (int w = 0; w < H; ++w) arc(q + w, own + w, flow::kUnlimited, 0, {Kind::kStay, i, cell.center, 0, w});
    }
    targets.clear();
    for (CenterId to = 0; to < snap.centers; ++to) {
      if (cap_node[to * snap.forms + cell.form] >= 0 &&
          may_move(catalog, snap, cell.form, cell.home, cell.center, to)) {
        targets.push_back(to);
      }
    }
    if (!hubs) {
      for (CenterId to : targets) {
        const flow::NodeId k = cap_node[to * snap.forms + cell.form];
        for (int w = 0; w < H; ++w) {
          arc(q + w, k + w, limit, options.transfer_cost, {Kind::kMove, i, to, 0, w});
        }
      }
    } else if (!targets.empty()) {
      const FormPolicy& form = catalog.form(cell.form);
      const std::pair<FormId, std::string> key{cell.form, form.interview ? catalog.center(cell.home).district : ""};
      auto [it, fresh] = hub_node.try_emplace(key, 0);
      if (fresh) {
        // Every center the jurisdiction allows: may_move() from no center in particular.
        it->second = static_cast<flow::NodeId>(p.node_count());
        const std::uint32_t h = static_cast<std::uint32_t>(hub_id.size());
        hub_id[key] = h;
        for (int w = 0; w < H; ++w) p.add_node();
        for (CenterId to = 0; to < snap.centers; ++to) {
          const flow::NodeId k = cap_node[to * snap.forms + cell.form];
          if (k < 0 || !may_move(catalog, snap, cell.form, cell.home, kNoCenter, to)) continue;
          for (int w = 0; w < H; ++w) arc(it->second + w, k + w, flow::kUnlimited, 0, {Kind::kFromHub, 0, to, cell.form, w, h});
        }
      }
      for (int w = 0; w < H; ++w) {
        arc(q + w, it->second + w, flow::kUnlimited, options.transfer_cost, {Kind::kToHub, i, kNoCenter, 0, w, hub_id[key]});
      }
    }
    arc(q + H, g.sink, flow::kUnlimited, drained[cell.center] ? options.drain_penalty : 0,
        {Kind::kCarry, i, cell.center, 0, H});
    if (drained[cell.center] && !targets.empty()) {
      // Past the horizon, a drained center's cases still leave: for the center with the most
      // capacity for the form, where they wait their turn.
      const CenterId best = *std::max_element(targets.begin(), targets.end(), [&](CenterId a, CenterId b) {
        return snap.weekly_capacity(a, cell.form) < snap.weekly_capacity(b, cell.form);
      });
      arc(q + H, g.sink, flow::kUnlimited, options.transfer_cost, {Kind::kDrainOut, i, best, 0, H});
    }
  }
  p.set_supply(g.sink, -g.supply);
  return g;
}

flow::FlowSolution solve(const PlanningGraph& graph, flow::Solver& solver) {
  const flow::FlowProblem& p = graph.problem;
  const std::size_t n = p.node_count();
  std::vector<flow::NodeId> parent(n);
  for (std::size_t i = 0; i < n; ++i) parent[i] = static_cast<flow::NodeId>(i);
  auto find = [&](flow::NodeId x) {
    while (parent[static_cast<std::size_t>(x)] != x) {
      parent[static_cast<std::size_t>(x)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
      x = parent[static_cast<std::size_t>(x)];
    }
    return x;
  };
  for (const flow::Arc& a : p.arcs()) {
    if (a.from != graph.sink && a.to != graph.sink) parent[static_cast<std::size_t>(find(a.from))] = find(a.to);
  }
  // Local numbering: each component's nodes in order, then its own sink.
  std::vector<flow::NodeId> comp_of(n, -1), local(n, -1);
  std::vector<flow::FlowProblem> parts;
  std::vector<flow::Amount> part_supply;
  std::vector<std::vector<flow::ArcId>> part_arcs;
  for (std::size_t i = 0; i < n; ++i) {
    if (static_cast<flow::NodeId>(i) == graph.sink) continue;
    const flow::NodeId root = find(static_cast<flow::NodeId>(i));
    if (comp_of[static_cast<std::size_t>(root)] < 0) {
      comp_of[static_cast<std::size_t>(root)] = static_cast<flow::NodeId>(parts.size());
      parts.emplace_back();
      part_supply.push_back(0);
      part_arcs.emplace_back();
    }
    const flow::NodeId c = comp_of[static_cast<std::size_t>(root)];
    local[i] = parts[static_cast<std::size_t>(c)].add_node(p.supply(static_cast<flow::NodeId>(i)));
    part_supply[static_cast<std::size_t>(c)] += p.supply(static_cast<flow::NodeId>(i));
  }
  std::vector<flow::NodeId> part_sink(parts.size());
  for (std::size_t c = 0; c < parts.size(); ++c) part_sink[c] = parts[c].add_node(-part_supply[c]);
  for (std::size_t a = 0; a < p.arc_count(); ++a) {
    const flow::Arc& arc = p.arc(static_cast<flow::ArcId>(a));
    const flow::NodeId from = arc.from == graph.sink ? arc.to : arc.from;
    const std::size_t c = static_cast<std::size_t>(comp_of[static_cast<std::size_t>(find(from))]);
    auto at = [&](flow::NodeId v) { return v == graph.sink ? part_sink[c] : local[static_cast<std::size_t>(v)]; };
    parts[c].add_arc(at(arc.from), at(arc.to), arc.capacity, arc.cost);
    part_arcs[c].push_back(static_cast<flow::ArcId>(a));
  }
  flow::FlowSolution whole;
  whole.flow.assign(p.arc_count(), 0);
  for (std::size_t c = 0; c < parts.size(); ++c) {
    if (part_supply[c] == 0) continue;  // Nothing queued there: no flow.
    const flow::FlowSolution s = solver.solve(parts[c]);
    if (s.status != flow::SolveStatus::kOptimal) return {s.status, 0, {}};
    for (std::size_t k = 0; k < part_arcs[c].size(); ++k) whole.flow[static_cast<std::size_t>(part_arcs[c][k])] = s.flow[k];
    whole.total_cost += s.total_cost;
  }
  return whole;
}

Result<std::unique_ptr<flow::Solver>> make_solver(std::string_view name) {
  for (const std::string& known : solver_names()) {
    if (known == name) return flow::make_solver(name);
  }
  std::string list;
  for (const std::string& known : solver_names()) list += (list.empty() ? "" : ", ") + known;
  return Result<std::unique_ptr<flow::Solver>>::failure("unknown rebalance solver '" + std::string(name) +
                                                        "'; known solvers: " + list);
}

std::vector<std::string> solver_names() {
  return {"boost-ssp", "boost-cycle-canceling", "lemon-network-simplex"};
}

}  // namespace docket::rebalance
