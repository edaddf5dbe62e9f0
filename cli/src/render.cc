#include "docket/cli/render.h"

#include <algorithm>

#include "docket/cli/format.h"

namespace docket::cli {
namespace {

using nlohmann::json;

// The array `key` of `obj`, or an empty array when absent or of another type.
const json& array_at(const json& obj, const char* key) {
  static const json kEmpty = json::array();
  if (!obj.is_object()) return kEmpty;
  const auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : kEmpty;
}

// `preferred` first (those present in some row, or all of them when there are no rows), then
// any other scalar key the rows carry, so that a field added later still shows.
std::vector<std::string> columns_for(const json& rows, const std::vector<std::string>& preferred,
                                     bool keep_absent) {
  std::vector<std::string> cols;
  for (const auto& p : preferred) {
    bool present = keep_absent;
    for (const auto& r : rows) present = present || (r.is_object() && r.contains(p));
    if (present) cols.push_back(p);
  }
  for (const auto& r : rows) {
    if (!r.is_object()) continue;
    for (const auto& [k, v] : r.items()) {
      if (v.is_structured()) continue;
      if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
    }
  }
  return cols;
}

void print_scalars(std::ostream& out, const json& obj, const std::vector<std::string>& skip) {
  json scalars = json::object();
  for (const auto& [k, v] : obj.items()) {
    if (std::find(skip.begin(), skip.end(), k) != skip.end()) continue;
    // Objects of scalars fit on one line ("backlog:100 p80_days:212"); deeper ones are left
    // to --json rather than flattened into something unreadable.
    const bool flat =
        v.is_object() && !v.empty() &&
        std::none_of(v.begin(), v.end(), [](const json& x) { return x.is_structured(); });
    if (!v.is_structured() || flat) scalars[k] = v;
  }
  if (!scalars.empty()) print_object(out, scalars, {"plan", "id", "summary"});
}

}  // namespace

void print_json(std::ostream& out, const nlohmann::json& result) { out << result.dump(2) << '\n'; }

void render_queues(std::ostream& out, const json& result) {
  const auto& rows = array_at(result, "rows");
  static const std::vector<std::string> kColumns = {
      "center",  "form",        "queued",    "offered",     "assigned",
      "on_hold", "rfe_pending", "qa_review", "oldest_days", "at_risk"};
  const auto cols = columns_for(rows, kColumns, true);
  Table t = table_of(rows, cols);
  if (rows.empty()) {
    out << "no cases waiting\n";
    return;
  }
  // Totals: counts add up; the oldest case is the oldest of all rows.
  std::vector<std::string> total;
  for (const auto& c : cols) {
    if (c == "center") {
      total.push_back("total");
      continue;
    }
    bool numeric = false;
    double sum = 0;
    bool all_int = true;
    for (const auto& r : rows) {
      const auto it = r.find(c);
      if (it == r.end() || !it->is_number()) continue;
      numeric = true;
      all_int = all_int && it->is_number_integer();
      const double v = it->get<double>();
      sum = c == "oldest_days" ? std::max(sum, v) : sum + v;
    }
    if (!numeric) {
      total.push_back("");
    } else {
      total.push_back(all_int ? format_count(static_cast<std::int64_t>(sum)) : format_number(sum));
    }
  }
  t.set_footer(total);
  t.print(out);
}

void render_officers(std::ostream& out, const json& result) {
  json rows = array_at(result, "officers");
  if (rows.empty() && result.is_object() && result.contains("officer") &&
      result["officer"].is_object())
    rows.push_back(result["officer"]);
  if (rows.empty()) {
    out << "no officers\n";
    return;
  }
  // Load and capacity read best side by side ("3/7").
  for (auto& r : rows) {
    if (!r.is_object()) continue;
    if (r.contains("capacity")) {
      r["load"] = (r.contains("load") ? cell_text(r["load"]) : std::string("-")) + "/" +
                  cell_text(r["capacity"]);
      r.erase("capacity");
    }
  }
  static const std::vector<std::string> kColumns = {"officer",   "center",    "presence",
                                                    "connected", "load",      "skills",
                                                    "languages", "clearance", "senior"};
  std::vector<std::string> cols = columns_for(rows, kColumns, false);
  for (const auto* k : {"skills", "languages"}) {
    bool present = false;
    for (const auto& r : rows) present = present || (r.is_object() && r.contains(k));
    if (present && std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
  }
  table_of(rows, cols).print(out);
}

void render_status(std::ostream& out, const json& result) {
  if (!result.is_object() || !result.contains("case")) {
    render_generic(out, result);
    return;
  }
  print_object(out, result["case"],
               {"receipt", "state", "officer", "epoch", "form", "center", "priority", "received",
                "deadline"});
  const auto& history = array_at(result, "history");
  if (!history.empty()) {
    out << "\nhistory:\n";
    static const std::vector<std::string> kColumns = {"at",  "op",      "from",  "to",
                                                      "who", "officer", "epoch", "detail"};
    table_of(history, columns_for(history, kColumns, false)).print(out);
  }
}

void render_cases(std::ostream& out, const json& result) {
  const auto& cases = array_at(result, "cases");
  if (cases.empty()) {
    out << "no cases\n";
    return;
  }
  static const std::vector<std::string> kColumns = {"receipt",  "state",    "form",     "center",
                                                    "priority", "received", "deadline", "epoch"};
  table_of(cases, columns_for(cases, kColumns, false)).print(out);
}

void render_explain(std::ostream& out, const json& result) {
  if (!result.is_object()) {
    render_generic(out, result);
    return;
  }
  for (const auto* k : {"verdict", "summary"}) {
    if (const auto it = result.find(k); it != result.end())
      out << k << ": " << cell_text(*it) << '\n';
  }
  json rest = result;
  rest.erase("verdict");
  rest.erase("summary");
  if (!rest.empty()) {
    out << '\n';
    print_object(out, rest, {"queue_position", "class_size", "officers_eligible"});
  }
}

void render_plan(std::ostream& out, const json& plan) {
  // The scheduler renders its own plans (moves, then the projection per center and form).
  if (plan.is_object() && plan.contains("table") && plan["table"].is_string()) {
    out << plan["table"].get<std::string>();
    if (plan.contains("id") && plan["id"].is_string()) {
      out << "\nplan " << plan["id"].get<std::string>() << " (--json for the whole plan; --out FILE to keep it)\n";
    }
    return;
  }
  const auto& moves = array_at(plan, "moves");
  if (!plan.is_object() || !plan.contains("moves") || !plan["moves"].is_array()) {
    print_json(out, plan);
    return;
  }
  print_scalars(out, plan, {"moves"});
  if (moves.empty()) {
    out << "no moves: the backlog is balanced under these options\n";
    return;
  }
  static const std::vector<std::string> kColumns = {"from", "to", "form", "count", "cost"};
  out << "\nmoves:\n";
  Table t = table_of(moves, columns_for(moves, kColumns, true));
  std::int64_t cases = 0;
  for (const auto& m : moves) {
    if (m.is_object() && m.contains("count") && m["count"].is_number_integer())
      cases += m["count"].get<std::int64_t>();
  }
  t.print(out);
  out << format_count(static_cast<std::int64_t>(moves.size())) << " moves, " << format_count(cases)
      << " cases (--json for the whole plan)\n";
}

void render_generic(std::ostream& out, const json& result) { print_object(out, result); }

}  // namespace docket::cli
