#pragma once

#include <cstdint>
#include <vector>

#include "docket/core/types.h"
#include "docket/matching/matcher.h"
#include "docket/rebalance/options.h"

namespace docket::rebalance {

/// The queued cases of one center and form that share a jurisdiction: for an interview form,
/// the applicant's field office (matching::home_office), whose district they may not leave; for
/// any other form, the center itself.
struct Cell {
  CenterId center = kNoCenter;
  FormId form = 0;
  CenterId home = kNoCenter;
  std::int64_t queued = 0;
  /// Cases by due week: [0] overdue, [k + 1] due in planning week k, [H + 1] beyond the horizon.
  std::vector<std::int64_t> due;
  /// Cases by due week (as `due`) and age in whole weeks: ages[u * (max_age_weeks + 1) + a].
  std::vector<std::uint32_t> ages;
};

/// What rebalancing plans from: the backlog, aggregated, and the weekly capacity, both per
/// (center, form). Taken in one pass over the matcher's index; holds no case.
struct Snapshot {
  TimePoint at{};
  int horizon_weeks = 0;
  int max_age_weeks = 0;
  std::size_t centers = 0;
  std::size_t forms = 0;
  std::size_t queued = 0;
  std::vector<Cell> cells;  ///< Sorted by (center, form, home).
  /// Cases (center, form) can decide per week: capacity[center * forms + form].
  std::vector<double> capacity;
  /// Present officers certified for (center, form), same layout as capacity.
  std::vector<std::int32_t> officers;
  /// A hash of everything above: equal snapshots, equal fingerprints.
  std::uint64_t fingerprint = 0;

  double weekly_capacity(CenterId c, FormId f) const { return capacity[c * forms + f]; }
  std::int32_t certified(CenterId c, FormId f) const { return officers[c * forms + f]; }
};

/// Aggregates the matcher's queued cases and present officers at the matcher's clock (see
/// Options::officer_hours_per_week for how capacity is counted). One pass over the index's
/// class queues, reading only their 24-byte entries (and a case's record only when its class
/// holds stale entries). Throws InvalidArgument for horizon_weeks < 1, max_age_weeks < 1 or
/// officer_hours_per_week < 0.
Snapshot snapshot(const matching::Matcher& matcher, const Options& options);

}  // namespace docket::rebalance
