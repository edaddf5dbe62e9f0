#include "docket/rebalance/metrics.h"

#include <string>

namespace docket::rebalance {

RebalanceMetrics::RebalanceMetrics(prometheus::Registry& registry) {
  auto& family = prometheus::BuildCounter()
                     .Name("docket_rebalance_runs_total")
                     .Help("Rebalancing runs by kind (plan, apply, drain) and result (ok, error)")
                     .Register(registry);
  const char* kinds[] = {"plan", "apply", "drain"};
  const char* results[] = {"ok", "error"};
  for (int k = 0; k < 3; ++k) {
    for (int r = 0; r < 2; ++r) runs[k][r] = &family.Add({{"kind", kinds[k]}, {"result", results[r]}});
  }
  cases_moved = &prometheus::BuildCounter()
                     .Name("docket_rebalance_cases_moved_total")
                     .Help("Cases moved between centers by rebalancing and drains")
                     .Register(registry);
  plan_seconds = &prometheus::BuildHistogram()
                      .Name("docket_rebalance_plan_seconds")
                      .Help("Time to plan a rebalancing, from the live index to the plan, seconds")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1,
                                                                       0.25, 0.5, 1, 2.5, 5, 10});
}

void RebalanceMetrics::run(Kind kind, bool ok) {
  runs[static_cast<int>(kind)][ok ? 0 : 1]->Increment();
}

void RebalanceMetrics::moved(std::string_view from, std::string_view to, std::string_view form,
                             double n) {
  cases_moved
      ->Add({{"from_center", std::string(from)}, {"to_center", std::string(to)}, {"form", std::string(form)}})
      .Increment(n);
}

}  // namespace docket::rebalance
