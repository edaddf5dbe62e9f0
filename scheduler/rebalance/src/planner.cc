#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "docket/core/error.h"
#include "docket/matching/eligibility.h"
#include "docket/rebalance/metrics.h"
#include "docket/rebalance/planner.h"
#include "projection.h"
#include "text.h"

namespace docket::rebalance {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::int64_t kWeekMinutes = 7 * 24 * 60;
constexpr std::int64_t kWeekSeconds = kWeekMinutes * 60;

double since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return (h ^ 0xff) * 0x100000001b3ULL;
}

// The flow leaving one cell for one destination.
struct Outflow {
  CenterId to = kNoCenter;
  std::vector<std::int64_t> weekly;  // Week H holds what leaves past the horizon (drains).
  std::int64_t total = 0;
  double mean_week = 0;
};

// A move being assembled: one (from, to, form), possibly from several cells (homes).
struct Draft {
  CenterId from, to;
  FormId form;
  std::vector<std::uint64_t> receipts;
  std::vector<std::int64_t> weekly;
  detail::Pool moved;  // The moved cases by due week and age, for the projection.
};

}  // namespace

Plan plan(const matching::Matcher& matcher, const Options& options, RebalanceMetrics* metrics) {
  const auto started = SteadyClock::now();
  try {
    auto solver = make_solver(options.solver);
    if (!solver.ok()) throw InvalidArgument(solver.error());
    const Catalog& catalog = matcher.catalog();
    const Snapshot snap = snapshot(matcher, options);
    const double snapshot_seconds = since(started);
    const PlanningGraph g = build_graph(snap, catalog, options);

    const auto solve_started = SteadyClock::now();
    const flow::FlowSolution sol = solve(g, *solver.value());
    const double solve_seconds = since(solve_started);
    if (sol.status != flow::SolveStatus::kOptimal) {
      throw Error("rebalance: the planning graph has no optimal flow (solver " + options.solver + ")");
    }
    if (options.cross_check) {
      const char* other = options.solver == "lemon-network-simplex" ? "boost-ssp" : "lemon-network-simplex";
      const flow::FlowSolution check = solve(g, *make_solver(other).value());
      if (check.status != flow::SolveStatus::kOptimal || check.total_cost != sol.total_cost) {
        throw Error("rebalance: " + options.solver + " found cost " + std::to_string(sol.total_cost) + ", " +
                    other + " " + std::to_string(check.total_cost));
      }
    }
    const int H = snap.horizon_weeks;
    const std::size_t ages = static_cast<std::size_t>(snap.max_age_weeks) + 1;
    const std::size_t dues = static_cast<std::size_t>(H) + 2;
    std::vector<std::vector<Outflow>> out(snap.cells.size());
    std::int64_t stranded = 0;
    // Flow out of each cell to each other center, per week: direct move arcs as they are; hub
    // flow split greedily between the cells that sent it and the centers that took it (any split
    // costs the same, since the transfer cost sits on the arc into the hub), never a cell to its
    // own center (an optimal flow with a positive transfer cost never needs that).
    auto add_out = [&](std::uint32_t cell, CenterId to, std::int32_t week, std::int64_t x) {
      auto& flows = out[cell];
      auto it = std::find_if(flows.begin(), flows.end(), [&](const Outflow& o) { return o.to == to; });
      if (it == flows.end()) {
        flows.push_back({to, std::vector<std::int64_t>(static_cast<std::size_t>(H) + 1, 0), 0, 0});
        it = flows.end() - 1;
      }
      it->weekly[static_cast<std::size_t>(week)] += x;
      it->total += x;
    };
    std::map<std::pair<std::uint32_t, std::int32_t>, std::pair<std::vector<std::pair<std::uint32_t, std::int64_t>>,
                                                               std::vector<std::pair<CenterId, std::int64_t>>>>
        hub_flow;
    for (std::size_t a = 0; a < g.roles.size(); ++a) {
      const ArcRole& r = g.roles[a];
      const flow::Amount x = sol.flow[a];
      if (x <= 0) continue;
      switch (r.kind) {
        case ArcRole::Kind::kCarry:
          if (std::find(options.drain_centers.begin(), options.drain_centers.end(),
                        catalog.center(snap.cells[r.cell].center).code) != options.drain_centers.end()) {
            stranded += x;
          }
          break;
        case ArcRole::Kind::kMove:
        case ArcRole::Kind::kDrainOut:
          add_out(r.cell, r.to, r.week, x);
          break;
        case ArcRole::Kind::kToHub:
          hub_flow[{r.hub, r.week}].first.push_back({r.cell, x});
          break;
        case ArcRole::Kind::kFromHub:
          hub_flow[{r.hub, r.week}].second.push_back({r.to, x});
          break;
        default:
          break;
      }
    }
    for (auto& [key, io] : hub_flow) {
      auto& [senders, takers] = io;
      struct Split {
        std::uint32_t cell;
        CenterId to;
        std::int64_t n;
      };
      std::vector<Split> splits;
      for (auto& [cell, x] : senders) {
        for (auto& [to, y] : takers) {
          if (x == 0) break;
          if (y == 0 || to == snap.cells[cell].center) continue;
          const std::int64_t n = std::min(x, y);
          splits.push_back({cell, to, n});
          x -= n;
          y -= n;
        }
      }
      // What is left is a cell whose flow only its own center took: swap it with a split of
      // another cell (that cell takes the own center, this one the other's destination).
      for (auto& [cell, x] : senders) {
        const CenterId own = snap.cells[cell].center;
        for (std::size_t k = 0; k < splits.size() && x > 0; ++k) {
          const Split other = splits[k];  // A copy: the pushes below may move the vector.
          if (other.n == 0 || snap.cells[other.cell].center == own || other.to == own) continue;
          const std::int64_t n = std::min(x, other.n);
          splits[k].n -= n;
          splits.push_back({cell, other.to, n});
          splits.push_back({other.cell, own, n});
          x -= n;
        }
      }
      for (const Split& sp : splits) {
        if (sp.n > 0) add_out(sp.cell, sp.to, key.second, sp.n);
      }
    }

    // Which cases: per cell, its queued cases earliest deadline first; the moves out of the cell
    // take them in the order of the weeks they are served in (earliest first).
    const std::int64_t now_s = snap.at.time_since_epoch().count();
    const std::int64_t now_min = matching::CaseIndex::to_minutes(now_s);
    const std::int64_t now_rel = matching::CaseIndex::to_rel_seconds(now_s);
    std::map<std::tuple<CenterId, CenterId, FormId>, Draft> drafts;
    const matching::CaseIndex& index = matcher.index();
    std::vector<std::vector<std::uint32_t>> classes_of(snap.cells.size());
    for (std::uint32_t k = 0; k < index.classes().size(); ++k) {
      const matching::CaseClass& cls = index.classes()[k];
      if (cls.live == 0) continue;
      const CenterId home = matching::home_office(catalog.form(cls.key.form), cls.key.center, cls.key.field_office);
      auto it = std::lower_bound(snap.cells.begin(), snap.cells.end(), std::make_tuple(cls.key.center, cls.key.form, home),
                                 [](const Cell& c, const auto& key) { return std::make_tuple(c.center, c.form, c.home) < key; });
      if (it != snap.cells.end() && it->center == cls.key.center && it->form == cls.key.form && it->home == home) {
        classes_of[static_cast<std::size_t>(it - snap.cells.begin())].push_back(k);
      }
    }
    std::vector<matching::QueueEntry> entries;
    for (std::size_t i = 0; i < snap.cells.size(); ++i) {
      auto& flows = out[i];
      if (flows.empty()) continue;
      std::int64_t n = 0;
      for (Outflow& o : flows) {
        double weighted = 0;
        for (std::size_t w = 0; w < o.weekly.size(); ++w) weighted += static_cast<double>(w) * static_cast<double>(o.weekly[w]);
        o.mean_week = weighted / static_cast<double>(o.total);
        n += o.total;
      }
      std::sort(flows.begin(), flows.end(), [&](const Outflow& a, const Outflow& b) {
        return std::tie(a.mean_week, catalog.center(a.to).code) < std::tie(b.mean_week, catalog.center(b.to).code);
      });
      entries.clear();
      for (std::uint32_t k : classes_of[i]) {
        const matching::CaseClass& cls = index.classes()[k];
        for (std::size_t e = cls.head; e < cls.queue.size(); ++e) {
          if (!cls.dirty || index.live(cls.queue[e])) entries.push_back(cls.queue[e]);
        }
      }
      n = std::min<std::int64_t>(n, static_cast<std::int64_t>(entries.size()));
      const auto nth = entries.begin() + n;
      std::nth_element(entries.begin(), nth, entries.end());
      std::sort(entries.begin(), nth);
      const Cell& cell = snap.cells[i];
      std::size_t next = 0;
      for (const Outflow& o : flows) {
        Draft& d = drafts[{cell.center, o.to, cell.form}];
        if (d.receipts.empty() && d.weekly.empty()) {
          d.from = cell.center;
          d.to = o.to;
          d.form = cell.form;
          d.weekly.assign(static_cast<std::size_t>(H) + 1, 0);
          d.moved.counts.assign(dues * ages, 0);
        }
        for (std::size_t w = 0; w < o.weekly.size(); ++w) d.weekly[w] += o.weekly[w];
        for (std::int64_t c = 0; c < o.total && next < static_cast<std::size_t>(n); ++c, ++next) {
          const matching::QueueEntry& e = entries[next];
          d.receipts.push_back(e.receipt);
          const std::int64_t due = e.deadline_min - now_min;
          const std::int64_t week = std::clamp<std::int64_t>(due / kWeekMinutes - (due % kWeekMinutes != 0 && due < 0), -1, H);
          const std::int64_t age = std::clamp<std::int64_t>((now_rel - e.received_sec) / kWeekSeconds, 0, snap.max_age_weeks);
          ++d.moved.counts[static_cast<std::size_t>(week + 1) * ages + static_cast<std::size_t>(age)];
        }
      }
    }

    // Projection per (center, form), before (everything stays) and after (moves applied, drained
    // centers without capacity).
    std::vector<bool> drained(snap.centers, false);
    for (const std::string& code : options.drain_centers) drained[*catalog.find_center(code)] = true;
    std::vector<bool> form_queued(snap.forms, false);
    for (const Cell& c : snap.cells) form_queued[c.form] = true;
    std::map<std::pair<CenterId, FormId>, detail::Pool> before, after;
    auto pool_at = [&](auto& pools, CenterId c, FormId f) -> detail::Pool& {
      auto& p = pools[{c, f}];
      if (p.counts.empty()) p.counts.assign(dues * ages, 0);
      return p;
    };
    for (const Cell& c : snap.cells) {
      auto& b = pool_at(before, c.center, c.form);
      auto& a = pool_at(after, c.center, c.form);
      for (std::size_t j = 0; j < c.ages.size(); ++j) {
        b.counts[j] += c.ages[j];
        a.counts[j] += c.ages[j];
      }
    }
    for (const auto& [key, d] : drafts) {
      auto& src = pool_at(after, d.from, d.form);
      auto& dst = pool_at(after, d.to, d.form);
      for (std::size_t j = 0; j < d.moved.counts.size(); ++j) {
        src.counts[j] -= d.moved.counts[j];
        dst.counts[j] += d.moved.counts[j];
      }
    }
    for (std::size_t c = 0; c < snap.centers; ++c) {
      for (std::size_t f = 0; f < snap.forms; ++f) {
        if (form_queued[f] && snap.capacity[c * snap.forms + f] >= 1.0 / H) {
          pool_at(before, static_cast<CenterId>(c), static_cast<FormId>(f));
          pool_at(after, static_cast<CenterId>(c), static_cast<FormId>(f));
        }
      }
    }

    Plan result;
    result.kind = options.drain_centers.empty() ? "plan" : "drain";
    result.created = snap.at;
    result.solver = options.solver;
    result.horizon_weeks = H;
    result.lateness_cost = options.lateness_cost;
    result.transfer_cost = options.transfer_cost;
    result.max_cases_per_move_week = options.max_cases_per_move_week;
    result.drained = options.drain_centers;
    result.queued = static_cast<std::int64_t>(snap.queued);
    result.stranded = stranded;
    result.objective = sol.total_cost;
    result.graph_nodes = g.problem.node_count();
    result.graph_arcs = g.problem.arc_count();
    std::map<std::pair<CenterId, FormId>, std::pair<detail::Projection, detail::Projection>> proj;
    for (const auto& [key, pool] : before) {
      const double rate = snap.weekly_capacity(key.first, key.second);
      const detail::Projection b = detail::project(pool, ages, H, rate);
      const detail::Projection a = detail::project(after.at(key), ages, H, drained[key.first] ? 0.0 : rate);
      proj[key] = {b, a};
      Outlook o;
      o.center = catalog.center(key.first).code;
      o.form = catalog.form(key.second).code;
      o.weekly_capacity = rate;
      o.backlog_before = b.backlog;
      o.backlog_after = a.backlog;
      o.remaining_before = b.remaining;
      o.remaining_after = a.remaining;
      o.p80_days_before = b.p80_days;
      o.p80_days_after = a.p80_days;
      o.misses_before = b.misses;
      o.misses_after = a.misses;
      o.late_weeks_before = b.late_weeks;
      o.late_weeks_after = a.late_weeks;
      result.cost_before += b.late_weeks * options.lateness_cost;
      result.outlook.push_back(std::move(o));
    }

    // Moves, with what each costs and saves: the lateness the source sheds less what the
    // destination takes on, shared by count among the moves out of (into) each.
    std::map<std::pair<CenterId, FormId>, std::int64_t> out_of, into;
    for (const auto& [key, d] : drafts) {
      out_of[{d.from, d.form}] += static_cast<std::int64_t>(d.receipts.size());
      into[{d.to, d.form}] += static_cast<std::int64_t>(d.receipts.size());
    }
    std::uint64_t id = fnv(0xcbf29ce484222325ULL, std::to_string(snap.fingerprint));
    id = fnv(id, std::to_string(H) + "/" + std::to_string(options.lateness_cost) + "/" +
                     std::to_string(options.transfer_cost) + "/" + std::to_string(options.max_cases_per_move_week) +
                     "/" + std::to_string(options.officer_hours_per_week));
    for (const std::string& c : options.drain_centers) id = fnv(id, c);
    for (const auto& [key, d] : drafts) {
      if (d.receipts.empty()) continue;
      Move m;
      m.from = catalog.center(d.from).code;
      m.to = catalog.center(d.to).code;
      m.form = catalog.form(d.form).code;
      m.count = static_cast<std::int64_t>(d.receipts.size());
      m.weekly = d.weekly;
      m.receipts.reserve(d.receipts.size());
      for (std::uint64_t r : d.receipts) m.receipts.push_back(ReceiptNumber::from_packed(r).str());
      m.transfer_cost = m.count * options.transfer_cost;
      const auto& [sb, sa] = proj.at({d.from, d.form});
      const auto& [db, da] = proj.at({d.to, d.form});
      const double shed = static_cast<double>(sb.late_weeks - sa.late_weeks) * static_cast<double>(m.count) /
                          static_cast<double>(out_of[{d.from, d.form}]);
      const double taken = static_cast<double>(da.late_weeks - db.late_weeks) * static_cast<double>(m.count) /
                           static_cast<double>(into[{d.to, d.form}]);
      m.lateness_saved = std::llround((shed - taken) * static_cast<double>(options.lateness_cost));
      const double rate_from = snap.weekly_capacity(d.from, d.form);
      const double rate_to = snap.weekly_capacity(d.to, d.form);
      m.why = m.from + " " + m.form + ": " + detail::grouped(sb.backlog) + " queued, " +
              detail::grouped(std::llround(drained[d.from] ? 0.0 : rate_from)) + " decided a week" +
              (drained[d.from] ? " (drained)" : "") + ", " + detail::grouped(sb.misses) +
              " would miss their deadline within " + std::to_string(H) + " weeks; " + m.to + " decides " +
              detail::grouped(std::llround(rate_to)) + " a week for " + detail::grouped(db.backlog) +
              " queued. Moving " + detail::grouped(m.count) + " (earliest deadlines first) costs " +
              detail::grouped(m.transfer_cost) + " in transfers and saves " + detail::grouped(m.lateness_saved) +
              " in lateness (" + detail::grouped(std::llround(shed - taken)) + " case-weeks).";
      id = fnv(id, m.from + ">" + m.to + ":" + m.form);
      for (std::uint64_t r : d.receipts) id = fnv(id, std::string_view(reinterpret_cast<const char*>(&r), sizeof r));
      result.moved += m.count;
      result.moves.push_back(std::move(m));
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(id));
    result.id = hex;
    result.snapshot_seconds = snapshot_seconds;
    result.solve_seconds = solve_seconds;
    result.total_seconds = since(started);
    if (metrics) {
      metrics->run(RebalanceMetrics::Kind::kPlan, true);
      metrics->plan_seconds->Observe(result.total_seconds);
    }
    return result;
  } catch (...) {
    if (metrics) metrics->run(RebalanceMetrics::Kind::kPlan, false);
    throw;
  }
}

}  // namespace docket::rebalance
