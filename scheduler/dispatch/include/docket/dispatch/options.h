#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "docket/protocol/channel.h"

namespace docket::dispatch {

/// How the scheduler's event loop talks to workers and management clients.
struct Options {
  static constexpr int DEFAULT_HEARTBEAT_MS = 1000;
  /// Heartbeats a session may miss before its leases lapse (the Paranoid Pirate liveness).
  static constexpr int DEFAULT_LIVENESS = 3;
  static constexpr int DEFAULT_OFFER_TIMEOUT_MS = 30'000;
  /// Full rounds are at least this far apart: a change (new case, freed slot, new credit) after
  /// a quiet spell is planned at once, and the changes arriving within this time of a round are
  /// planned together in the next.
  static constexpr int DEFAULT_ROUND_DELAY_MS = 10;
  /// And at least this often while cases wait, since deadlines move buckets as time passes.
  static constexpr int DEFAULT_ROUND_INTERVAL_MS = 1000;
  static constexpr std::size_t DEFAULT_MAX_OFFERS_PER_MESSAGE = 256;
  /// Messages read from one socket before the loop turns to the other and to its timers.
  static constexpr std::size_t DEFAULT_READ_BATCH = 2048;
  static constexpr std::size_t DEFAULT_MAX_SUBMIT_CASES = 10'000;
  /// While at most this many cases are queued, a due round places them greedily
  /// (plan_short_queue, no graph) at once instead of solving the national graph after
  /// round_delay_ms; the periodic round is always the full one. 0 turns the short path off.
  static constexpr std::size_t DEFAULT_SHORT_QUEUE = 256;
  /// Short rounds that place cases are at least this far apart, microseconds: a case after a
  /// quiet spell is placed at once, and what arrives within this time of a short round (cases,
  /// freed slots, credit) is placed together in the next; a PULL does not wait. Each round costs a
  /// store call per center it offers in and an OFFER per desk it offers to, so under steady intake
  /// fewer, fuller rounds cost less (docs/architecture.md, "Short queues"). 0: a round in every
  /// turn that finds cases queued.
  static constexpr int DEFAULT_SHORT_ROUND_GAP_US = 2000;

  std::string worker_endpoint = protocol::DEFAULT_WORKER_ENDPOINT;
  std::string management_endpoint = protocol::DEFAULT_MANAGEMENT_ENDPOINT;
  protocol::ChannelOptions channel;
  int heartbeat_ms = DEFAULT_HEARTBEAT_MS;
  int liveness = DEFAULT_LIVENESS;
  int offer_timeout_ms = DEFAULT_OFFER_TIMEOUT_MS;
  int round_delay_ms = DEFAULT_ROUND_DELAY_MS;
  int round_interval_ms = DEFAULT_ROUND_INTERVAL_MS;
  std::size_t max_offers_per_message = DEFAULT_MAX_OFFERS_PER_MESSAGE;
  std::size_t read_batch = DEFAULT_READ_BATCH;
  std::size_t max_submit_cases = DEFAULT_MAX_SUBMIT_CASES;
  std::size_t short_queue = DEFAULT_SHORT_QUEUE;
  int short_round_gap_us = DEFAULT_SHORT_ROUND_GAP_US;
  /// Seed of the QA sampling draw (a decided case is sampled with its form's qa_sample_rate).
  std::uint64_t seed = 1;
  /// Days of slack under which a queued case counts as at risk of missing its deadline.
  int at_risk_slack_days = 14;

  int lease_ms() const { return heartbeat_ms * liveness; }
};

}  // namespace docket::dispatch
