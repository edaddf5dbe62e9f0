#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "docket/core/calendar.h"
#include "docket/matching/matcher.h"
#include "docket/rebalance/options.h"
#include "docket/sim/scenario.h"

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
class Rebalancer {
 public:
  virtual ~Rebalancer() = default;
  virtual std::string_view name() const = 0;
  /// Plans moves at `now`; must not change the matcher.
  virtual std::vector<Transfer> plan(const matching::Matcher& matcher, TimePoint now) = 0;
};

/// What the national planner cost over a run.
struct NationalRebalancerStats {
  std::int64_t plans = 0;
  std::int64_t moved = 0;  ///< Cases the plans moved (before the simulator's checks).
  double seconds = 0;      ///< Wall seconds in rebalance::plan(), summed.
  double max_seconds = 0;  ///< The slowest plan.
  std::int64_t max_graph_arcs = 0;
};

/// The scheduler's own national planner (scheduler/rebalance, `rebalance::plan`) behind the
/// simulator's interface: each call plans at the matcher's clock with `options` and turns the
/// plan's moves (receipt numbers and center codes) into Transfers. The planner counts the weekly
/// capacity of the officers present when it runs, so the simulator calls it while every center is
/// in its working hours. The plan is not applied with rebalance::apply (there is no store): the
/// simulator withdraws, carries and queues the cases itself.
class NationalRebalancer final : public Rebalancer {
 public:
  /// Throws InvalidArgument for options the planner refuses (an unknown solver, a horizon < 1).
  explicit NationalRebalancer(rebalance::Options options);
  std::string_view name() const override { return "national"; }
  /// Throws InvalidArgument if `now` is not the matcher's clock (the planner plans at the
  /// matcher's clock, and a plan for another time would misplace every deadline), and what
  /// rebalance::plan() throws.
  std::vector<Transfer> plan(const matching::Matcher& matcher, TimePoint now) override;
  const NationalRebalancerStats& stats() const { return stats_; }
  const rebalance::Options& options() const { return options_; }

 private:
  rebalance::Options options_;
  NationalRebalancerStats stats_;
};

/// The planner's options for a scenario's officers: rebalance::Options defaults, except the
/// adjudication hours an officer present gives per week, which are the simulator's own (the
/// productive share of a shift, times the business days of an average week of the simulated
/// period). The planner counts only officers present when it runs, so leave is not taken off
/// again.
rebalance::Options national_rebalance_options(const Scenario& scenario,
                                              const BusinessCalendar& calendar);

}  // namespace docket::sim
