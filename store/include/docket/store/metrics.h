#pragma once

#include <array>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "docket/store/case_store.h"

namespace docket::store {

/// Metrics of the state of record, registered once per process and handed to each CaseStore.
struct StoreMetrics {
  explicit StoreMetrics(prometheus::Registry& registry);

  /// docket_store_transitions_total{op, result}: transitions answered by the store, by
  /// operation (receive, offer, decide, ...) and result (applied, duplicate, illegal,
  /// not_holder, stale_epoch, unknown_case, bad_request). Refusals are expected traffic
  /// (a stale worker's late write); a rise in bad_request is not.
  std::array<std::array<prometheus::Counter*, 7>, kOpCount> transitions{};

  /// docket_redis_errors_total{kind}: faults at the store's boundary: io (connection refused or
  /// lost after retries), timeout, reply (Redis refused a command). Any is worth a look;
  /// a steady rate means Redis is down or overloaded.
  prometheus::Counter* io_errors;
  prometheus::Counter* timeouts;
  prometheus::Counter* reply_errors;

  /// docket_redis_reconnects_total: connections re-established after a loss.
  prometheus::Counter* reconnects;

  /// docket_store_fenced_total: store calls refused because this scheduler's leader term was
  /// no longer the current one (a newer leader was elected). Each one makes the scheduler step
  /// down; any is worth a look, since the elector should have stepped down first.
  prometheus::Counter* fenced;

  /// docket_store_call_seconds: time for one store call (a batch of transitions, all centers,
  /// pipelined), seconds.
  prometheus::Histogram* call_seconds;
};

}  // namespace docket::store
