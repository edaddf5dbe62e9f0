#include "docket/matching/metrics.h"

#include "docket/matching/matcher.h"

namespace docket::matching {

MatcherMetrics::MatcherMetrics(prometheus::Registry& registry) {
  rounds = &prometheus::BuildCounter()
                .Name("docket_assignment_rounds_total")
                .Help("Assignment rounds planned")
                .Register(registry)
                .Add({});
  auto& phases = prometheus::BuildHistogram()
                     .Name("docket_assignment_round_seconds")
                     .Help("Time of each phase of an assignment round, seconds")
                     .Register(registry);
  const prometheus::Histogram::BucketBoundaries bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05,   0.1,   0.25,   0.5,   1,    2.5};
  const char* names[] = {"build", "solve", "assign"};
  for (int i = 0; i < 3; ++i) phase_seconds[i] = &phases.Add({{"phase", names[i]}}, bounds);
  offers = &prometheus::BuildCounter()
                .Name("docket_assignment_offers_total")
                .Help("Offers decided by assignment rounds")
                .Register(registry)
                .Add({});
  round_offers = &prometheus::BuildHistogram()
                      .Name("docket_assignment_round_offers")
                      .Help("Offers per assignment round")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0, 1, 10, 100, 1000, 10000, 100000});
  graph_arcs = &prometheus::BuildGauge()
                    .Name("docket_assignment_graph_arcs")
                    .Help("Arcs of the last assignment round's flow graph")
                    .Register(registry)
                    .Add({});
  queued = &prometheus::BuildGauge()
                .Name("docket_queued_cases")
                .Help("Cases waiting for an officer when the last round started")
                .Register(registry)
                .Add({});
  free_slots = &prometheus::BuildGauge()
                    .Name("docket_free_officer_slots")
                    .Help("Free slots of present officers when the last round started")
                    .Register(registry)
                    .Add({});
}

void MatcherMetrics::observe(const RoundPlan& plan) {
  rounds->Increment();
  phase_seconds[0]->Observe(plan.stats.build_seconds);
  phase_seconds[1]->Observe(plan.stats.solve_seconds);
  phase_seconds[2]->Observe(plan.stats.assign_seconds);
  offers->Increment(static_cast<double>(plan.stats.assigned));
  round_offers->Observe(static_cast<double>(plan.stats.assigned));
  graph_arcs->Set(static_cast<double>(plan.stats.graph_arcs));
  queued->Set(static_cast<double>(plan.stats.queued));
  free_slots->Set(static_cast<double>(plan.stats.free_slots));
}

}  // namespace docket::matching
