#include "docket/sim/scenario.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>

#include "docket/core/error.h"

namespace docket::sim {
namespace {

class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& what) const {
    std::string where = file_.string();
    if (n.IsDefined() && n.Mark().line >= 0) where += ":" + std::to_string(n.Mark().line + 1);
    throw ConfigError(where + ": " + key + ": " + what);
  }

  template <typename T>
  T as(const YAML::Node& n, const std::string& key, const char* expected) const {
    try {
      return n.as<T>();
    } catch (const YAML::Exception&) {
      fail(n, key, std::string("expected ") + expected + ", got '" +
                       (n.IsScalar() ? n.Scalar() : std::string("a non-scalar")) + "'");
    }
  }

  // Calls handler(key, value) for each entry; an entry not in `known` is an error.
  void each(const YAML::Node& map, const std::string& prefix, const std::set<std::string>& known,
            const std::function<void(const std::string&, const YAML::Node&)>& handler) const {
    if (!map.IsMap()) fail(map, prefix.empty() ? "(top level)" : prefix, "expected a mapping");
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      const std::string full = prefix.empty() ? key : prefix + "." + key;
      if (known.count(key) == 0) fail(kv.first, full, "unknown key");
      handler(full, kv.second);
    }
  }

 private:
  std::filesystem::path file_;
};

}  // namespace

void validate(const Scenario& s) {
  auto bad = [](const std::string& key, const std::string& what) {
    throw ConfigError("scenario: " + key + ": " + what);
  };
  if (!s.start.ok()) bad("start", "not a valid date");
  if (s.days < 1 || s.days > 3660) bad("days", "expected 1-3660, got " + std::to_string(s.days));
  if (!(s.scale > 0 && s.scale <= 10)) bad("scale", "expected a number in (0, 10]");
  if (s.annual_receipts < 0) bad("annual_receipts", "expected >= 0");
  if (s.backlog < 0) bad("backlog", "expected >= 0");
  if (!(s.staffing_ratio > 0)) bad("staffing_ratio", "expected > 0");
  if (s.officers < 0) bad("officers", "expected >= 0");
  if (s.round_minutes < 15 || s.round_minutes > 24 * 60 || 24 * 60 % s.round_minutes != 0 ||
      (s.round_minutes % 60 != 0 && 60 % s.round_minutes != 0)) {
    bad("round_minutes", "expected 15, 20, 30, 60, 120, 180, 240, 360, 480, 720 or 1440, got " +
                             std::to_string(s.round_minutes));
  }
  if (s.effort_shape < 1 || s.effort_shape > 16) bad("effort_shape", "expected 1-16");
  if (!(s.qa_effort_share > 0 && s.qa_effort_share <= 2)) bad("qa_effort_share", "expected (0, 2]");
  if (!(s.default_approval_share >= 0 && s.default_approval_share <= 1)) {
    bad("default_approval_share", "expected 0-1");
  }
  if (s.rebalance_interval_days < 1) bad("rebalance_interval_days", "expected >= 1");
  if (s.transfer_days < 0) bad("transfer_days", "expected >= 0");
  if (s.shift.start_hour < 0 || s.shift.hours < 1 || s.shift.start_hour + s.shift.hours > 24) {
    bad("shift", "start_hour + hours must lie within one day");
  }
  if (!(s.shift.productive_share > 0 && s.shift.productive_share <= 1)) {
    bad("shift.productive_share", "expected (0, 1]");
  }
  if (!(s.shift.leave_share >= 0 && s.shift.leave_share < 1)) bad("shift.leave_share", "expected [0, 1)");
  if (s.rfe.response_days_min < 0 || s.rfe.response_days_max < s.rfe.response_days_min) {
    bad("rfe", "expected 0 <= response_days_min <= response_days_max");
  }
  if (!(s.rfe.same_officer_effort_share > 0) || !(s.rfe.other_officer_effort_share > 0)) {
    bad("rfe", "effort shares must be > 0");
  }
}

