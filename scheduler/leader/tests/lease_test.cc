#include "docket/leader/lease.h"

#include <gtest/gtest.h>

#include "docket/core/error.h"
#include "support/redis_fixture.h"

namespace docket::leader {
namespace {

using store::testing::RedisServerFixture;

LeaseOptions options_for(const std::string& holder, int lease_ms = 5000) {
  LeaseOptions o;
  o.holder = holder;
  o.advert = R"({"workers":"tcp://10.0.0.1:5570"})";
  o.lease_ms = lease_ms;
  return o;
}

class LeaseTest : public RedisServerFixture {};

TEST_F(LeaseTest, OneHolderAtATimeAndEachTermHasANewNumber) {
  auto other = connect();
  Lease a(redis(), options_for("sched-a"));
  Lease b(*other, options_for("sched-b"));
  EXPECT_FALSE(a.renew());  // Nothing acquired yet.

  const auto first = a.try_acquire();
  ASSERT_TRUE(first.acquired);
  EXPECT_EQ(first.lease->term, 1);
  EXPECT_EQ(first.lease->holder, "sched-a");
  EXPECT_EQ(first.lease->advert, R"({"workers":"tcp://10.0.0.1:5570"})");

  // The standby learns who leads, and cannot renew or release what it does not hold.
  const auto refused = b.try_acquire();
  EXPECT_FALSE(refused.acquired);
  ASSERT_TRUE(refused.lease);
  EXPECT_EQ(refused.lease->holder, "sched-a");
  EXPECT_EQ(refused.lease->term, 1);
  EXPECT_FALSE(b.renew());
  EXPECT_FALSE(b.release());

  EXPECT_TRUE(a.renew());
  const auto ttl = redis().command({"PTTL", a.options().lease_key()}).as_integer();
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 5000);

  // A release hands over at once; the next term has the next number.
  EXPECT_TRUE(a.release());
  EXPECT_FALSE(a.read());
  const auto second = b.try_acquire();
  ASSERT_TRUE(second.acquired);
  EXPECT_EQ(second.lease->term, 2);
  EXPECT_EQ(b.read()->holder, "sched-b");
}

TEST_F(LeaseTest, AnExpiredLeaseGoesToTheStandbyAndTheOldHolderCannotExtendIt) {
  auto other = connect();
  Lease a(redis(), options_for("sched-a"));
  Lease b(*other, options_for("sched-b"));
  ASSERT_TRUE(a.try_acquire().acquired);
  // The key's expiry in Redis, played without waiting for it.
  redis().command({"DEL", a.options().lease_key()});
  const auto taken = b.try_acquire();
  ASSERT_TRUE(taken.acquired);
  EXPECT_EQ(taken.lease->term, 2);
  EXPECT_FALSE(a.renew());    // Compare-and-extend: the value is b's now.
  EXPECT_FALSE(a.release());  // Compare-and-delete: b's lease stays.
  EXPECT_EQ(b.read()->term, 2);
  EXPECT_TRUE(b.renew());
}

TEST_F(LeaseTest, ALeaseWhoseAnswerWasLostIsAdoptedAndExtended) {
  Lease a(redis(), options_for("sched-a"));
  ASSERT_TRUE(a.try_acquire().acquired);
  redis().command({"PEXPIRE", a.options().lease_key(), "1000000"});
  // The same holder asking again (its first answer never arrived) gets its own term back, with
  // the lease's time to live started afresh rather than what was left of it.
  Lease again(redis(), options_for("sched-a"));
  const auto r = again.try_acquire();
  ASSERT_TRUE(r.acquired);
  EXPECT_EQ(r.lease->term, 1);
  EXPECT_LE(redis().command({"PTTL", a.options().lease_key()}).as_integer(), 5000);
  EXPECT_EQ(redis().command({"GET", a.options().term_key()}).as_integer(), 1);
}

TEST_F(LeaseTest, ForceTakesTheLeaseFromAnotherHolder) {
  auto other = connect();
  Lease a(redis(), options_for("sched-a"));
  Lease own(*other, options_for("sched-own"));
  ASSERT_TRUE(a.try_acquire().acquired);
  const auto r = own.try_acquire(/*force=*/true);
  ASSERT_TRUE(r.acquired);
  EXPECT_EQ(r.lease->term, 2);
  EXPECT_FALSE(a.renew());
}

TEST_F(LeaseTest, AnUnreadableKeyIsNeitherTakenNorMistakenForALeader) {
  Lease a(redis(), options_for("sched-a"));
  redis().command({"SET", a.options().lease_key(), "not a lease"});
  const auto r = a.try_acquire();
  EXPECT_FALSE(r.acquired);
  EXPECT_FALSE(r.lease);
  EXPECT_FALSE(a.read());
}

TEST(LeaseRecord, ParsesWhatItFormats) {
  const auto r = LeaseRecord::parse(LeaseRecord::format(12, "h/1/ab", R"({"a": "b c"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->term, 12);
  EXPECT_EQ(r->holder, "h/1/ab");
  EXPECT_EQ(r->advert, R"({"a": "b c"})");
  EXPECT_FALSE(LeaseRecord::parse(""));
  EXPECT_FALSE(LeaseRecord::parse("x holder"));
  EXPECT_FALSE(LeaseRecord::parse("0 holder"));
  EXPECT_FALSE(LeaseRecord::parse("3 "));
}

TEST_F(LeaseTest, BadOptionsAreRefusedBeforeAnythingIsSent) {
  EXPECT_THROW(Lease(redis(), options_for("")), InvalidArgument);
  EXPECT_THROW(Lease(redis(), options_for("two words")), InvalidArgument);
  EXPECT_THROW(Lease(redis(), options_for("a", LeaseOptions::MIN_LEASE_MS - 1)), InvalidArgument);
  auto o = options_for("a");
  o.advert = "line\nbreak";
  EXPECT_THROW(Lease(redis(), o), InvalidArgument);
  const auto id = make_holder_id();
  EXPECT_EQ(id.find(' '), std::string::npos);
  EXPECT_NE(id, make_holder_id());
}

}  // namespace
}  // namespace docket::leader
