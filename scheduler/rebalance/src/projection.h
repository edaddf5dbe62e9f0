#pragma once

#include <cstdint>
#include <vector>

namespace docket::rebalance::detail {

/// Cases of one (center, form) by due week and age, as Cell::ages lays them out.
struct Pool {
  std::vector<std::int64_t> counts;  ///< counts[u * ages + a]
};

/// What serving a pool earliest deadline first at a weekly rate gives over the horizon.
struct Projection {
  std::int64_t backlog = 0;
  std::int64_t remaining = 0;
  std::int64_t misses = 0;
  std::int64_t late_weeks = 0;
  double p80_days = 0;
};

/// Serves `pool` (dues = horizon + 2 due weeks, `ages` age bins) at `rate` cases a week for
/// `horizon` weeks, earliest due week first; within a due week every age is served in proportion.
/// Lateness counts as the planning graph does: a case due in week k (overdue: 0) served in week
/// w is max(0, w - k) weeks late, and one still queued at the horizon max(0, H - k).
Projection project(const Pool& pool, std::size_t ages, int horizon, double rate);

/// Whole cases decided in week w at `rate` a week (fractions carry over between weeks).
std::int64_t weekly_cases(double rate, int w);

}  // namespace docket::rebalance::detail