Scenario load_scenario(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw ConfigError(file.string() + ": cannot read the scenario file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Reader r(file);
  Scenario s;
  bool have_config = false;
  auto share = [&](const YAML::Node& n, const std::string& key) {
    const double v = r.as<double>(n, key, "a share between 0 and 1");
    if (!(v >= 0 && v <= 1)) r.fail(n, key, "expected a share between 0 and 1");
    return v;
  };
  auto counts = [&](const YAML::Node& n, const std::string& key, std::map<std::string, std::int64_t>& out) {
    if (!n.IsMap()) r.fail(n, key, "expected a mapping of form code to count");
    for (const auto& kv : n) {
      out[kv.first.as<std::string>()] =
          r.as<std::int64_t>(kv.second, key + "." + kv.first.as<std::string>(), "an integer");
    }
  };
  r.each(root, "",
         {"config", "start", "days", "scale", "seed", "annual_receipts", "backlog",
          "staffing_ratio", "officers", "round_minutes", "effort_shape", "qa_effort_share",
          "default_approval_share", "rebalance_interval_days", "transfer_days", "shift", "rfe",
          "monthly_swing", "generator"},
         [&](const std::string& key, const YAML::Node& v) {
           if (key == "config") {
             s.config = file.parent_path() / r.as<std::string>(v, key, "a path");
             have_config = true;
           } else if (key == "start") {
             const auto d = parse_date(r.as<std::string>(v, key, "a date"));
             if (!d) r.fail(v, key, "expected YYYY-MM-DD, a real day");
             s.start = *d;
           } else if (key == "days") {
             s.days = r.as<int>(v, key, "an integer");
           } else if (key == "scale") {
             s.scale = r.as<double>(v, key, "a number");
           } else if (key == "seed") {
             s.seed = r.as<std::uint64_t>(v, key, "a non-negative integer");
           } else if (key == "annual_receipts") {
             s.annual_receipts = r.as<std::int64_t>(v, key, "an integer");
           } else if (key == "backlog") {
             s.backlog = r.as<std::int64_t>(v, key, "an integer");
           } else if (key == "staffing_ratio") {
             s.staffing_ratio = r.as<double>(v, key, "a number");
           } else if (key == "officers") {
             s.officers = r.as<std::int64_t>(v, key, "an integer");
           } else if (key == "round_minutes") {
             s.round_minutes = r.as<int>(v, key, "an integer");
           } else if (key == "effort_shape") {
             s.effort_shape = r.as<int>(v, key, "an integer");
           } else if (key == "qa_effort_share") {
             s.qa_effort_share = r.as<double>(v, key, "a number");
           } else if (key == "default_approval_share") {
             s.default_approval_share = share(v, key);
           } else if (key == "rebalance_interval_days") {
             s.rebalance_interval_days = r.as<int>(v, key, "an integer");
           } else if (key == "transfer_days") {
             s.transfer_days = r.as<int>(v, key, "an integer");
           } else if (key == "shift") {
             r.each(v, key, {"start_hour", "hours", "productive_share", "leave_share"},
                    [&](const std::string& k, const YAML::Node& x) {
                      if (k == "shift.start_hour") s.shift.start_hour = r.as<int>(x, k, "an integer");
                      if (k == "shift.hours") s.shift.hours = r.as<int>(x, k, "an integer");
                      if (k == "shift.productive_share") s.shift.productive_share = share(x, k);
                      if (k == "shift.leave_share") s.shift.leave_share = share(x, k);
                    });
           } else if (key == "rfe") {
             r.each(v, key,
                    {"response_days_min", "response_days_max", "same_officer_effort_share",
                     "other_officer_effort_share"},
                    [&](const std::string& k, const YAML::Node& x) {
                      if (k == "rfe.response_days_min") s.rfe.response_days_min = r.as<int>(x, k, "an integer");
                      if (k == "rfe.response_days_max") s.rfe.response_days_max = r.as<int>(x, k, "an integer");
                      if (k == "rfe.same_officer_effort_share") {
                        s.rfe.same_officer_effort_share = r.as<double>(x, k, "a number");
                      }
                      if (k == "rfe.other_officer_effort_share") {
                        s.rfe.other_officer_effort_share = r.as<double>(x, k, "a number");
                      }
                    });
           } else if (key == "monthly_swing") {
             r.each(v, key, {"min_factor", "max_factor"}, [&](const std::string& k, const YAML::Node& x) {
               if (k == "monthly_swing.min_factor") s.swing.min_factor = r.as<double>(x, k, "a number");
               if (k == "monthly_swing.max_factor") s.swing.max_factor = r.as<double>(x, k, "a number");
             });
           } else if (key == "generator") {
             auto& g = s.generator;
             r.each(v, key,
                    {"premium_share", "expedite_share", "litigation_share", "language_share",
                     "controlled_share", "default_median_months", "assumed_receipts", "assumed_pending"},
                    [&](const std::string& k, const YAML::Node& x) {
                      if (k == "generator.premium_share") g.premium_share = share(x, k);
                      if (k == "generator.expedite_share") g.expedite_share = share(x, k);
                      if (k == "generator.litigation_share") g.litigation_share = share(x, k);
                      if (k == "generator.language_share") g.language_share = share(x, k);
                      if (k == "generator.controlled_share") g.controlled_share = share(x, k);
                      if (k == "generator.default_median_months") {
                        g.default_median_months = r.as<double>(x, k, "a number");
                        if (!(g.default_median_months > 0)) r.fail(x, k, "expected > 0");
                      }
                      if (k == "generator.assumed_receipts") counts(x, k, g.assumed_receipts);
                      if (k == "generator.assumed_pending") counts(x, k, g.assumed_pending);
                    });
           }
         });
  if (!have_config) throw ConfigError(file.string() + ": config: missing (path to docket.yaml)");
  validate(s);
  return s;
}

}  // namespace docket::sim
