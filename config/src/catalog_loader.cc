#include <algorithm>
#include <exception>

#include "docket/config/config.h"
#include "docket/core/calendar.h"
#include "loaders.h"
#include "text.h"

namespace docket::config {
namespace detail {
namespace {

constexpr std::string_view kCenterKeys[] = {"code",     "name",     "kind",
                                            "timezone", "district", "receipt_prefixes"};
constexpr std::string_view kFormKeys[] = {"code",
                                          "description",
                                          "skill",
                                          "min_level",
                                          "goal_days",
                                          "expedite_goal_days",
                                          "premium_business_days",
                                          "litigation_buffer_business_days",
                                          "rfe_clock",
                                          "interview",
                                          "transferable",
                                          "qa_sample_rate",
                                          "effort_hours",
                                          "rfe_rate",
                                          "centers",
                                          "relaxation",
                                          "calibration"};
constexpr std::string_view kCalibrationKeys[] = {"annual_receipts", "pending", "median_months",
                                                 "approval_share"};
constexpr std::string_view kRelaxationKeys[] = {"slack_days", "levels"};
constexpr std::int64_t kMaxDays = 36500;

ReceiptNumber::Prefix read_prefix(const Source& src, const YAML::Node& node,
                                  std::string_view path) {
  std::vector<std::string> names;
  for (int i = 0; i < ReceiptNumber::kPrefixCount; ++i) {
    names.emplace_back(ReceiptNumber::prefix_text(static_cast<ReceiptNumber::Prefix>(i)));
  }
  return read_enum<ReceiptNumber::Prefix>(
      src, node, path,
      [](std::string_view s) -> std::optional<ReceiptNumber::Prefix> {
        for (int i = 0; i < ReceiptNumber::kPrefixCount; ++i) {
          auto p = static_cast<ReceiptNumber::Prefix>(i);
          if (ReceiptNumber::prefix_text(p) == s) return p;
        }
        return std::nullopt;
      },
      names);
}

std::string known_centers(const Catalog& catalog) {
  std::vector<std::string> codes;
  for (const auto& c : catalog.centers()) codes.push_back(c.code);
  return codes.empty() ? "none are configured" : "known: " + join(codes);
}

void read_center(const Source& src, const YAML::Node& node, const std::string& path,
                 Catalog& catalog) {
  MapReader m(src, node, path, kCenterKeys);
  Center c;
  YAML::Node code = m.require("code");
  c.code = read_string(src, code, m.path("code"));
  if (catalog.find_center(c.code)) src.fail(code, m.path("code"), "duplicate center code");
  c.name = read_string(src, m.require("name"), m.path("name"));
  c.kind = read_enum<CenterKind>(src, m.require("kind"), m.path("kind"), parse_center_kind,
                                 enum_names<CenterKind>(4));
  YAML::Node tz = m.require("timezone");
  c.timezone = read_string(src, tz, m.path("timezone"));
  try {
    validate_timezone(c.timezone);
  } catch (const std::exception&) {
    src.expected(tz, m.path("timezone"), "an IANA time zone name such as America/New_York");
  }
  // Interview cases never leave their district, so an office that interviews must have one.
  bool interviews = c.kind == CenterKind::kFieldOffice || c.kind == CenterKind::kAsylumOffice;
  if (interviews || m.has("district")) {
    c.district = read_string(src, interviews ? m.require("district") : m.get("district"),
                             m.path("district"));
  }
  YAML::Node prefixes = m.get("receipt_prefixes");
  for (const auto& [item, item_path] : read_sequence(src, prefixes, m.path("receipt_prefixes"))) {
    auto p = read_prefix(src, item, item_path);
    if (auto owner = catalog.center_for_prefix(p)) {
      src.fail(item, item_path, "receipt prefix already claimed by " + catalog.center(*owner).code);
    }
    if (std::find(c.receipt_prefixes.begin(), c.receipt_prefixes.end(), p) !=
        c.receipt_prefixes.end()) {
      src.fail(item, item_path, "receipt prefix listed twice");
    }
    c.receipt_prefixes.push_back(p);
  }
  catalog.add_center(std::move(c));
}

void read_calibration(const Source& src, const YAML::Node& node, const std::string& path,
                      FormPolicy& f) {
  MapReader m(src, node, path, kCalibrationKeys);
  constexpr std::int64_t kMaxCount = 1'000'000'000'000;
  if (m.has("annual_receipts")) {
    f.annual_receipts = read_int(src, m.get("annual_receipts"), m.path("annual_receipts"), 0,
                                 kMaxCount, "a non-negative integer");
  }
  if (m.has("pending")) {
    f.pending =
        read_int(src, m.get("pending"), m.path("pending"), 0, kMaxCount, "a non-negative integer");
  }
  if (m.has("median_months")) {
    f.median_months = read_double(src, m.get("median_months"), m.path("median_months"), 0, 1200,
                                  "a non-negative number of months");
  }
  if (m.has("approval_share")) {
    f.approval_share = read_double(src, m.get("approval_share"), m.path("approval_share"), 0, 1,
                                   "a share from 0 to 1");
  }
}

void read_form(const Source& src, const YAML::Node& node, const std::string& path,
               Catalog& catalog) {
  MapReader m(src, node, path, kFormKeys);
  FormPolicy f;
  YAML::Node code = m.require("code");
  f.code = read_string(src, code, m.path("code"));
  if (catalog.find_form(f.code)) src.fail(code, m.path("code"), "duplicate form code");
  f.description = read_string(src, m.require("description"), m.path("description"));
  f.skill = catalog.intern_skill(read_string(src, m.require("skill"), m.path("skill")));
  f.min_level =
      static_cast<int>(read_int(src, m.require("min_level"), m.path("min_level"), kMinSkillLevel,
                                kMaxSkillLevel, "a skill level from 1 to 5"));
  f.goal_days = static_cast<int>(read_int(src, m.require("goal_days"), m.path("goal_days"), 0,
                                          kMaxDays, "a non-negative integer"));
  if (m.has("expedite_goal_days")) {
    YAML::Node n = m.get("expedite_goal_days");
    f.expedite_goal_days = static_cast<int>(
        read_int(src, n, m.path("expedite_goal_days"), 0, kMaxDays, "a non-negative integer"));
    if (f.goal_days > 0 && f.expedite_goal_days > f.goal_days) {
      src.expected(n, m.path("expedite_goal_days"),
                   "at most goal_days (" + std::to_string(f.goal_days) + ")");
    }
  }
  if (m.has("premium_business_days")) {
    f.premium_business_days = static_cast<int>(
        read_int(src, m.get("premium_business_days"), m.path("premium_business_days"), 1, kMaxDays,
                 "a positive number of business days"));
  }
  if (m.has("litigation_buffer_business_days")) {
    f.litigation_buffer_business_days = static_cast<int>(
        read_int(src, m.get("litigation_buffer_business_days"),
                 m.path("litigation_buffer_business_days"), 0, kMaxDays, "a non-negative integer"));
  }
  if (m.has("rfe_clock")) {
    f.rfe_clock = read_enum<RfeClockRule>(src, m.get("rfe_clock"), m.path("rfe_clock"),
                                          [](std::string_view s) -> std::optional<RfeClockRule> {
                                            if (s == "restart") return RfeClockRule::kRestart;
                                            if (s == "resume") return RfeClockRule::kResume;
                                            return std::nullopt;
                                          },
                                          {"restart", "resume"});
  }
  f.interview = read_bool(src, m.require("interview"), m.path("interview"));
  if (m.has("transferable")) {
    f.transferable = read_bool(src, m.get("transferable"), m.path("transferable"));
  }
  f.qa_sample_rate = read_double(src, m.require("qa_sample_rate"), m.path("qa_sample_rate"), 0, 1,
                                 "a share from 0 to 1");
  f.effort_hours = read_double(src, m.require("effort_hours"), m.path("effort_hours"), 0, 1000,
                               "a positive number of hours", /*min_exclusive=*/true);
  f.rfe_rate =
      read_double(src, m.require("rfe_rate"), m.path("rfe_rate"), 0, 1, "a share from 0 to 1");
  for (const auto& [item, item_path] : read_sequence(src, m.get("centers"), m.path("centers"))) {
    std::string center = read_string(src, item, item_path);
    auto id = catalog.find_center(center);
    if (!id)
      src.fail(item, item_path,
               "unknown center " + quote(center) + " (" + known_centers(catalog) + ")");
    if (std::find(f.centers.begin(), f.centers.end(), *id) != f.centers.end()) {
      src.fail(item, item_path, "center " + quote(center) + " listed twice");
    }
    f.centers.push_back(*id);
  }
  f.relaxation = read_relaxation(src, m.get("relaxation"), m.path("relaxation"));
  read_calibration(src, m.get("calibration"), m.path("calibration"), f);
  catalog.add_form(std::move(f));
}

}  // namespace

std::vector<SkillRelaxation> read_relaxation(const Source& src, const YAML::Node& node,
                                             std::string_view path) {
  std::vector<SkillRelaxation> ladder;
  for (const auto& [item, item_path] : read_sequence(src, node, path)) {
    MapReader m(src, item, item_path, kRelaxationKeys);
    SkillRelaxation step;
    YAML::Node slack = m.require("slack_days");
    step.slack_days = static_cast<int>(
        read_int(src, slack, m.path("slack_days"), 0, kMaxDays, "a non-negative integer"));
    step.levels = static_cast<int>(read_int(src, m.require("levels"), m.path("levels"), 1,
                                            kMaxSkillLevel - kMinSkillLevel,
                                            "a number of levels from 1 to 4"));
    // Steps apply as slack shrinks, so each must be tighter than the one before it.
    if (!ladder.empty() && step.slack_days >= ladder.back().slack_days) {
      src.expected(slack, m.path("slack_days"),
                   "less than the previous step's " + std::to_string(ladder.back().slack_days));
    }
    ladder.push_back(step);
  }
  return ladder;
}

void parse_centers(std::string_view text, const std::string& name, Catalog& catalog) {
  Source src(name);
  YAML::Node root = parse_yaml(text, name);
  static constexpr std::string_view kTop[] = {"centers"};
  MapReader top(src, root, "", kTop);
  auto items = read_sequence(src, top.require("centers"), "centers");
  for (const auto& [item, path] : items) read_center(src, item, path, catalog);
}

void parse_forms(std::string_view text, const std::string& name, Catalog& catalog) {
  Source src(name);
  YAML::Node root = parse_yaml(text, name);
  static constexpr std::string_view kTop[] = {"forms"};
  MapReader top(src, root, "", kTop);
  auto items = read_sequence(src, top.require("forms"), "forms");
  for (const auto& [item, path] : items) read_form(src, item, path, catalog);
}

}  // namespace detail

void load_centers(const std::filesystem::path& file, Catalog& catalog) {
  detail::parse_centers(detail::read_text_file(file), file.string(), catalog);
}

void load_forms(const std::filesystem::path& file, Catalog& catalog) {
  detail::parse_forms(detail::read_text_file(file), file.string(), catalog);
}

}  // namespace docket::config
