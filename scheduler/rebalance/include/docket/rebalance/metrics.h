#pragma once

#include <array>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace docket::rebalance {

/// Metrics of rebalancing, registered once per process and handed to plan(), apply() and the
/// drains. Labels carry centers and forms, never a case or an officer (design.md, invariant 5).
struct RebalanceMetrics {
  enum class Kind : std::uint8_t { kPlan, kApply, kDrain };
  explicit RebalanceMetrics(prometheus::Registry& registry);

  /// Counts one run of `kind`, ok or not.
  void run(Kind kind, bool ok);
  /// Counts cases moved from one center to another.
  void moved(std::string_view from, std::string_view to, std::string_view form, double n);

  /// docket_rebalance_runs_total{kind="plan|apply|drain",result="ok|error"}: rebalancing runs.
  /// A resume counts as an apply; an error is a refused plan or a Redis failure.
  std::array<std::array<prometheus::Counter*, 2>, 3> runs{};
  /// docket_rebalance_cases_moved_total{from_center,to_center,form}: cases moved by applied
  /// plans and drains (one per case, however many times its apply was resumed in this process).
  prometheus::Family<prometheus::Counter>* cases_moved;
  /// docket_rebalance_plan_seconds: time to plan, from the live index to the finished plan.
  prometheus::Histogram* plan_seconds;
};

}  // namespace docket::rebalance
