// No acknowledged decision is lost (invariant 3): kill -9 of redis-server with
// appendfsync=always, restart on the same data, and every acknowledged transition is there.

#include <gtest/gtest.h>

#include <csignal>

#include "store_test_util.h"

namespace docket::store {
namespace {

using Status = TransitionResult::Status;

class DurabilityTest : public testing::StoreTest {};

TEST_F(DurabilityTest, AcknowledgedDecisionsSurviveKillNine) {
  const int n = 300;
  std::vector<Transition> ts;
  for (int i = 0; i < n; ++i) {
    Transition t;
    t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 5000 + i);
    t.center = i % 2 ? "VSC" : "NSC";
    t.actor = "ISO-" + std::to_string(i % 7);
    t.officer = t.actor;
    t.op = Op::kReceive;
    t.record = testing::sample_case(5000 + i, t.center);
    ts.push_back(t);
    t.record.reset();
    for (auto [op, epoch] : {std::pair{Op::kQueue, 0}, {Op::kOffer, 0}, {Op::kAccept, 1}}) {
      t.op = op;
      t.epoch = epoch;
      ts.push_back(t);
    }
    t.op = Op::kDecide;
    t.epoch = 1;
    t.arg = i % 3 ? "approve" : "deny";
    t.idempotency_key = "decision-" + std::to_string(i);
    ts.push_back(t);
    t.arg.clear();
    t.idempotency_key.clear();
  }
  for (const auto& r : store_->apply(ts)) ASSERT_EQ(r.status, Status::kApplied) << r.message;

  const pid_t pid = server().pid();
  server().kill();
  EXPECT_NE(::kill(pid, 0), 0);  // Gone, without a chance to flush anything.
  server().restart();
  connect();

  int decided = 0;
  for (const char* center : {"VSC", "NSC"}) {
    store_->scan(center, [&](StoredCase&& c) {
      EXPECT_EQ(c.state, CaseState::kDecided) << c.receipt.str();
      EXPECT_TRUE(c.outcome.has_value());
      ++decided;
    });
  }
  EXPECT_EQ(decided, n);
  // A decision resent after the crash is answered, not recorded twice.
  Transition again = ts[4];
  ASSERT_EQ(again.op, Op::kDecide);
  auto r = store_->apply(again);
  EXPECT_EQ(r.status, Status::kApplied);
  EXPECT_EQ(r.state, CaseState::kDecided);
  std::size_t decides = 0;
  for (const auto& e : store_->history(again.center, again.receipt)) decides += e.op == "decide";
  EXPECT_EQ(decides, 1U);
}

}  // namespace
}  // namespace docket::store
