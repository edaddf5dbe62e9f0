#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "docket/matching/matcher.h"

namespace docket::sim {

/// One queued case to move to another center (a whole-workload transfer, receipt unchanged).
struct Transfer {
  ReceiptNumber receipt;
  CenterId to = kNoCenter;
};

/// National rebalancing as the simulator sees it: called periodically with the matcher's state,
/// it names queued cases to move between centers. The simulator withdraws each case
/// (TRANSFERRED), holds it while its file travels and queues it at the destination; a move the
/// hard rules forbid (an interview form, a form that is not transferable, a destination that
/// does not adjudicate the form, a case not queued) is refused and counted.
///
/// The planner of scheduler/rebalance plugs in through an adapter implementing this interface
/// (see docs/simulation.md).
class Rebalancer {
 public:
  virtual ~Rebalancer() = default;
  virtual std::string_view name() const = 0;
  /// Plans moves at `now`; must not change the matcher.
  virtual std::vector<Transfer> plan(const matching::Matcher& matcher, TimePoint now) = 0;
};

/// The simulator's own simple planner, used until the national planner is available.
struct LoadRebalancerOptions {
  /// Centers whose queued work per officer-hour is within this share of the national mean for
  /// the form are left alone, so cases do not shuttle back and forth over small differences.
  static constexpr double DEFAULT_TOLERANCE = 0.15;
  /// At most this share of a form's queue at a center moves in one call, because a transfer
  /// costs transit days and moving a whole queue at once overshoots.
  static constexpr double DEFAULT_MAX_SHARE_PER_CALL = 0.10;

  double tolerance = DEFAULT_TOLERANCE;
  double max_share_per_call = DEFAULT_MAX_SHARE_PER_CALL;
};

/// Equalizes, per transferable form that needs no interview, the queued work (cases x the form's
/// effort) per officer certified for the form at the required level (an officer's time split
/// evenly over their certifications), between the centers allowed to adjudicate the form. It
/// moves the earliest-deadline cases of the most loaded centers to the least loaded ones.
/// Cases waiting for a particular officer (after an RFE) or for QA review stay put.
std::unique_ptr<Rebalancer> make_load_rebalancer(LoadRebalancerOptions options = {});

}  // namespace docket::sim
