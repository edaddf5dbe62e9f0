#include "docket/dispatch/metrics.h"

namespace docket::dispatch {
namespace {
const char* socket_name(bool management) { return management ? "management" : "workers"; }
}  // namespace

DispatchMetrics::DispatchMetrics(prometheus::Registry& r)
    : messages(prometheus::BuildCounter()
                   .Name("docket_messages_total")
                   .Help("Protocol messages read, by socket and type")
                   .Register(r)),
      rejected(prometheus::BuildCounter()
                   .Name("docket_messages_rejected_total")
                   .Help("Protocol messages refused with an ERROR reply, by socket and reason")
                   .Register(r)),
      zmq_errors(prometheus::BuildCounter()
                     .Name("docket_zmq_errors_total")
                     .Help("ZeroMQ send or socket faults")
                     .Register(r)),
      workers_connected(prometheus::BuildGauge()
                            .Name("docket_workers_connected")
                            .Help("Worker sessions registered with this scheduler")
                            .Register(r)
                            .Add({})),
      leases_expired(
          prometheus::BuildCounter()
              .Name("docket_leases_expired_total")
              .Help("Cases reclaimed because their holder's session went silent, or because no "
                    "session played their officer for a lease, by center")
              .Register(r)),
      offer_latency(
          prometheus::BuildHistogram()
              .Name("docket_offer_latency_seconds")
              .Help("From an offer recorded in the store to the worker's ACCEPT")
              .Register(r)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01,
                                                               0.025, 0.05, 0.1, 0.25, 1, 5, 30})),
      leader(prometheus::BuildGauge()
                 .Name("docket_scheduler_leader")
                 .Help("1 while this scheduler is the one offering work")
                 .Register(r)
                 .Add({})),
      short_rounds(prometheus::BuildCounter()
                       .Name("docket_short_rounds_total")
                       .Help("Rounds that placed a short queue greedily, without the graph")
                       .Register(r)
                       .Add({})),
      turns_ahead(prometheus::BuildCounter()
                      .Name("docket_dispatch_turns_ahead_total")
                      .Help("Turns of the dispatch loop that ended with store calls still running "
                            "in Redis (their answers are read when they come)")
                      .Register(r)
                      .Add({})) {
  for (int m = 0; m < 2; ++m) {
    zmq_[m] = &zmq_errors.Add({{"socket", socket_name(m)}});
  }
}

prometheus::Counter& DispatchMetrics::message(bool management, protocol::Type t) {
  auto& slot = by_type_[management][static_cast<std::size_t>(t)];
  if (!slot)
    slot = &messages.Add(
        {{"socket", socket_name(management)}, {"type", std::string(protocol::to_string(t))}});
  return *slot;
}

prometheus::Counter& DispatchMetrics::rejection(bool management, protocol::Code c) {
  auto& slot = by_code_[management][static_cast<std::size_t>(c)];
  if (!slot)
    slot = &rejected.Add(
        {{"socket", socket_name(management)}, {"reason", std::string(protocol::to_string(c))}});
  return *slot;
}

prometheus::Counter& DispatchMetrics::zmq_error(bool management) { return *zmq_[management]; }

}  // namespace docket::dispatch
