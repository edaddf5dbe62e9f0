#include <algorithm>
#include <cctype>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "loaders.h"
#include "text.h"

extern char** environ;  // NOLINT: POSIX declares it nowhere in a header.

namespace docket::config {
namespace {

using detail::MapReader;
using detail::Source;

constexpr std::string_view kTopKeys[] = {"centers", "forms", "officers", "calendar", "scheduler"};
constexpr std::string_view kCalendarKeys[] = {"extra_closures"};
constexpr std::string_view kSchedulerKeys[] = {"solver",
                                               "fallback_deadline_days",
                                               "cross_center_slack_days",
                                               "relaxation",
                                               "slack_bucket_days",
                                               "cost_models",
                                               "round_interval_ms",
                                               "max_round_cases",
                                               "compact_graph"};
constexpr std::string_view kCostModelKeys[] = {"name", "weight"};
constexpr std::string_view kPrefix = "DOCKET_";
constexpr std::int64_t kMaxDays = 36500;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> names(std::span<const std::string_view> keys) {
  return {keys.begin(), keys.end()};
}

/// Writes DOCKET_<SECTION>__<KEY> variables into the tree before it is decoded, so an
/// overridden value goes through exactly the checks a value in the file does.
void apply_overrides(YAML::Node& root, const Environment& env, Source& src) {
  for (const auto& [variable, value] : env) {
    std::string_view rest(variable);
    if (rest.substr(0, kPrefix.size()) != kPrefix) continue;
    rest.remove_prefix(kPrefix.size());
    // Variables without a double underscore (DOCKET_REDIS_URL, ...) configure other parts of
    // Docket, not this file.
    std::size_t split = rest.find("__");
    if (split == std::string_view::npos) continue;
    std::string section = lower(rest.substr(0, split));
    std::string key = lower(rest.substr(split + 2));
    std::span<const std::string_view> keys;
    if (section == "scheduler") keys = kSchedulerKeys;
    if (section == "calendar") keys = kCalendarKeys;
    std::string where = "environment variable " + variable;
    if (keys.empty()) {
      throw ConfigError(where + ": unknown section " + detail::quote(section) +
                        " (overridable sections: calendar, scheduler)");
    }
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      throw ConfigError(where + ": unknown field " + detail::quote(section + "." + key) +
                        " (fields of " + section + ": " + detail::join(names(keys)) + ")");
    }
    YAML::Node parsed;
    try {
      parsed = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      throw ConfigError(where + ": " + section + "." + key + ": malformed value " +
                        detail::quote(value) + ": " + e.msg);
    }
    if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) return;  // Decoding reports the file's real problem.
    YAML::Node target = root[section];
    if (target.IsDefined() && !target.IsNull() && !target.IsMap()) {
      src.expected(target, section, "a mapping");
    }
    root[section][key] = parsed;
    src.add_override(section + "." + key, variable);
  }
}

