#include "docket/leader/elector.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/redis_fixture.h"

namespace docket::leader {
namespace {

using namespace std::chrono_literals;
using store::testing::RedisServer;

ElectorOptions options_for(const std::string& holder, int lease_ms) {
  ElectorOptions o;
  o.lease.holder = holder;
  o.lease.lease_ms = lease_ms;
  return o;
}

/// Waits (without asserting on how long it took) until `done` holds; false after `limit`.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = 20s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

double value_of(prometheus::Counter& c) { return c.Value(); }

TEST(Elector, AStandbyWaitsUntilTheLeaderReleasesAndTakesTheNextTerm) {
  RedisServer redis;
  prometheus::Registry registry;
  LeaderMetrics metrics_a(registry);
  prometheus::Registry registry_b;
  LeaderMetrics metrics_b(registry_b);
  // Leases long enough that a loaded machine does not make the leader miss its renewals.
  Elector a(redis.connection_options(), options_for("a", 3000), &metrics_a);
  Elector b(redis.connection_options(), options_for("b", 3000), &metrics_b);
  std::atomic<bool> stop{false};
  const auto won = a.campaign(stop);
  ASSERT_TRUE(won);
  EXPECT_EQ(won->term, 1);
  EXPECT_EQ(a.held()->holder, "a");
  EXPECT_EQ(metrics_a.term.Value(), 1);
  EXPECT_EQ(value_of(metrics_a.elections), 1);

  std::optional<LeaseRecord> b_won;
  std::thread standby([&] { b_won = b.campaign(stop); });
  // The standby sees the leader's term while it waits.
  EXPECT_TRUE(eventually([&] { return metrics_b.term.Value() == 1; }));
  // The leader renews meanwhile (every lease/3), so the standby cannot take over.
  EXPECT_TRUE(eventually([&] { return value_of(metrics_a.renewed) >= 2; }));
  EXPECT_FALSE(b_won);
  EXPECT_FALSE(a.lost());
  a.finish(/*release=*/true);
  standby.join();
  ASSERT_TRUE(b_won);
  EXPECT_EQ(b_won->term, 2);
  EXPECT_EQ(metrics_b.term.Value(), 2);
  EXPECT_FALSE(a.held());
  b.finish(true);
}

TEST(Elector, CampaignEndsWhenAskedToStop) {
  RedisServer redis;
  Elector a(redis.connection_options(), options_for("a", 3000));
  Elector b(redis.connection_options(), options_for("b", 3000));
  std::atomic<bool> stop{false};
  ASSERT_TRUE(a.campaign(stop));
  std::thread standby([&] {
    std::this_thread::sleep_for(50ms);
    stop = true;
  });
  EXPECT_FALSE(b.campaign(stop));
  standby.join();
  a.finish(true);
}

TEST(Elector, ALeaseTakenOverMeansSteppingDownAndTheHardStopIfStillServing) {
  RedisServer redis;
  prometheus::Registry registry;
  LeaderMetrics metrics(registry);
  Elector a(redis.connection_options(), options_for("a", 900), &metrics);
  std::atomic<bool> deadline{false};
  a.on_deadline = [&] { deadline = true; };
  std::atomic<bool> stop{false};
  ASSERT_TRUE(a.campaign(stop));
  // Another scheduler holds the key now (as after an expiry this one did not notice).
  auto conn = redis.connect();
  conn->command({"SET", a.options().lease.lease_key(), "2 b {}", "PX", "60000"});
  EXPECT_TRUE(eventually([&] { return a.lost(); }));
  EXPECT_NE(a.lost_reason().find("no longer this scheduler's"), std::string::npos);
  EXPECT_EQ(value_of(metrics.lost), 1);
  EXPECT_FALSE(a.held());
  // This test never stops serving, so the hard stop comes.
  EXPECT_TRUE(eventually([&] { return deadline.load(); }));
  a.finish(/*release=*/true);
  // The lease of the other holder is left alone.
  EXPECT_EQ(conn->command({"GET", a.options().lease.lease_key()}).as_string(), "2 b {}");
}

TEST(Elector, RedisGoneMeansSteppingDownAtHalfTheLease) {
  RedisServer redis;
  prometheus::Registry registry;
  LeaderMetrics metrics(registry);
  // A lease long enough that the test's finish() comes well before the hard stop.
  Elector a(redis.connection_options(), options_for("a", 3000), &metrics);
  std::atomic<bool> deadline{false};
  a.on_deadline = [&] { deadline = true; };
  std::atomic<bool> stop{false};
  ASSERT_TRUE(a.campaign(stop));
  redis.server().kill();
  EXPECT_TRUE(eventually([&] { return a.lost(); }));
  EXPECT_NE(a.lost_reason().find("no renewal succeeded for 1500 ms"), std::string::npos)
      << a.lost_reason();
  EXPECT_GE(value_of(metrics.failed), 1);
  // Stopping to serve in time disarms the hard stop: once finish() returns, the elector's
  // thread has ended without calling it.
  a.finish(/*release=*/true);
  EXPECT_FALSE(deadline.load());
}

TEST(Elector, ForceTakesOverTheSchedulersOwnRedisAtOnce) {
  RedisServer redis;
  auto conn = redis.connect();
  // A lease left behind by a crashed earlier run of the same scheduler.
  conn->command({"SET", "docket:{leader}:lease", "4 old/1/x {}", "PX", "60000"});
  conn->command({"SET", "docket:{leader}:term", "4"});
  auto o = options_for("new", 600);
  o.force = true;
  Elector a(redis.connection_options(), o);
  std::atomic<bool> stop{false};
  const auto won = a.campaign(stop);
  ASSERT_TRUE(won);
  EXPECT_EQ(won->term, 5);
  a.finish(true);
  EXPECT_TRUE(conn->command({"GET", "docket:{leader}:lease"}).is_nil());
}

}  // namespace
}  // namespace docket::leader
