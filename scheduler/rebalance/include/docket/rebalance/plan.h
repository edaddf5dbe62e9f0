#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/types.h"

namespace docket::rebalance {

/// Cases to move from one center to another, all of one form.
struct Move {
  std::string from;
  std::string to;
  std::string form;
  std::int64_t count = 0;
  /// The cases, earliest deadline first (receipt numbers).
  std::vector<std::string> receipts;
  /// Cases the destination serves in each planning week (from the flow), for explain.
  std::vector<std::int64_t> weekly;
  std::int64_t transfer_cost = 0;   ///< count x Options::transfer_cost.
  /// Lateness cost the move saves: the source's lateness reduction less the destination's
  /// increase, shared among the moves out of (into) each by their counts.
  std::int64_t lateness_saved = 0;
  std::string why;                  ///< One sentence for people.
};

/// Projection for one (center, form), before and after the plan: cases served earliest deadline
/// first at the center's weekly capacity over the horizon.
struct Outlook {
  std::string center;
  std::string form;
  std::int64_t backlog_before = 0;    ///< Queued now.
  std::int64_t backlog_after = 0;     ///< Queued once the moves are applied.
  std::int64_t remaining_before = 0;  ///< Still queued at the end of the horizon.
  std::int64_t remaining_after = 0;
  double weekly_capacity = 0;
  /// 80th percentile of processing time (receipt to decision), days, to the week. Cases still
  /// queued at the horizon count with the time they will have waited by then (a lower bound).
  double p80_days_before = 0;
  double p80_days_after = 0;
  /// Cases that finish after their deadline: served in a week later than the one their deadline
  /// falls in, or still queued at the horizon with a deadline inside it.
  std::int64_t misses_before = 0;
  std::int64_t misses_after = 0;
  std::int64_t late_weeks_before = 0;  ///< Sum over cases of weeks past the deadline.
  std::int64_t late_weeks_after = 0;
};

/// A rebalancing plan (a dry run until applied). Serializable; its id is a hash of its inputs
/// (the snapshot, the options and the moves), so the same state planned twice gives one id.
struct Plan {
  std::string id;
  std::string kind = "plan";  ///< "plan", or "drain" (drain_center).
  TimePoint created{};
  std::string solver;
  int horizon_weeks = 0;
  std::int64_t lateness_cost = 0;
  std::int64_t transfer_cost = 0;
  std::int64_t max_cases_per_move_week = 0;
  std::vector<std::string> drained;  ///< Centers drained by this plan.
  std::vector<Move> moves;
  std::vector<Outlook> outlook;      ///< Every (center, form) with a backlog or capacity.
  std::int64_t queued = 0;           ///< Cases queued when planned.
  std::int64_t moved = 0;            ///< Sum of the moves' counts.
  /// Cases of drained centers with nowhere to go (no center of their jurisdiction has officers
  /// for the form, or the form may not move).
  std::int64_t stranded = 0;
  std::int64_t objective = 0;        ///< The solver's minimum cost.
  std::int64_t cost_before = 0;      ///< The same cost with every case left where it is.
  std::size_t graph_nodes = 0;
  std::size_t graph_arcs = 0;
  double snapshot_seconds = 0;
  double solve_seconds = 0;
  double total_seconds = 0;
};

/// The plan as JSON (every field above).
std::string to_json(const Plan& plan);
/// Reads a plan written by to_json(). Throws InvalidArgument naming what is malformed (not JSON,
/// a missing or mistyped field, a count that disagrees with the receipts, a bad receipt number).
Plan from_json(std::string_view json);

/// A table for people: the moves, then the projection per center and form (rows that change,
/// or all with `all_rows`).
std::string render_table(const Plan& plan, bool all_rows = false);

/// Why each move is in the plan and what it costs, one paragraph per move.
std::string explain(const Plan& plan);

}  // namespace docket::rebalance
