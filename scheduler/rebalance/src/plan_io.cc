#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "docket/core/error.h"
#include "docket/core/receipt.h"
#include "docket/rebalance/plan.h"
#include "text.h"

namespace docket::rebalance {
namespace {

using nlohmann::json;

template <typename T>
T field(const json& j, const char* name, const char* where) {
  if (!j.is_object() || !j.contains(name)) {
    throw InvalidArgument(std::string("plan JSON: ") + where + " has no field '" + name + "'");
  }
  try {
    return j.at(name).get<T>();
  } catch (const json::exception&) {
    throw InvalidArgument(std::string("plan JSON: ") + where + "." + name + " has the wrong type");
  }
}

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string pad(const std::string& s, std::size_t width, bool right) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string to_json(const Plan& p) {
  json moves = json::array();
  for (const Move& m : p.moves) {
    moves.push_back({{"from", m.from}, {"to", m.to}, {"form", m.form}, {"count", m.count},
                     {"receipts", m.receipts}, {"weekly", m.weekly}, {"transfer_cost", m.transfer_cost},
                     {"lateness_saved", m.lateness_saved}, {"why", m.why}});
  }
  json outlook = json::array();
  for (const Outlook& o : p.outlook) {
    outlook.push_back({{"center", o.center}, {"form", o.form}, {"weekly_capacity", o.weekly_capacity},
                       {"backlog_before", o.backlog_before}, {"backlog_after", o.backlog_after},
                       {"remaining_before", o.remaining_before}, {"remaining_after", o.remaining_after},
                       {"p80_days_before", o.p80_days_before}, {"p80_days_after", o.p80_days_after},
                       {"misses_before", o.misses_before}, {"misses_after", o.misses_after},
                       {"late_weeks_before", o.late_weeks_before}, {"late_weeks_after", o.late_weeks_after}});
  }
  const json j = {{"id", p.id},
                  {"kind", p.kind},
                  {"created", p.created.time_since_epoch().count()},
                  {"solver", p.solver},
                  {"horizon_weeks", p.horizon_weeks},
                  {"lateness_cost", p.lateness_cost},
                  {"transfer_cost", p.transfer_cost},
                  {"max_cases_per_move_week", p.max_cases_per_move_week},
                  {"drained", p.drained},
                  {"queued", p.queued},
                  {"moved", p.moved},
                  {"stranded", p.stranded},
                  {"objective", p.objective},
                  {"cost_before", p.cost_before},
                  {"graph_nodes", p.graph_nodes},
                  {"graph_arcs", p.graph_arcs},
                  {"snapshot_seconds", p.snapshot_seconds},
                  {"solve_seconds", p.solve_seconds},
                  {"total_seconds", p.total_seconds},
                  {"moves", std::move(moves)},
                  {"outlook", std::move(outlook)}};
  return j.dump();
}

Plan from_json(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw InvalidArgument(std::string("plan JSON: not JSON: ") + e.what());
  }
  if (!j.is_object()) throw InvalidArgument("plan JSON: expected an object");
  Plan p;
  p.id = field<std::string>(j, "id", "plan");
  if (p.id.empty()) throw InvalidArgument("plan JSON: plan.id is empty");
  p.kind = field<std::string>(j, "kind", "plan");
  if (p.kind != "plan" && p.kind != "drain") throw InvalidArgument("plan JSON: plan.kind must be plan or drain, got " + p.kind);
  p.created = TimePoint(Seconds(field<std::int64_t>(j, "created", "plan")));
  p.solver = field<std::string>(j, "solver", "plan");
  p.horizon_weeks = field<int>(j, "horizon_weeks", "plan");
  p.lateness_cost = field<std::int64_t>(j, "lateness_cost", "plan");
  p.transfer_cost = field<std::int64_t>(j, "transfer_cost", "plan");
  p.max_cases_per_move_week = field<std::int64_t>(j, "max_cases_per_move_week", "plan");
  p.drained = field<std::vector<std::string>>(j, "drained", "plan");
  p.queued = field<std::int64_t>(j, "queued", "plan");
  p.moved = field<std::int64_t>(j, "moved", "plan");
  p.stranded = field<std::int64_t>(j, "stranded", "plan");
  p.objective = field<std::int64_t>(j, "objective", "plan");
  p.cost_before = field<std::int64_t>(j, "cost_before", "plan");
  p.graph_nodes = field<std::size_t>(j, "graph_nodes", "plan");
  p.graph_arcs = field<std::size_t>(j, "graph_arcs", "plan");
  p.snapshot_seconds = field<double>(j, "snapshot_seconds", "plan");
  p.solve_seconds = field<double>(j, "solve_seconds", "plan");
  p.total_seconds = field<double>(j, "total_seconds", "plan");
  const json moves = field<json>(j, "moves", "plan");
  if (!moves.is_array()) throw InvalidArgument("plan JSON: plan.moves must be an array");
  std::int64_t moved = 0;
  for (std::size_t i = 0; i < moves.size(); ++i) {
    const std::string where = "moves[" + std::to_string(i) + "]";
    const json& mj = moves[i];
    Move m;
    m.from = field<std::string>(mj, "from", where.c_str());
    m.to = field<std::string>(mj, "to", where.c_str());
    m.form = field<std::string>(mj, "form", where.c_str());
    m.count = field<std::int64_t>(mj, "count", where.c_str());
    m.receipts = field<std::vector<std::string>>(mj, "receipts", where.c_str());
    m.weekly = field<std::vector<std::int64_t>>(mj, "weekly", where.c_str());
    m.transfer_cost = field<std::int64_t>(mj, "transfer_cost", where.c_str());
    m.lateness_saved = field<std::int64_t>(mj, "lateness_saved", where.c_str());
    m.why = field<std::string>(mj, "why", where.c_str());
    if (m.from == m.to) throw InvalidArgument("plan JSON: " + where + " moves from " + m.from + " to itself");
    if (m.count != static_cast<std::int64_t>(m.receipts.size())) {
      throw InvalidArgument("plan JSON: " + where + ".count is " + std::to_string(m.count) + " but it lists " +
                            std::to_string(m.receipts.size()) + " receipts");
    }
    for (const std::string& r : m.receipts) {
      if (!ReceiptNumber::parse(r)) throw InvalidArgument("plan JSON: " + where + " has a malformed receipt number '" + r + "'");
    }
    moved += m.count;
    p.moves.push_back(std::move(m));
  }
  if (moved != p.moved) throw InvalidArgument("plan JSON: plan.moved disagrees with the moves' counts");
  const json outlook = field<json>(j, "outlook", "plan");
  if (!outlook.is_array()) throw InvalidArgument("plan JSON: plan.outlook must be an array");
  for (std::size_t i = 0; i < outlook.size(); ++i) {
    const std::string where = "outlook[" + std::to_string(i) + "]";
    const json& oj = outlook[i];
    Outlook o;
    o.center = field<std::string>(oj, "center", where.c_str());
    o.form = field<std::string>(oj, "form", where.c_str());
    o.weekly_capacity = field<double>(oj, "weekly_capacity", where.c_str());
    o.backlog_before = field<std::int64_t>(oj, "backlog_before", where.c_str());
    o.backlog_after = field<std::int64_t>(oj, "backlog_after", where.c_str());
    o.remaining_before = field<std::int64_t>(oj, "remaining_before", where.c_str());
    o.remaining_after = field<std::int64_t>(oj, "remaining_after", where.c_str());
    o.p80_days_before = field<double>(oj, "p80_days_before", where.c_str());
    o.p80_days_after = field<double>(oj, "p80_days_after", where.c_str());
    o.misses_before = field<std::int64_t>(oj, "misses_before", where.c_str());
    o.misses_after = field<std::int64_t>(oj, "misses_after", where.c_str());
    o.late_weeks_before = field<std::int64_t>(oj, "late_weeks_before", where.c_str());
    o.late_weeks_after = field<std::int64_t>(oj, "late_weeks_after", where.c_str());
    p.outlook.push_back(std::move(o));
  }
  return p;
}

std::string render_table(const Plan& p, bool all_rows) {
  std::string s = "Rebalancing " + p.kind + " " + p.id + ": " + detail::grouped(p.queued) + " queued, " +
                  detail::grouped(p.moved) + " to move in " + std::to_string(p.moves.size()) + " moves";
  if (!p.drained.empty()) {
    s += "; draining";
    for (const std::string& c : p.drained) s += " " + c;
    s += " (" + detail::grouped(p.stranded) + " cannot leave)";
  }
  s += "\nhorizon " + std::to_string(p.horizon_weeks) + " weeks, cost " + detail::grouped(p.cost_before) +
       " -> " + detail::grouped(p.objective) + " (lateness " + detail::grouped(p.lateness_cost) +
       "/case-week, transfer " + detail::grouped(p.transfer_cost) + "/case), solver " + p.solver + ", " +
       fixed(p.total_seconds * 1e3, 1) + " ms\n\n";
  s += pad("FROM", 8, false) + pad("TO", 8, false) + pad("FORM", 11, false) + pad("CASES", 11, true) +
       pad("TRANSFER", 14, true) + pad("LATENESS SAVED", 16, true) + "\n";
  for (const Move& m : p.moves) {
    s += pad(m.from, 8, false) + pad(m.to, 8, false) + pad(m.form, 11, false) + pad(detail::grouped(m.count), 11, true) +
         pad(detail::grouped(m.transfer_cost), 14, true) + pad(detail::grouped(m.lateness_saved), 16, true) + "\n";
  }
  if (p.moves.empty()) s += "(no moves: nothing would improve enough to pay for a transfer)\n";
  s += "\n" + pad("CENTER", 8, false) + pad("FORM", 11, false) + pad("CAP/WK", 9, true) + pad("BACKLOG", 21, true) +
       pad("AT HORIZON", 21, true) + pad("P80 DAYS", 13, true) + pad("MISSES", 21, true) + "\n";
  for (const Outlook& o : p.outlook) {
    const bool changed = o.backlog_before != o.backlog_after || o.misses_before != o.misses_after;
    if (!all_rows && !changed) continue;
    auto pair = [](std::int64_t a, std::int64_t b) { return detail::grouped(a) + " -> " + detail::grouped(b); };
    s += pad(o.center, 8, false) + pad(o.form, 11, false) + pad(fixed(o.weekly_capacity, 0), 9, true) +
         pad(pair(o.backlog_before, o.backlog_after), 21, true) + pad(pair(o.remaining_before, o.remaining_after), 21, true) +
         pad(fixed(o.p80_days_before, 0) + " -> " + fixed(o.p80_days_after, 0), 13, true) +
         pad(pair(o.misses_before, o.misses_after), 21, true) + "\n";
  }
  return s;
}

std::string explain(const Plan& p) {
  std::string s;
  for (const Move& m : p.moves) {
    s += m.from + " -> " + m.to + " " + m.form + " (" + detail::grouped(m.count) + " cases): " + m.why;
    s += " Served at " + m.to + " by week:";
    for (std::size_t w = 0; w < m.weekly.size(); ++w) {
      if (m.weekly[w] > 0) {
        s += " " + (w + 1 == m.weekly.size() ? std::string("after the horizon") : std::to_string(w + 1)) + ": " +
             detail::grouped(m.weekly[w]) + ";";
      }
    }
    s += "\n";
  }
  if (p.moves.empty()) s = "No moves: no transfer saves more lateness than it costs.\n";
  return s;
}

}  // namespace docket::rebalance
