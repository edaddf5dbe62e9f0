#pragma once

#include <array>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace docket::matching {

struct RoundPlan;

/// Metrics of the assignment rounds, registered once per process and handed to the Matcher.
struct MatcherMetrics {
  explicit MatcherMetrics(prometheus::Registry& registry);
  /// Records one planned round.
  void observe(const RoundPlan& plan);

  /// docket_assignment_rounds_total: rounds planned.
  prometheus::Counter* rounds;
  /// docket_assignment_round_seconds{phase}: time of each phase of a round, seconds: build
  /// (classes, buckets and the flow graph), solve (the min-cost flow), assign (flow to offers).
  std::array<prometheus::Histogram*, 3> phase_seconds{};
  /// docket_assignment_offers_total: offers the rounds decided.
  prometheus::Counter* offers;
  /// docket_assignment_round_offers: offers per round (how much each round moved).
  prometheus::Histogram* round_offers;
  /// docket_assignment_graph_arcs: arcs of the last round's flow graph (its size).
  prometheus::Gauge* graph_arcs;
  /// docket_queued_cases: cases waiting for an officer when the last round started.
  prometheus::Gauge* queued;
  /// docket_free_officer_slots: free slots of present officers when the last round started.
  prometheus::Gauge* free_slots;
};

}  // namespace docket::matching
