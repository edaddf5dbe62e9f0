#include "docket/store/metrics.h"

namespace docket::store {

StoreMetrics::StoreMetrics(prometheus::Registry& registry) {
  auto& family = prometheus::BuildCounter()
                     .Name("docket_store_transitions_total")
                     .Help("Case transitions answered by the state of record, by operation and result")
                     .Register(registry);
  for (int op = 0; op < kOpCount; ++op) {
    for (int r = 0; r < 7; ++r) {
      transitions[op][r] = &family.Add(
          {{"op", std::string(to_string(static_cast<Op>(op)))},
           {"result", std::string(to_string(static_cast<TransitionResult::Status>(r)))}});
    }
  }
  auto& errors = prometheus::BuildCounter()
                     .Name("docket_redis_errors_total")
                     .Help("Redis faults at the store's boundary, by kind (io, timeout, reply)")
                     .Register(registry);
  io_errors = &errors.Add({{"kind", "io"}});
  timeouts = &errors.Add({{"kind", "timeout"}});
  reply_errors = &errors.Add({{"kind", "reply"}});
  reconnects = &prometheus::BuildCounter()
                    .Name("docket_redis_reconnects_total")
                    .Help("Redis connections re-established after a loss")
                    .Register(registry)
                    .Add({});
  fenced = &prometheus::BuildCounter()
                .Name("docket_store_fenced_total")
                .Help("Store calls refused because the caller's leader term was no longer current")
                .Register(registry)
                .Add({});
  call_seconds = &prometheus::BuildHistogram()
                      .Name("docket_store_call_seconds")
                      .Help("Time a caller waited for one store call (a pipelined batch of "
                            "transitions), seconds; a call sent ahead counts from the wait")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{
                                   0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                   0.5, 1, 2.5, 5});
}

}  // namespace docket::store