matching::Options read_scheduler(const Source& src, const YAML::Node& node) {
  MapReader m(src, node, "scheduler", kSchedulerKeys);
  matching::Options o;
  if (m.has("solver")) o.solver = detail::read_string(src, m.get("solver"), m.path("solver"));
  if (m.has("fallback_deadline_days")) {
    o.fallback_deadline_days = static_cast<int>(
        detail::read_int(src, m.get("fallback_deadline_days"), m.path("fallback_deadline_days"), 1,
                         kMaxDays, "a positive number of days"));
  }
  if (m.has("cross_center_slack_days")) {
    o.cross_center_slack_days = static_cast<int>(
        detail::read_int(src, m.get("cross_center_slack_days"), m.path("cross_center_slack_days"),
                         -1, kMaxDays, "-1 (never) or a non-negative number of days"));
  }
  if (m.has("relaxation")) {
    o.relaxation = detail::read_relaxation(src, m.get("relaxation"), m.path("relaxation"));
  }
  if (m.has("slack_bucket_days")) {
    o.slack_bucket_days.clear();
    YAML::Node buckets = m.get("slack_bucket_days");
    for (const auto& [item, path] :
         detail::read_sequence(src, buckets, m.path("slack_bucket_days"))) {
      int days = static_cast<int>(
          detail::read_int(src, item, path, 0, kMaxDays, "a non-negative number of days"));
      if (!o.slack_bucket_days.empty() && days <= o.slack_bucket_days.back()) {
        src.expected(
            item, path,
            "more than the previous bucket's " + std::to_string(o.slack_bucket_days.back()));
      }
      o.slack_bucket_days.push_back(days);
    }
    if (o.slack_bucket_days.empty()) {
      src.expected(buckets, m.path("slack_bucket_days"), "at least one bucket edge");
    }
  }
  if (m.has("cost_models")) {
    o.cost_models.clear();
    for (const auto& [item, path] :
         detail::read_sequence(src, m.get("cost_models"), m.path("cost_models"))) {
      MapReader cm(src, item, path, kCostModelKeys);
      matching::CostModelSpec spec;
      YAML::Node name = cm.require("name");
      spec.name = detail::read_string(src, name, cm.path("name"));
      for (const auto& seen : o.cost_models) {
        if (seen.name == spec.name) src.fail(name, cm.path("name"), "cost model listed twice");
      }
      if (cm.has("weight")) {
        spec.weight = detail::read_double(src, cm.get("weight"), cm.path("weight"), 0, 1e9,
                                          "a non-negative weight");
      }
      o.cost_models.push_back(std::move(spec));
    }
  }
  if (m.has("round_interval_ms")) {
    o.round_interval_ms = static_cast<int>(
        detail::read_int(src, m.get("round_interval_ms"), m.path("round_interval_ms"), 1, 3'600'000,
                         "a positive number of milliseconds"));
  }
  if (m.has("max_round_cases")) {
    o.max_round_cases = static_cast<int>(
        detail::read_int(src, m.get("max_round_cases"), m.path("max_round_cases"), 0, 1'000'000'000,
                         "a non-negative integer (0 = no limit)"));
  }
  if (m.has("compact_graph")) {
    o.compact_graph =
        detail::read_bool(src, m.get("compact_graph"), m.path("compact_graph"));
  }
  return o;
}

BusinessCalendar read_calendar(const Source& src, const YAML::Node& node) {
  MapReader m(src, node, "calendar", kCalendarKeys);
  std::vector<Date> closures;
  for (const auto& [item, path] :
       detail::read_sequence(src, m.get("extra_closures"), m.path("extra_closures"))) {
    closures.push_back(detail::read_date(src, item, path));
  }
  return BusinessCalendar(std::move(closures));
}

/// Reads a file named in the top-level file; a missing file is reported at the naming line.
std::string read_referenced(const Source& src, const YAML::Node& node, std::string_view path,
                            const std::filesystem::path& file) {
  return detail::read_text_file(file, src.where(node, path));
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos || entry.substr(0, kPrefix.size()) != kPrefix) continue;
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

NationalConfig load_national_config(const std::filesystem::path& file, const Environment& env) {
  Source src(file.string());
  YAML::Node root = detail::parse_yaml(detail::read_text_file(file), src.file());
  apply_overrides(root, env, src);
  MapReader top(src, root, "", kTopKeys);
  std::filesystem::path dir = file.parent_path();
  auto resolve = [&](std::string_view key) {
    YAML::Node node = top.require(key);
    std::filesystem::path path = dir / detail::read_string(src, node, key);
    return std::pair{node, path};
  };

  NationalConfig config{.catalog = {},
                        .calendar = read_calendar(src, top.get("calendar")),
                        .scheduler = read_scheduler(src, top.get("scheduler")),
                        .officers = {},
                        .source = file};
  auto [centers_node, centers] = resolve("centers");
  detail::parse_centers(read_referenced(src, centers_node, "centers", centers), centers.string(),
                        config.catalog);
  auto [forms_node, forms] = resolve("forms");
  detail::parse_forms(read_referenced(src, forms_node, "forms", forms), forms.string(),
                      config.catalog);
  if (top.has("officers")) {
    auto [officers_node, officers] = resolve("officers");
    config.officers =
        detail::parse_roster(read_referenced(src, officers_node, "officers", officers), officers,
                             officers.string(), config.catalog);
  }
  return config;
}

}  // namespace docket::config
