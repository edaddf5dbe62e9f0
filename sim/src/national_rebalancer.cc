#include <algorithm>
#include <chrono>

#include "docket/core/error.h"
#include "docket/rebalance/planner.h"
#include "docket/sim/rebalancer.h"

namespace docket::sim {

NationalRebalancer::NationalRebalancer(rebalance::Options options) : options_(std::move(options)) {
  // Refuse bad options when the run is set up, not at the first plan a week into it.
  if (auto solver = rebalance::make_solver(options_.solver); !solver.ok())
    throw InvalidArgument(solver.error());
  if (options_.horizon_weeks < 1) {
    throw InvalidArgument("rebalance: horizon_weeks must be >= 1, got " +
                          std::to_string(options_.horizon_weeks));
  }
  if (!(options_.officer_hours_per_week >= 0))
    throw InvalidArgument("rebalance: officer_hours_per_week must be >= 0");
}

std::vector<Transfer> NationalRebalancer::plan(const matching::Matcher& matcher, TimePoint now) {
  if (matcher.clock().now() != now) {
    throw InvalidArgument("national rebalancer: asked to plan at " +
                          std::to_string(now.time_since_epoch().count()) +
                          " but the matcher's clock reads " +
                          std::to_string(matcher.clock().now().time_since_epoch().count()));
  }
  const auto started = std::chrono::steady_clock::now();
  const rebalance::Plan p = rebalance::plan(matcher, options_);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ++stats_.plans;
  stats_.seconds += seconds;
  stats_.max_seconds = std::max(stats_.max_seconds, seconds);
  stats_.max_graph_arcs = std::max(stats_.max_graph_arcs, static_cast<std::int64_t>(p.graph_arcs));

  const Catalog& catalog = matcher.catalog();
  std::vector<Transfer> out;
  out.reserve(static_cast<std::size_t>(p.moved));
  for (const rebalance::Move& m : p.moves) {
    const auto to = catalog.find_center(m.to);
    if (!to) throw Error("national rebalancer: the plan names an unknown center " + m.to);
    for (const std::string& r : m.receipts) {
      const auto receipt = ReceiptNumber::parse(r);
      if (!receipt) throw Error("national rebalancer: the plan names a bad receipt " + r);
      out.push_back({*receipt, *to});
    }
  }
  stats_.moved += static_cast<std::int64_t>(out.size());
  return out;
}

rebalance::Options national_rebalance_options(const Scenario& scenario,
                                              const BusinessCalendar& calendar) {
  // Business days per week over the simulated period (holidays included), so that a week of
  // planned capacity is what the officers present work in an average simulated week.
  const int span = std::max(7, scenario.days);
  int business = 0;
  for (int d = 0; d < span; ++d) {
    business +=
        calendar.is_business_day(Date{std::chrono::sys_days(scenario.start) + std::chrono::days(d)})
            ? 1
            : 0;
  }
  rebalance::Options o;
  o.officer_hours_per_week = scenario.shift.hours * scenario.shift.productive_share * 7.0 *
                             business / static_cast<double>(span);
  return o;
}

}  // namespace docket::sim
