#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "docket/core/clock.h"
#include "docket/store/case_store.h"
#include "docket/store/embedded_redis.h"
#include "support/redis_fixture.h"

namespace docket::store::testing {

/// A real redis-server (appendfsync=always, so a kill -9 loses nothing acknowledged) with a
/// case store over a connection to it.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedRedisOptions opts;
    opts.appendfsync = "always";
    server_.emplace(opts);
    connect();
  }
  /// (Re)connects, e.g. after the server was killed and restarted.
  void connect() {
    store_.reset();
    conn_ = server_->connect();
    store_ = std::make_unique<CaseStore>(*conn_, clock_);
  }
  EmbeddedRedis& server() { return server_->server(); }

  ManualClock clock_{std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + std::chrono::hours(15)};
  std::optional<RedisServer> server_;
  std::unique_ptr<RedisConnection> conn_;
  std::unique_ptr<CaseStore> store_;
};

/// A stored case ready to receive: an I-130 at `center`.
inline StoredCase sample_case(std::uint64_t n, std::string center = "VSC") {
  StoredCase c;
  c.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n);
  c.center = std::move(center);
  c.form = "I-130";
  c.received = TimePoint(Seconds(1'770'000'000));
  c.deadline = c.received + std::chrono::days(180);
  c.category = "IR-1";
  return c;
}

}  // namespace docket::store::testing
