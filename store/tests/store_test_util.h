#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "docket/core/clock.h"
#include "docket/store/case_store.h"
#include "docket/store/embedded_redis.h"
#include "support/redis_fixture.h"

namespace docket::store::testing {

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

  /// Imports one sample case into a center (queued, epoch 0) and returns its transition.
  Transition import_sample(std::uint64_t n, std::string center = "VSC") {
    Transition t;
    t.op = Op::kImport;
    t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n);
    t.center = center;
    t.record = sample_case(n, center);
    EXPECT_TRUE(store_->apply(t).ok());
    return t;
  }

  /// The scheduler's offer of an imported case to `officer`, at the case's first epoch (not
  /// applied).
  static Transition offer_for(const Transition& imported, std::string officer = "ISO-1") {
    Transition t;
    t.op = Op::kOffer;
    t.receipt = imported.receipt;
    t.center = imported.center;
    t.actor = "scheduler";
    t.officer = std::move(officer);
    return t;
  }

  /// Waits (up to 4 s) until Redis has finished at least one AOF rewrite; true if it has.
  bool wait_for_aof_rewrite() {
    for (int i = 0; i < 200; ++i) {
      const std::string info = conn_->command({"INFO", "persistence"}).as_string();
      if (info.find("aof_rewrite_in_progress:0") != std::string::npos &&
          info.find("aof_rewrites:0\r") == std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  ManualClock clock_{std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + std::chrono::hours(15)};
  std::optional<RedisServer> server_;
  std::unique_ptr<RedisConnection> conn_;
  std::unique_ptr<CaseStore> store_;
};

}  // namespace docket::store::testing
