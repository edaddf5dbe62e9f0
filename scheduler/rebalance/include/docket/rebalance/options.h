#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace docket::rebalance {

/// Tuning of national backlog rebalancing. Every field has a named default. Where the public
/// figures (../shared/data) are silent the default is an assumption, and the reason is given.
struct Options {
  /// LEMON's network simplex. The planning graph is small by the scheduler's standards, but at
  /// national scale (about 100 sites x 16 forms x 12 weeks: 12.7k nodes, 30k arcs) Boost's
  /// successive shortest paths needs one Dijkstra per augmenting path, about 0.7 s of CPU against
  /// LEMON's 13 ms (rebalance_benchmark), which would take the whole plan past its 1 s budget.
  /// "boost-ssp" and "boost-cycle-canceling" stay selectable (see make_solver()).
  static constexpr const char* DEFAULT_SOLVER = "lemon-network-simplex";
  /// Twelve weeks: a quarter, the period the agency plans staffing and workload transfers in.
  static constexpr int DEFAULT_HORIZON_WEEKS = 12;
  /// Assumption (no public figure): of a 40-hour week, about 30 hours go to adjudication; the
  /// rest is training, leave and non-case duties.
  static constexpr double DEFAULT_OFFICER_HOURS_PER_WEEK = 30.0;
  /// Cost of one case finishing one week past its deadline.
  static constexpr std::int64_t DEFAULT_LATENESS_COST = 100;
  /// Cost of moving one case (file shipping, transfer notice, a new officer reading in): a move
  /// pays only if it saves more than one and a half weeks of lateness.
  static constexpr std::int64_t DEFAULT_TRANSFER_COST = 150;
  /// No limit on how many cases one move (from, to, form) carries per planning week.
  static constexpr std::int64_t DEFAULT_MAX_CASES_PER_MOVE_WEEK = 0;
  /// What leaving a case at a drained center costs: far above any lateness within the horizon,
  /// so every case that may leave does.
  static constexpr std::int64_t DEFAULT_DRAIN_PENALTY = 1'000'000;
  /// Ages are kept to the week up to five years; older cases count as five years old.
  static constexpr int DEFAULT_MAX_AGE_WEEKS = 260;
  /// A plan older than this is refused by apply() (the backlog it was made for has moved on).
  static constexpr int DEFAULT_MAX_PLAN_AGE_SECONDS = 3600;
  /// Cases recorded in the apply journal per Redis call.
  static constexpr int DEFAULT_JOURNAL_BATCH = 100;

  /// Solver for the planning graph: one of solver_names() (planner.h).
  std::string solver = DEFAULT_SOLVER;
  /// Solve the same graph with an independent implementation too (LEMON's network simplex, or
  /// Boost's successive shortest paths when `solver` is LEMON) and fail (Error) if the optima
  /// differ. Off by default: it doubles the solve.
  bool cross_check = false;
  /// Planning weeks; a case may be served in any of them, or left beyond the horizon.
  int horizon_weeks = DEFAULT_HORIZON_WEEKS;
  /// Adjudication hours an officer present on the roster gives per week, shared equally by the
  /// forms they are certified for (at the form's minimum level) and their center adjudicates.
  /// Weekly capacity of (center, form) = sum of those shares / the form's effort_hours.
  /// An officer's concurrent-case capacity bounds their desk, not their weekly throughput, so it
  /// does not enter; away and offline officers give nothing.
  double officer_hours_per_week = DEFAULT_OFFICER_HOURS_PER_WEEK;
  std::int64_t lateness_cost = DEFAULT_LATENESS_COST;
  std::int64_t transfer_cost = DEFAULT_TRANSFER_COST;
  /// Most cases one move (from, to, form) may carry for each planning week of work at the
  /// destination (what a center can take in from one source in a week); 0 = no limit.
  std::int64_t max_cases_per_move_week = DEFAULT_MAX_CASES_PER_MOVE_WEEK;
  std::int64_t drain_penalty = DEFAULT_DRAIN_PENALTY;
  /// Centers being drained (codes): no capacity, and every case that may leave does.
  std::vector<std::string> drain_centers;
  int max_age_weeks = DEFAULT_MAX_AGE_WEEKS;
  int max_plan_age_seconds = DEFAULT_MAX_PLAN_AGE_SECONDS;
  int journal_batch = DEFAULT_JOURNAL_BATCH;
};

}  // namespace docket::rebalance
