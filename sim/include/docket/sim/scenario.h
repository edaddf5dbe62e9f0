#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "docket/core/types.h"
#include "docket/workload/arrivals.h"
#include "docket/workload/generator.h"

namespace docket::sim {

/// Officers' working time. No public figure exists for any of these; each default says why it
/// was taken.
struct ShiftOptions {
  /// Federal offices open at 8:00 local time (a common core-hours start).
  static constexpr int DEFAULT_START_HOUR = 8;
  /// An eight-hour federal workday.
  static constexpr int DEFAULT_HOURS = 8;
  /// Share of the workday spent adjudicating: the rest goes to training, meetings, mail and
  /// systems; three quarters is taken as a round middle value.
  static constexpr double DEFAULT_PRODUCTIVE_SHARE = 0.75;
  /// Share of business days an officer is on leave: about 22 of 250 days, between the 13 and
  /// 26 days of annual leave federal employees earn, plus some sick leave.
  static constexpr double DEFAULT_LEAVE_SHARE = 0.09;

  int start_hour = DEFAULT_START_HOUR;
  int hours = DEFAULT_HOURS;
  double productive_share = DEFAULT_PRODUCTIVE_SHARE;
  double leave_share = DEFAULT_LEAVE_SHARE;
};

/// Requests for evidence. The share of cases that get one is per form (FormPolicy::rfe_rate).
struct RfeOptions {
  /// Applicants may take up to 12 weeks to answer (8 CFR 103.2(b)(8)), plus mailing: 87 days.
  static constexpr int DEFAULT_RESPONSE_DAYS_MAX = 87;
  /// No public distribution of response times: most answer well before the limit; two weeks is
  /// taken as the quickest, and responses are uniform in between.
  static constexpr int DEFAULT_RESPONSE_DAYS_MIN = 14;
  /// No public figure: re-reviewing an answered RFE takes the officer who wrote it half the
  /// original effort, because they know the file.
  static constexpr double DEFAULT_SAME_OFFICER_EFFORT_SHARE = 0.5;
  /// No public figure: another officer must read the file anew, so the full effort again.
  static constexpr double DEFAULT_OTHER_OFFICER_EFFORT_SHARE = 1.0;

  int response_days_min = DEFAULT_RESPONSE_DAYS_MIN;
  int response_days_max = DEFAULT_RESPONSE_DAYS_MAX;
  double same_officer_effort_share = DEFAULT_SAME_OFFICER_EFFORT_SHARE;
  double other_officer_effort_share = DEFAULT_OTHER_OFFICER_EFFORT_SHARE;
};

/// A what-if scenario: which configuration, how big, for how long, and every assumption the
/// simulator makes where ../shared/data is silent. Loaded from YAML (sim/scenarios/*.yaml).
struct Scenario {
  /// FY2024 all-forms receipts (S2), the national total the receipt mix is scaled to.
  static constexpr std::int64_t DEFAULT_ANNUAL_RECEIPTS = 12'938'465;
  /// Pending on 2024-09-30, all forms (S2), the national backlog at the start.
  static constexpr std::int64_t DEFAULT_BACKLOG = 9'474'182;
  /// No figure on completions or staffing per form: officers whose productive hours just cover
  /// the year's expected effort keep the backlog flat on average, the neutral case.
  static constexpr double DEFAULT_STAFFING_RATIO = 1.0;
  /// One round per simulated hour: officers hold at least 4 cases and the shortest effort is
  /// 0.4 h, so a desk never runs dry between rounds.
  static constexpr int DEFAULT_ROUND_MINUTES = 60;
  /// Efforts are gamma distributed around the form's mean with this shape (coefficient of
  /// variation 1/sqrt(2)); no public figure on the spread exists.
  static constexpr int DEFAULT_EFFORT_SHAPE = 2;
  /// A QA review re-reads a decided file: a quarter of the form's effort (no public figure).
  static constexpr double DEFAULT_QA_EFFORT_SHARE = 0.25;
  /// For forms whose approval share is blank: the mean of the seven published shares.
  static constexpr double DEFAULT_APPROVAL_SHARE = 0.925;
  static constexpr int DEFAULT_REBALANCE_INTERVAL_DAYS = 7;
  /// A case moved between centers is unavailable while its file travels (no public figure).
  static constexpr int DEFAULT_TRANSFER_DAYS = 2;

  std::filesystem::path config;   ///< The national configuration (docket.yaml).
  Date start{std::chrono::year{2025} / 10 / 1};
  int days = 365;
  double scale = 1.0;             ///< Receipts, backlog and roster are multiplied by this.
  std::uint64_t seed = 1;
  std::int64_t annual_receipts = DEFAULT_ANNUAL_RECEIPTS;
  std::int64_t backlog = DEFAULT_BACKLOG;
  double staffing_ratio = DEFAULT_STAFFING_RATIO;
  std::int64_t officers = 0;      ///< Roster size at scale 1; 0 = from staffing_ratio.
  int round_minutes = DEFAULT_ROUND_MINUTES;
  int effort_shape = DEFAULT_EFFORT_SHAPE;
  double qa_effort_share = DEFAULT_QA_EFFORT_SHARE;
  double default_approval_share = DEFAULT_APPROVAL_SHARE;
  int rebalance_interval_days = DEFAULT_REBALANCE_INTERVAL_DAYS;
  int transfer_days = DEFAULT_TRANSFER_DAYS;
  ShiftOptions shift;
  RfeOptions rfe;
  workload::MonthlySwingOptions swing;
  workload::GeneratorOptions generator;
};

/// Reads a scenario file; `config` is resolved relative to the file. Throws ConfigError naming
/// the file and key for a missing file, an unknown key or a value out of range.
Scenario load_scenario(const std::filesystem::path& file);

/// Checks a scenario's values (also after command-line overrides). Throws ConfigError.
void validate(const Scenario& s);

}  // namespace docket::sim
