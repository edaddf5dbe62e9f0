#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>

#include "docket/protocol/protocol.h"

namespace docket::dispatch {

/// The dispatcher's metrics. Labels are bounded: the socket (workers, management), the message
/// type, the refusal reason (a protocol error code) and the center.
struct DispatchMetrics {
  explicit DispatchMetrics(prometheus::Registry& registry);

  /// Messages read, by socket and type: docket_messages_total{socket,type}.
  prometheus::Family<prometheus::Counter>& messages;
  /// Messages refused with an ERROR: docket_messages_rejected_total{socket,reason}.
  prometheus::Family<prometheus::Counter>& rejected;
  /// ZeroMQ faults (a send to a peer that is gone or whose queue is full; a socket fault):
  /// docket_zmq_errors_total{socket}.
  prometheus::Family<prometheus::Counter>& zmq_errors;
  /// Worker sessions registered now: docket_workers_connected.
  prometheus::Gauge& workers_connected;
  /// Leases that lapsed per center (session silent for lease_ms, or an officer no session played
  /// for a lease: the orphan sweep): docket_leases_expired_total.
  prometheus::Family<prometheus::Counter>& leases_expired;
  /// From the offer's store write to the worker's ACCEPT read, seconds:
  /// docket_offer_latency_seconds.
  prometheus::Histogram& offer_latency;
  /// 1 while this scheduler is the one offering work: docket_scheduler_leader.
  prometheus::Gauge& leader;
  /// Rounds that placed a short queue without the graph (Options::short_queue):
  /// docket_short_rounds_total. Full rounds are docket_assignment_round_seconds_count.
  prometheus::Counter& short_rounds;
  /// Turns of the loop that ended with store calls still out in Redis: their answers wake a
  /// later turn when they come. docket_dispatch_turns_ahead_total.
  prometheus::Counter& turns_ahead;

  prometheus::Counter& message(bool management, protocol::Type t);
  prometheus::Counter& rejection(bool management, protocol::Code c);
  prometheus::Counter& zmq_error(bool management);

 private:
  std::array<std::array<prometheus::Counter*, protocol::kTypeCount>, 2> by_type_{};
  std::array<std::array<prometheus::Counter*, protocol::kCodeCount>, 2> by_code_{};
  std::array<prometheus::Counter*, 2> zmq_{};
};

}  // namespace docket::dispatch
