#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "docket/core/error.h"
#include "docket/store/scripts.h"
#include "store_test_util.h"

namespace docket::store {
namespace {

using Status = TransitionResult::Status;

// A history as one line per transition, "op from>to who", so that a test states a chain in one
// comparison and a failure prints the whole chain.
std::vector<std::string> chain(const std::vector<AuditEntry>& h) {
  std::vector<std::string> lines;
  for (const auto& e : h) lines.push_back(e.op + " " + e.from + ">" + e.to + " " + e.who);
  return lines;
}
using Chain = std::vector<std::string>;
using testing::sample_case;

class CaseStoreTest : public testing::StoreTest {
 protected:
  TransitionResult op(Op o, std::uint64_t n, std::int64_t epoch, std::string officer = "",
                      std::string arg = "", std::string center = "VSC", std::string key = "") {
    Transition t;
    t.op = o;
    t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n);
    t.center = center;
    t.epoch = epoch;
    t.actor = officer.empty() ? "scheduler" : officer;
    t.officer = officer;
    t.arg = arg;
    t.idempotency_key = key;
    return store_->apply(t);
  }
  TransitionResult receive(std::uint64_t n, std::string center = "VSC") {
    Transition t;
    t.op = Op::kReceive;
    t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n);
    t.center = center;
    t.actor = "intake";
    t.record = sample_case(n, center);
    return store_->apply(t);
  }
  static void expect(const TransitionResult& r, Status s, CaseState state, std::int64_t epoch) {
    EXPECT_EQ(r.status, s) << r.message;
    EXPECT_EQ(r.state, state);
    EXPECT_EQ(r.epoch, epoch);
  }
  static ReceiptNumber R(std::uint64_t n) { return ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n); }
};

TEST_F(CaseStoreTest, WholeLifecycleWithRfeAndQa) {
  expect(receive(1), Status::kApplied, CaseState::kReceived, 0);
  expect(op(Op::kQueue, 1, 0), Status::kApplied, CaseState::kQueued, 0);
  expect(op(Op::kOffer, 1, 0, "ISO-1"), Status::kApplied, CaseState::kOffered, 1);
  expect(op(Op::kAccept, 1, 1, "ISO-1"), Status::kApplied, CaseState::kAssigned, 1);
  expect(op(Op::kRfeOut, 1, 1, "ISO-1"), Status::kApplied, CaseState::kRfePending, 2);
  auto during = store_->get("VSC", R(1)).value();
  EXPECT_EQ(during.preferred, "ISO-1");
  EXPECT_TRUE(during.rfe_out_at.has_value());
  expect(op(Op::kRfeIn, 1, 2, "", "1790000000"), Status::kApplied, CaseState::kQueued, 3);
  EXPECT_EQ(store_->get("VSC", R(1))->deadline.time_since_epoch().count(), 1'790'000'000);
  expect(op(Op::kOffer, 1, 3, "ISO-1"), Status::kApplied, CaseState::kOffered, 4);
  expect(op(Op::kAccept, 1, 4, "ISO-1"), Status::kApplied, CaseState::kAssigned, 4);
  expect(op(Op::kDecide, 1, 4, "ISO-1", "approve"), Status::kApplied, CaseState::kDecided, 5);
  expect(op(Op::kQaSample, 1, 5), Status::kApplied, CaseState::kQaReview, 6);
  auto qa = store_->get("VSC", R(1)).value();
  EXPECT_TRUE(qa.senior_review);
  EXPECT_EQ(qa.excluded, std::vector<std::string>{"ISO-1"});
  // The decider may not review; a senior may.
  EXPECT_EQ(op(Op::kOffer, 1, 6, "ISO-1").status, Status::kIllegal);
  expect(op(Op::kOffer, 1, 6, "ISO-SR"), Status::kApplied, CaseState::kOffered, 7);
  expect(op(Op::kDecline, 1, 7, "ISO-SR"), Status::kApplied, CaseState::kQaReview, 8);
  expect(op(Op::kOffer, 1, 8, "ISO-SR"), Status::kApplied, CaseState::kOffered, 9);
  expect(op(Op::kAccept, 1, 9, "ISO-SR"), Status::kApplied, CaseState::kAssigned, 9);
  EXPECT_EQ(op(Op::kDecide, 1, 9, "ISO-SR", "deny").status, Status::kIllegal);
  expect(op(Op::kQaReview, 1, 9, "ISO-SR", "deny"), Status::kApplied, CaseState::kDecided, 10);
  auto done = store_->get("VSC", R(1)).value();
  EXPECT_EQ(done.outcome, Outcome::kDeny);
  EXPECT_FALSE(done.senior_review);

  std::vector<std::string> ops;
  for (const auto& e : store_->history("VSC", R(1))) ops.push_back(e.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"receive", "queue", "offer", "accept", "rfe_out", "rfe_in",
                                           "offer", "accept", "decide", "qa_sample", "offer",
                                           "decline", "offer", "accept", "qa_review"}));
  auto h = store_->history("VSC", R(1));
  EXPECT_EQ(h[2].officer, "ISO-1");
  EXPECT_EQ(h[2].from, "queued");
  EXPECT_EQ(h[2].to, "offered");
  EXPECT_EQ(h[2].who, "ISO-1");
  EXPECT_EQ(h[2].at, clock_.now());
}

// A retry key serves only a call sent again after a lost connection, so it lives as long as the
// connection may still send one (twice its longest resend, at least a minute) and no longer: at a
// steady load every live key is memory in Redis, and in every fork of it.
TEST_F(CaseStoreTest, RetryKeysLiveAsLongAsTheConnectionMayResendACall) {
  // 2 s for the first read, then 3 attempts of a 1 s connect and a 2 s read, after backoffs of
  // 10, 20 and 40 ms (the test connection); the defaults: 5 s, then 5 x (2 s + 5 s), 1,550 ms.
  EXPECT_EQ(longest_resend(conn_->options()), std::chrono::milliseconds(11'070));
  EXPECT_EQ(longest_resend(RedisOptions{}), std::chrono::milliseconds(41'550));
  EXPECT_EQ(store_->retry_ttl_s(), StoreOptions::MIN_DERIVED_RETRY_TTL_S);

  ASSERT_TRUE(receive(1).ok());
  expect(op(Op::kQueue, 1, 0), Status::kApplied, CaseState::kQueued, 0);
  const auto keys = conn_->command({"KEYS", "*:idem:*"}).elements;
  ASSERT_EQ(keys.size(), 1U) << "the queue call carries one retry key, the receipt none";
  const auto ttl = conn_->command({"TTL", keys[0].str}).as_integer();
  EXPECT_GT(ttl, StoreOptions::MIN_DERIVED_RETRY_TTL_S - 5);
  EXPECT_LE(ttl, StoreOptions::MIN_DERIVED_RETRY_TTL_S);

  // A slower connection gets a longer TTL; one given explicitly is kept.
  RedisOptions slow = conn_->options();
  slow.command_timeout_ms = 60'000;
  RedisConnection slow_conn(slow);
  EXPECT_EQ(CaseStore(slow_conn, clock_).retry_ttl_s(), 2 * 244);  // 60 s + 3 x 61 s + 70 ms.
  StoreOptions explicit_ttl;
  explicit_ttl.retry_ttl_s = 600;
  EXPECT_EQ(CaseStore(*conn_, clock_, explicit_ttl).retry_ttl_s(), 600);
}

// A retry TTL that a call sent again could outlive is refused when the store is made, naming
// both figures, rather than letting a late resend be applied a second time.
TEST_F(CaseStoreTest, ARetryTtlShorterThanTheConnectionsResendIsRefused) {
  StoreOptions o;
  o.retry_ttl_s = 12;  // The test connection may resend for up to 11.07 s: 12 whole seconds.
  try {
    CaseStore store(*conn_, clock_, o);
    FAIL() << "a 12 s retry TTL was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("retry TTL (12 s) must outlast the connection's longest "
                                         "resend (12 s"),
              std::string::npos)
        << e.what();
  }
  o.retry_ttl_s = 13;
  EXPECT_EQ(CaseStore(*conn_, clock_, o).retry_ttl_s(), 13);
}

TEST_F(CaseStoreTest, TimeoutLeaseExpiryHoldAndRelease) {
  receive(2);
  op(Op::kQueue, 2, 0);
  op(Op::kOffer, 2, 0, "A");
  expect(op(Op::kOfferTimeout, 2, 1), Status::kApplied, CaseState::kQueued, 2);
  op(Op::kOffer, 2, 2, "B");
  op(Op::kAccept, 2, 3, "B");
  expect(op(Op::kLeaseExpiry, 2, 3), Status::kApplied, CaseState::kQueued, 4);
  EXPECT_EQ(store_->get("VSC", R(2))->officer, "");
  expect(op(Op::kHold, 2, 4), Status::kApplied, CaseState::kOnHold, 5);
  expect(op(Op::kRelease, 2, 5), Status::kApplied, CaseState::kQueued, 6);
  // A referral: the holder puts an assigned case on hold.
  op(Op::kOffer, 2, 6, "C");
  op(Op::kAccept, 2, 7, "C");
  EXPECT_EQ(op(Op::kHold, 2, 7, "D").status, Status::kIllegal);
  expect(op(Op::kHold, 2, 7, "C"), Status::kApplied, CaseState::kOnHold, 8);
}

// An ACCEPT whose answer was lost (a call cut off after it ran) is sent again by the desk: the
// officer who holds the case at that epoch gets kDuplicate, not a refusal, and nothing changes.
TEST_F(CaseStoreTest, AnAcceptSentAgainByItsHolderIsADuplicate) {
  receive(20);
  op(Op::kQueue, 20, 0);
  op(Op::kOffer, 20, 0, "ISO-1");
  expect(op(Op::kAccept, 20, 1, "ISO-1"), Status::kApplied, CaseState::kAssigned, 1);
  expect(op(Op::kAccept, 20, 1, "ISO-1"), Status::kDuplicate, CaseState::kAssigned, 1);
  // Anyone else, or another epoch, is still refused.
  EXPECT_EQ(op(Op::kAccept, 20, 1, "ISO-2").status, Status::kIllegal);
  EXPECT_EQ(op(Op::kAccept, 20, 0, "ISO-1").status, Status::kStaleEpoch);
  const auto h = store_->history("VSC", R(20));
  ASSERT_EQ(h.size(), 4U);  // receive, queue, offer, accept: the repeat is not audited.
  EXPECT_EQ(h[3].op, "accept");
  expect(op(Op::kDecide, 20, 1, "ISO-1", "approve"), Status::kApplied, CaseState::kDecided, 2);
  // Once decided, an ACCEPT is refused again.
  EXPECT_EQ(op(Op::kAccept, 20, 2, "ISO-1").status, Status::kIllegal);
}

TEST_F(CaseStoreTest, IllegalTransitionsAreRefusedAndChangeNothing) {
  receive(3);
  // From received, only queue, hold and transfer_out are allowed.
  for (Op o : {Op::kOffer, Op::kAccept, Op::kDecline, Op::kOfferTimeout, Op::kLeaseExpiry,
               Op::kRfeOut, Op::kRfeIn, Op::kDecide, Op::kQaSample, Op::kQaReview, Op::kRelease}) {
    auto r = op(o, 3, 0, "X", "approve");
    EXPECT_EQ(r.status, Status::kIllegal) << to_string(o) << ": " << r.message;
    EXPECT_NE(r.message.find("received"), std::string::npos) << r.message;
  }
  EXPECT_EQ(store_->get("VSC", R(3))->state, CaseState::kReceived);
  EXPECT_EQ(store_->history("VSC", R(3)).size(), 1U);
  EXPECT_EQ(op(Op::kQueue, 99, 0).status, Status::kUnknownCase);
  op(Op::kQueue, 3, 0);
  op(Op::kOffer, 3, 0, "A");
  op(Op::kAccept, 3, 1, "A");
  EXPECT_EQ(op(Op::kDecide, 3, 1, "A", "maybe").status, Status::kIllegal);
  EXPECT_EQ(op(Op::kDecide, 3, 1, "B", "approve").status, Status::kNotHolder);
}

TEST_F(CaseStoreTest, StaleEpochIsRefused) {
  receive(4);
  op(Op::kQueue, 4, 0);
  op(Op::kOffer, 4, 0, "A");
  op(Op::kAccept, 4, 1, "A");
  op(Op::kLeaseExpiry, 4, 1);  // A's lease lapsed: epoch 2.
  op(Op::kOffer, 4, 2, "B");   // Epoch 3, offered to B.
  // A comes back and tries to decide with the epoch it had: refused, nothing changes.
  auto late = op(Op::kDecide, 4, 1, "A", "approve");
  EXPECT_EQ(late.status, Status::kStaleEpoch);
  EXPECT_NE(late.message.find("at 3"), std::string::npos) << late.message;
  auto rec = store_->get("VSC", R(4)).value();
  EXPECT_EQ(rec.state, CaseState::kOffered);
  EXPECT_EQ(rec.officer, "B");
  EXPECT_FALSE(rec.outcome.has_value());
}

TEST_F(CaseStoreTest, RepeatedRequestsAreIdempotent) {
  EXPECT_EQ(receive(5).status, Status::kApplied);
  expect(receive(5), Status::kDuplicate, CaseState::kReceived, 0);
  op(Op::kQueue, 5, 0);
  op(Op::kOffer, 5, 0, "A");
  op(Op::kAccept, 5, 1, "A");
  auto first = op(Op::kDecide, 5, 1, "A", "approve", "VSC", "desk-A-17");
  auto again = op(Op::kDecide, 5, 1, "A", "approve", "VSC", "desk-A-17");
  expect(first, Status::kApplied, CaseState::kDecided, 2);
  expect(again, Status::kApplied, CaseState::kDecided, 2);
  std::size_t decides = 0;
  for (const auto& e : store_->history("VSC", R(5))) decides += e.op == "decide";
  EXPECT_EQ(decides, 1U);
  // The first answer is kept even when it was a refusal.
  auto refused = op(Op::kQueue, 5, 7, "", "", "VSC", "k2");
  EXPECT_EQ(op(Op::kQueue, 5, 2, "", "", "VSC", "k2").message, refused.message);
}

// An idempotency key answers for idempotency_ttl_s by the store's clock, whichever period hash
// holds the answer, and is forgotten after it; the period hashes themselves expire in Redis.
TEST_F(CaseStoreTest, AnIdempotencyKeyAnswersForItsTtlAndNoLonger) {
  StoreOptions options;
  options.idempotency_ttl_s = 100;
  store_ = std::make_unique<CaseStore>(*conn_, clock_, options);
  receive(8);
  op(Op::kQueue, 8, 0);
  op(Op::kOffer, 8, 0, "A");
  op(Op::kAccept, 8, 1, "A");
  // Start late in a period, so that the repeat below falls in the next one.
  const auto now = clock_.now().time_since_epoch().count();
  clock_.advance(Seconds(100 - now % 100 - 1));
  expect(op(Op::kDecide, 8, 1, "A", "approve", "VSC", "w:approve:8:1"), Status::kApplied,
         CaseState::kDecided, 2);
  clock_.advance(Seconds(98));
  expect(op(Op::kDecide, 8, 1, "A", "approve", "VSC", "w:approve:8:1"), Status::kApplied,
         CaseState::kDecided, 2);
  clock_.advance(Seconds(2));
  EXPECT_EQ(op(Op::kDecide, 8, 1, "A", "approve", "VSC", "w:approve:8:1").status,
            Status::kStaleEpoch);
  const std::int64_t period = clock_.now().time_since_epoch().count() / 100;
  const auto ttl = conn_->command({"TTL", store_->answers_key("VSC", period)}).as_integer();
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 200);
}

// Answers stored before the period hashes, one key each, still answer a repeated transition.
TEST_F(CaseStoreTest, AnAnswerUnderItsOwnKeyStillAnswers) {
  receive(9);
  op(Op::kQueue, 9, 0);
  op(Op::kOffer, 9, 0, "A");
  op(Op::kAccept, 9, 1, "A");
  op(Op::kDecide, 9, 1, "A", "approve");
  conn_->command(
      {"SET", store_->idempotency_key("VSC", "w:approve:9:1"), "ok|decided|2", "EX", "60"});
  expect(op(Op::kDecide, 9, 1, "A", "approve", "VSC", "w:approve:9:1"), Status::kApplied,
         CaseState::kDecided, 2);
}

TEST_F(CaseStoreTest, TransferIsTwoIdempotentSteps) {
  receive(6);
  op(Op::kQueue, 6, 0);
  auto moved = store_->transfer("VSC", R(6), 0, "NSC", "docketctl:ops", "move-6");
  expect(moved, Status::kApplied, CaseState::kQueued, 2);
  EXPECT_EQ(store_->get("VSC", R(6))->state, CaseState::kTransferred);
  EXPECT_EQ(store_->get("VSC", R(6))->transfer_to, "NSC");
  auto there = store_->get("NSC", R(6)).value();
  EXPECT_EQ(there.state, CaseState::kQueued);
  EXPECT_EQ(there.center, "NSC");
  EXPECT_EQ(there.form, "I-130");
  // Repeating the whole move changes nothing.
  EXPECT_TRUE(store_->transfer("VSC", R(6), 0, "NSC", "docketctl:ops", "move-6").ok());
  // The history follows the case across the move.
  std::vector<std::string> ops, from;
  for (const auto& e : store_->history("NSC", R(6))) {
    ops.push_back(e.op);
    from.push_back(e.from);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"receive", "queue", "transfer_out", "transfer_in"}));
  // Each starts from the state the one before left, across the move too.
  EXPECT_EQ(from, (std::vector<std::string>{"", "received", "queued", "transferred"}));

  // Back to VSC later: the tombstone there gives way to the newer move.
  auto back = store_->transfer("NSC", R(6), 2, "VSC", "docketctl:ops");
  EXPECT_EQ(back.status, Status::kApplied) << back.message;
  EXPECT_EQ(back.state, CaseState::kQueued);
  EXPECT_EQ(store_->get("VSC", R(6))->state, CaseState::kQueued);
  EXPECT_EQ(store_->get("NSC", R(6))->state, CaseState::kTransferred);
  EXPECT_EQ(store_->history("VSC", R(6)).size(), 6U);
  EXPECT_EQ(store_->resume_transfers("NSC"), 0U);
  EXPECT_EQ(store_->resume_transfers("VSC"), 0U);

  // A move cut short after its first step is finished by resume_transfers().
  receive(7);
  op(Op::kQueue, 7, 0);
  EXPECT_EQ(op(Op::kTransferOut, 7, 0, "", "TSC").status, Status::kApplied);
  EXPECT_FALSE(store_->get("TSC", R(7)).has_value());
  EXPECT_EQ(store_->resume_transfers("VSC"), 1U);
  EXPECT_EQ(store_->get("TSC", R(7))->state, CaseState::kQueued);
  EXPECT_EQ(store_->resume_transfers("VSC"), 0U);
  EXPECT_EQ(op(Op::kTransferOut, 7, 1, "", "VSC").status, Status::kIllegal);
}

TEST_F(CaseStoreTest, BatchesKeepOrderAcrossCenters) {
  std::vector<Transition> ts;
  const char* centers[] = {"VSC", "NSC", "CSC"};
  for (std::uint64_t n = 100; n < 1100; ++n) {
    Transition t;
    t.op = Op::kReceive;
    t.receipt = R(n);
    t.center = centers[n % 3];
    t.actor = "intake";
    t.record = sample_case(n, t.center);
    ts.push_back(t);
    Transition q = t;
    q.op = Op::kQueue;
    q.record.reset();
    ts.push_back(q);
  }
  auto results = store_->apply(ts);
  ASSERT_EQ(results.size(), ts.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_EQ(results[i].status, Status::kApplied) << i << " " << results[i].message;
    ASSERT_EQ(results[i].state, i % 2 ? CaseState::kQueued : CaseState::kReceived);
  }
  std::size_t total = 0;
  for (const char* c : centers) {
    total += store_->scan(c, [&](StoredCase&& sc) {
      EXPECT_EQ(sc.state, CaseState::kQueued);
      EXPECT_EQ(sc.center, c);
    });
  }
  EXPECT_EQ(total, 1000U);
}

TEST_F(CaseStoreTest, BadRecordsAreRefusedWithAClearError) {
  StoredCase c = sample_case(8);
  c.category = "has|bar";
  EXPECT_THROW(encode(c), InvalidArgument);
  EXPECT_THROW(decode(R(8), "VSC", "1|queued|I-130"), InvalidArgument);
  StoredCase ok = sample_case(8);
  ok.excluded = {"A", "B"};
  ok.court_date = Date{std::chrono::year{2026}, std::chrono::month{5}, std::chrono::day{4}};
  ok.outcome = Outcome::kApprove;
  const StoredCase back = decode(R(8), "VSC", encode(ok));
  EXPECT_EQ(back.excluded, ok.excluded);
  EXPECT_EQ(back.court_date, ok.court_date);
  EXPECT_EQ(back.outcome, ok.outcome);
  EXPECT_EQ(back.deadline, ok.deadline);
  EXPECT_THROW(decode(R(8), "NSC", encode(ok)), InvalidArgument);  // Stored in the wrong center.
  EXPECT_THROW(decode(R(8), "VSC", encode(ok) + "|extra"), InvalidArgument);
  StoredCase bad_date = ok;
  bad_date.court_date = Date{std::chrono::year{2026}, std::chrono::month{2}, std::chrono::day{30}};
  EXPECT_THROW(decode(R(8), "VSC", encode(bad_date)), InvalidArgument);
  // A malformed stored record is refused cleanly, and a scan reports it and goes on.
  conn_->command({"HSET", store_->cases_key("VSC"), R(9).str(), "1|queued|I-130"});
  receive(10);
  EXPECT_EQ(op(Op::kQueue, 9, 0).status, Status::kBadRequest);
  std::vector<std::string> bad;
  const auto n = store_->scan("VSC", [](StoredCase&&) {},
                              [&](const std::string& field, const std::string&) { bad.push_back(field); });
  EXPECT_EQ(n, 2U);
  EXPECT_EQ(bad, std::vector<std::string>{R(9).str()});
  EXPECT_THROW(store_->scan("VSC", [](StoredCase&&) {}), InvalidArgument);
  EXPECT_EQ(op(Op::kQueue, 8, 0, "", "", "VSC").status, Status::kUnknownCase);
}

}  // namespace
}  // namespace docket::store

namespace docket::store {
namespace {

class CaseStoreImportTest : public testing::StoreTest {};

// The transition function lives in Redis (a Functions library named after its source). A server
// that lost it (FUNCTION FLUSH, or a restart without its data) is given it again by the next
// call, which then runs once; another version's library on the same server is left alone, so
// two schedulers of different versions each call their own.
TEST_F(CaseStoreImportTest, AServerThatLostTheFunctionIsGivenItAgainAndTheCallRunsOnce) {
  const std::string other = "docket_transition_0000000000000000";
  conn_->load_library("#!lua name=" + other + "\nredis.register_function('" + other +
                      "', function() return 'other version' end)");
  Transition t;
  t.op = Op::kImport;
  t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 44);
  t.center = "VSC";
  t.record = testing::sample_case(44);
  ASSERT_EQ(store_->apply(t).status, TransitionResult::Status::kApplied);
  const auto libraries = [&] {
    std::vector<std::string> names;
    for (const Reply& lib : conn_->command({"FUNCTION", "LIST"}).elements)
      names.push_back(lib.elements.at(1).str);  // library_name, <name>, engine, ...
    std::sort(names.begin(), names.end());
    return names;
  };
  EXPECT_EQ(libraries(),
            (std::vector<std::string>{other, std::string(scripts::kTransitionFunction)}));
  EXPECT_EQ(conn_->fcall(other, "", {}, {}).str, "other version");

  conn_->command({"FUNCTION", "FLUSH"});
  t.op = Op::kOffer;
  t.record.reset();
  t.officer = "ISO-1";
  const auto offered = store_->apply(t);
  EXPECT_EQ(offered.status, TransitionResult::Status::kApplied) << offered.message;
  EXPECT_EQ(offered.epoch, 1);
  EXPECT_EQ(store_->get("VSC", t.receipt)->epoch, 1);
  EXPECT_EQ(store_->history("VSC", t.receipt).size(), 2U);
  EXPECT_EQ(libraries(), (std::vector<std::string>{std::string(scripts::kTransitionFunction)}));
}

TEST_F(CaseStoreImportTest, ImportQueuesDirectlyAndOnlyOnce) {
  Transition t;
  t.op = Op::kImport;
  t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 42);
  t.center = "VSC";
  t.actor = "import";
  t.record = testing::sample_case(42);
  t.record->state = CaseState::kDecided;  // Ignored: an import always lands queued at epoch 0.
  t.record->epoch = 9;
  auto first = store_->apply(t);
  EXPECT_EQ(first.status, TransitionResult::Status::kApplied) << first.message;
  EXPECT_EQ(first.state, CaseState::kQueued);
  auto again = store_->apply(t);
  EXPECT_EQ(again.status, TransitionResult::Status::kDuplicate);
  const auto stored = store_->get("VSC", t.receipt).value();
  EXPECT_EQ(stored.state, CaseState::kQueued);
  EXPECT_EQ(stored.epoch, 0);
  EXPECT_FALSE(stored.last_audit.empty());
  const auto h = store_->history("VSC", t.receipt);
  ASSERT_EQ(h.size(), 1U);
  EXPECT_EQ(h[0].op, "import");
  EXPECT_EQ(h[0].to, "queued");
}

// Calls sent ahead run in the order sent, whenever their answers are read: an accept sent after
// its offer finds the case offered, also when the accept's answers are read first.
TEST_F(CaseStoreImportTest, CallsSentAheadRunInOrderAndAnswerWhenWaitedFor) {
  const Transition imported = import_sample(60);
  const Transition other = import_sample(61);
  auto offer = store_->send({offer_for(imported)});
  Transition accept = offer_for(imported);
  accept.op = Op::kAccept;
  accept.epoch = 1;
  accept.actor = "ISO-1";
  auto accepted = store_->send({accept});
  EXPECT_TRUE(offer.out());
  const auto second = store_->wait(accepted);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].status, TransitionResult::Status::kApplied) << second[0].message;
  EXPECT_EQ(second[0].state, CaseState::kAssigned);
  const auto first = store_->wait(offer);
  EXPECT_EQ(first.at(0).state, CaseState::kOffered);
  EXPECT_FALSE(offer.out());
  EXPECT_THROW(store_->wait(offer), InvalidArgument);

  // A call dropped unanswered still runs; a call made after it reads past its answers.
  { auto dropped = store_->send({offer_for(other, "ISO-2")}); }
  EXPECT_EQ(store_->get("VSC", other.receipt)->state, CaseState::kOffered);
  EXPECT_EQ(store_->get("VSC", other.receipt)->officer, "ISO-2");
  EXPECT_EQ(conn_->in_flight(), 0U);
  // An empty call sends nothing and answers nothing.
  auto empty = store_->send({});
  EXPECT_TRUE(store_->wait(empty).empty());
}

// A script running past busy-reply-threshold makes Redis answer every other call BUSY, without
// running it: the store reports that as unreachable for now (the caller answers `unavailable`
// and sends again), not as a refusal of each transition.
TEST_F(CaseStoreImportTest, ACallRedisCannotRunYetIsUnreachableAndChangesNothing) {
  const Transition imported = import_sample(44);
  auto admin = server_->connect();
  admin->command({"CONFIG", "SET", "busy-reply-threshold", "50"});
  std::thread busy([&] {
    auto other = server_->connect();
    other->command({"EVAL",
                    "local s = redis.call('TIME') "
                    "repeat local n = redis.call('TIME') "
                    "until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 1000000 return 1",
                    "0"});
  });
  // Past the threshold, and well before the script ends.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  try {
    store_->apply(offer_for(imported));
    ADD_FAILURE() << "a call answered BUSY was taken as answered";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("BUSY"), std::string::npos) << e.what();
  }
  // A plain command too: the store is unreachable for now, not refusing the read.
  EXPECT_THROW(store_->get("VSC", imported.receipt), IoError);
  busy.join();
  const auto offered = store_->apply(offer_for(imported));
  EXPECT_EQ(offered.status, Status::kApplied) << offered.message;
  EXPECT_EQ(offered.epoch, 1);
  EXPECT_EQ(store_->history("VSC", imported.receipt).size(), 2U);
}

// A call lost with its connection is sent again as it was, retry key included: the script answers
// from the key and applies nothing a second time.
TEST_F(CaseStoreImportTest, ARepeatedCallIsAnsweredFromItsRetryKey) {
  Transition t;
  t.op = Op::kImport;
  t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 43);
  t.center = "VSC";
  t.record = testing::sample_case(43);
  store_->apply(t);
  RedisConnection::Call call;
  call.keys = {store_->cases_key("VSC"), store_->audit_key("VSC"),
               store_->answers_key("VSC", 29'500'000), store_->answers_key("VSC", 29'499'999),
               store_->idempotency_key("VSC", "call-1")};
  call.args = {"1770000000", "60",        "60",    "5", "0", "0", "offer", t.receipt.str(),
               "0",          "scheduler", "ISO-1", "",  "",  "",  ""};
  auto first =
      conn_->fcall(scripts::kTransitionFunction, scripts::kTransitionLibrary, call.keys, call.args);
  auto second =
      conn_->fcall(scripts::kTransitionFunction, scripts::kTransitionLibrary, call.keys, call.args);
  ASSERT_EQ(first.elements.size(), 1U);
  EXPECT_EQ(first.elements[0].str, "ok|offered|1");
  EXPECT_EQ(second.elements[0].str, "ok|offered|1");
  EXPECT_EQ(store_->get("VSC", t.receipt)->epoch, 1);
  EXPECT_EQ(store_->history("VSC", t.receipt).size(), 2U);
}

// A desk pipelines ACCEPT and DECIDE, so both usually reach the store in one call: the record is
// read and written once, but each transition is checked on its own and audited on its own.
TEST_F(CaseStoreImportTest, TransitionsOfOneCaseInOneCallAreEachCheckedAndAudited) {
  const Transition imported = import_sample(50);
  Transition t;
  t.receipt = imported.receipt;
  t.center = "VSC";
  auto add = [&](Op op, std::int64_t epoch, std::string officer, std::string arg = "",
                 std::string detail = "") {
    t.op = op;
    t.epoch = epoch;
    t.officer = officer;
    t.actor = officer.empty() ? "docketctl:a|b" : officer;
    t.arg = std::move(arg);
    t.detail = std::move(detail);
    return t;
  };
  const std::vector<Transition> ts = {
      add(Op::kOffer, 0, "ISO-1"),
      add(Op::kAccept, 1, "ISO-1"),
      add(Op::kDecide, 1, "ISO-2", "approve"),  // Not the holder: refused, nothing changes.
      add(Op::kDecide, 1, "ISO-1", "maybe"),    // A bad outcome: refused, nothing changes.
      add(Op::kDecide, 1, "ISO-1", "approve", "note | with bars"),
      add(Op::kDecide, 1, "ISO-1", "deny"),  // Stale now: the decision moved the epoch.
  };
  const auto res = store_->apply(ts);
  ASSERT_EQ(res.size(), ts.size());
  EXPECT_EQ(res[0].status, Status::kApplied);
  EXPECT_EQ(res[1].status, Status::kApplied);
  EXPECT_EQ(res[2].status, Status::kNotHolder);
  EXPECT_EQ(res[3].status, Status::kIllegal);
  EXPECT_EQ(res[4].status, Status::kApplied) << res[4].message;
  EXPECT_EQ(res[4].state, CaseState::kDecided);
  EXPECT_EQ(res[4].epoch, 2);
  EXPECT_EQ(res[5].status, Status::kStaleEpoch);

  const auto stored = store_->get("VSC", t.receipt).value();
  EXPECT_EQ(stored.state, CaseState::kDecided);
  EXPECT_EQ(stored.outcome, Outcome::kApprove);
  EXPECT_EQ(stored.officer, "ISO-1");
  EXPECT_EQ(stored.epoch, 2);
  const auto h = store_->history("VSC", t.receipt);
  ASSERT_EQ(h.size(), 4U);
  EXPECT_EQ(chain(h), (Chain{"import >queued ", "offer queued>offered ISO-1",
                             "accept offered>assigned ISO-1", "decide assigned>decided ISO-1"}));
  EXPECT_EQ(h[3].epoch, 2);
  EXPECT_EQ(h[3].officer, "ISO-1");
  EXPECT_EQ(h[3].detail, "note | with bars");
  EXPECT_EQ(h[3].at, clock_.now());
  EXPECT_EQ(h[3].id, stored.last_audit);
}

// A desk's ACCEPT and DECIDE arrive in two messages, so a batch holds every accept before every
// decision. The store still reads each case's record once for both: it keeps a case's
// transitions together (and in order) and never splits them between two script calls.
TEST_F(CaseStoreImportTest, ABatchReadsEachCaseOnceEvenWhenItsTransitionsAreApart) {
  const int n = 250;  // More than two calls' worth (batch_size 100).
  std::vector<Transition> offers, rest;
  for (int i = 0; i < n; ++i) {
    Transition t = import_sample(1000 + i);
    t.record.reset();
    t.op = Op::kOffer;
    t.officer = t.actor = "ISO-" + std::to_string(i % 9);
    offers.push_back(t);
  }
  for (const auto& r : store_->apply(offers)) ASSERT_EQ(r.status, Status::kApplied);
  for (auto t : offers) {
    t.op = Op::kAccept;
    t.epoch = 1;
    rest.push_back(t);
  }
  for (auto t : offers) {
    t.op = Op::kDecide;
    t.epoch = 1;
    t.arg = "approve";
    t.idempotency_key = "w:approve:" + t.receipt.str() + ":1";
    rest.push_back(t);
  }
  const auto calls = [&](const std::string& command) {
    const std::string info = conn_->command({"INFO", "commandstats"}).as_string();
    const auto at = info.find("cmdstat_" + command + ":calls=");
    return at == std::string::npos ? 0L : std::stol(info.substr(at + command.size() + 15));
  };
  const long hget = calls("hget"), hmget = calls("hmget"), calls_before = calls("fcall");
  const auto res = store_->apply(rest);
  // Each call reads its cases' records with one HMGET, and its idempotency keys with one per
  // TTL period: three reads per call, none per case.
  EXPECT_EQ(calls("hget") - hget, 0);
  EXPECT_EQ(calls("hmget") - hmget, 3 * (calls("fcall") - calls_before));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(res[i].status, Status::kApplied) << res[i].message;  // In input order.
    EXPECT_EQ(res[i].state, CaseState::kAssigned);
    EXPECT_EQ(res[n + i].status, Status::kApplied) << res[n + i].message;
    EXPECT_EQ(res[n + i].state, CaseState::kDecided);
  }
  // A case's accept and decision went in one call, so they share its audit entry.
  for (int i = 0; i < n; i += 10) {
    const auto h = store_->history("VSC", offers[i].receipt);
    ASSERT_EQ(h.size(), 4U);
    EXPECT_EQ(h[2].op, "accept");
    EXPECT_EQ(h[3].op, "decide");
    EXPECT_EQ(h[2].id.substr(0, h[2].id.find('.')), h[3].id.substr(0, h[3].id.find('.')));
  }
  // Sent again, the decisions are answered from their keys and recorded once.
  const std::vector<Transition> again(rest.begin() + n, rest.end());
  for (const auto& r : store_->apply(again)) EXPECT_EQ(r.state, CaseState::kDecided);
  EXPECT_EQ(store_->history("VSC", offers[7].receipt).size(), 4U);
}

// Intake's record is checked without being taken apart: the wrong number of fields, an audit id
// already there, or another version or state is refused and nothing is stored.
TEST_F(CaseStoreImportTest, AMalformedNewRecordIsRefusedAndNothingStored) {
  StoredCase c = testing::sample_case(60);
  c.state = CaseState::kQueued;
  const std::string good = encode(c);  // Ends with '|': no audit id yet.
  const std::string receipt = c.receipt.str();
  const auto import = [&](const std::string& record) {
    const Reply r = conn_->fcall(
        scripts::kTransitionFunction, scripts::kTransitionLibrary,
        {store_->cases_key("VSC"), store_->audit_key("VSC"), store_->answers_key("VSC", 29'500'000),
         store_->answers_key("VSC", 29'499'999)},
        {"1770000000", "60", "60", "0", "0", "0", "import", receipt, "0", "intake", "", "", "",
         record, ""});
    return r.elements.at(0).str;
  };
  EXPECT_EQ(import(good.substr(0, good.size() - 1)).rfind("err|bad_request|", 0), 0U);  // 20 bars.
  EXPECT_EQ(import(good + "1-1").rfind("err|bad_request|", 0), 0U);          // An audit id.
  EXPECT_EQ(import(good + "|").rfind("err|bad_request|", 0), 0U);            // 22 bars.
  EXPECT_EQ(import("2" + good.substr(1)).rfind("err|bad_request|", 0), 0U);  // Version 2.
  EXPECT_FALSE(store_->get("VSC", c.receipt).has_value());
  EXPECT_EQ(import(good), "ok|queued|0");
  EXPECT_EQ(store_->get("VSC", c.receipt)->state, CaseState::kQueued);
}

// A call's transitions share audit entries of up to 1023 transitions: a call larger than that spans
// several entries, and each case's history still follows its own chain across them, within a
// call (an import and an offer) and from one call to the next (the accept and the decision).
TEST_F(CaseStoreImportTest, HistoriesFollowTheirChainsAcrossAuditEntriesOfOneCall) {
  StoreOptions options;
  options.batch_size = 5000;
  store_ = std::make_unique<CaseStore>(*conn_, clock_, options);
  // An entry holds 1023 transitions, so that the import of case 1511 ends the first entry and
  // its offer starts the next.
  std::vector<Transition> first, second;
  for (std::uint64_t n = 1000; n < 1700; ++n) {
    Transition t;
    t.op = Op::kImport;
    t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n);
    t.center = "VSC";
    t.actor = "intake";
    t.record = testing::sample_case(n);
    first.push_back(t);
    t.record.reset();
    t.op = Op::kOffer;
    t.actor = "scheduler";
    t.officer = "ISO-1";
    first.push_back(t);
    t.actor = "ISO-1";
    t.epoch = 1;
    t.op = Op::kAccept;
    second.push_back(t);
    t.op = Op::kDecide;
    t.arg = "approve";
    second.push_back(t);
  }
  for (const auto* batch : {&first, &second}) {
    for (const auto& r : store_->apply(*batch)) ASSERT_EQ(r.status, Status::kApplied) << r.message;
  }
  EXPECT_EQ(conn_->command({"XLEN", store_->audit_key("VSC")}).as_integer(), 4);
  for (std::uint64_t n : {1000, 1511, 1512, 1699}) {
    const auto h = store_->history("VSC", ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n));
    ASSERT_EQ(h.size(), 4U) << n;
    EXPECT_EQ(chain(h), (Chain{"import >queued intake", "offer queued>offered scheduler",
                               "accept offered>assigned ISO-1", "decide assigned>decided ISO-1"}))
        << n;
    EXPECT_EQ(h[3].epoch, 2);
    const auto entry = [](const std::string& ref) { return ref.substr(0, ref.find('.')); };
    // Case 1511's import ends the first entry and its offer starts the second.
    EXPECT_EQ(entry(h[0].id) != entry(h[1].id), n == 1511) << n << ": " << h[0].id << " " << h[1].id;
  }
}

// Free text in both the actor and the detail survives the positional audit entry.
TEST_F(CaseStoreImportTest, AuditKeepsFreeTextWhole) {
  const Transition imported = import_sample(51);
  Transition t;
  t.op = Op::kHold;
  t.receipt = imported.receipt;
  t.center = "VSC";
  t.actor = "docketctl:o|dd 12|";
  t.detail = "|security check|";
  ASSERT_EQ(store_->apply(t).status, Status::kApplied);
  const auto h = store_->history("VSC", t.receipt);
  ASSERT_EQ(h.size(), 2U);
  EXPECT_EQ(h[1].who, "docketctl:o|dd 12|");
  EXPECT_EQ(h[1].detail, "|security check|");
  EXPECT_EQ(h[1].to, "on_hold");
}

// Audit entries written before the positional format (one stream field per item) are still read.
TEST_F(CaseStoreImportTest, HistoryReadsEntriesOfTheEarlierFormat) {
  const Transition imported = import_sample(52);
  auto rec = store_->get("VSC", imported.receipt).value();
  const std::string id = conn_
                             ->command({"XADD",
                                        store_->audit_key("VSC"),
                                        "*",
                                        "r",
                                        imported.receipt.str(),
                                        "op",
                                        "hold",
                                        "from",
                                        "queued",
                                        "to",
                                        "on_hold",
                                        "who",
                                        "docketctl:ops",
                                        "at",
                                        "1770000123",
                                        "e",
                                        "1",
                                        "o",
                                        "",
                                        "x",
                                        "old entry",
                                        "p",
                                        rec.last_audit})
                             .as_string();
  rec.state = CaseState::kOnHold;
  rec.epoch = 1;
  rec.last_audit = id;
  conn_->command({"HSET", store_->cases_key("VSC"), imported.receipt.str(), encode(rec)});
  const auto h = store_->history("VSC", imported.receipt);
  ASSERT_EQ(h.size(), 2U);
  EXPECT_EQ(h[0].op, "import");
  EXPECT_EQ(h[1].op, "hold");
  EXPECT_EQ(h[1].who, "docketctl:ops");
  EXPECT_EQ(h[1].detail, "old entry");
  EXPECT_EQ(h[1].at, TimePoint(Seconds(1'770'000'123)));
  EXPECT_EQ(h[1].epoch, 1);
}

// The audit is compact: the call's time once per entry, no starting state (it is the state the
// transition before left), and no actor where the officer acted.
TEST_F(CaseStoreImportTest, AuditEntriesAreCompact) {
  const Transition imported = import_sample(53);
  Transition t;
  t.receipt = imported.receipt;
  t.center = "VSC";
  t.op = Op::kOffer;
  t.officer = "ISO-1";
  t.actor = "scheduler";
  Transition accept = t;
  accept.op = Op::kAccept;
  accept.epoch = 1;
  accept.actor = "ISO-1";
  for (const auto& r : store_->apply(std::vector<Transition>{t, accept}))
    ASSERT_EQ(r.status, Status::kApplied) << r.message;
  const Reply last =
      conn_->command({"XREVRANGE", store_->audit_key("VSC"), "+", "-", "COUNT", "1"});
  ASSERT_EQ(last.elements.size(), 1U);
  const auto& kv = last.elements[0].elements.at(1).elements;
  ASSERT_EQ(kv.size(), 6U);
  EXPECT_EQ(kv[0].str, "t");
  EXPECT_EQ(kv[1].str, std::to_string(clock_.now().time_since_epoch() / Seconds(1)));
  EXPECT_EQ(kv[2].str, "c");
  EXPECT_EQ(kv[3].str.substr(0, kv[3].str.find('|', 14)), imported.receipt.str() + "|offer");
  EXPECT_TRUE(kv[3].str.ends_with("|9|scheduler")) << kv[3].str;
  EXPECT_EQ(kv[4].str, "c");
  EXPECT_TRUE(kv[5].str.ends_with("|.1|=|")) << kv[5].str;  // The offer just before; by ISO-1.

  const auto h = store_->history("VSC", imported.receipt);
  ASSERT_EQ(h.size(), 3U);
  EXPECT_EQ(chain(h), (Chain{"import >queued ", "offer queued>offered scheduler",
                             "accept offered>assigned ISO-1"}));
  EXPECT_EQ(h[2].officer, "ISO-1");
  EXPECT_EQ(h[2].at, clock_.now());

  // No actor, with an officer on the case: an empty actor, not the officer's '='.
  Transition decide = accept;
  decide.op = Op::kDecide;
  decide.arg = "approve";
  decide.actor = "";
  ASSERT_EQ(store_->apply(decide).status, Status::kApplied);
  const auto held = store_->history("VSC", imported.receipt);
  ASSERT_EQ(held.size(), 4U);
  EXPECT_EQ(held[3].officer, "ISO-1");
  EXPECT_EQ(held[3].who, "");
}

// A chain that runs from compact entries into positional ones written before them (one field
// `a` per transition, with its starting state) and back reads as one history.
TEST_F(CaseStoreImportTest, HistoryReadsPositionalEntriesAmongCompactOnes) {
  const Transition imported = import_sample(54);
  auto rec = store_->get("VSC", imported.receipt).value();
  const std::string body = imported.receipt.str() + "|hold|queued|on_hold|1770000123|1||" +
                           rec.last_audit + "|13|docketctl:opspositional";
  const std::string id =
      conn_->command({"XADD", store_->audit_key("VSC"), "*", "a", body}).as_string() + ".1";
  rec.state = CaseState::kOnHold;
  rec.epoch = 1;
  rec.last_audit = id;
  conn_->command({"HSET", store_->cases_key("VSC"), imported.receipt.str(), encode(rec)});
  Transition release;
  release.op = Op::kRelease;
  release.receipt = imported.receipt;
  release.center = "VSC";
  release.epoch = 1;
  release.actor = "docketctl:ops";
  ASSERT_EQ(store_->apply(release).status, Status::kApplied);
  const auto h = store_->history("VSC", imported.receipt);
  ASSERT_EQ(h.size(), 3U);
  EXPECT_EQ(chain(h), (Chain{"import >queued ", "hold queued>on_hold docketctl:ops",
                             "release on_hold>queued docketctl:ops"}));
  EXPECT_EQ(h[1].detail, "positional");
  EXPECT_EQ(h[1].at, TimePoint(Seconds(1'770'000'123)));
}

}  // namespace
}  // namespace docket::store

namespace docket::store {
namespace {

class CaseStoreCompactTest : public testing::StoreTest {};

TEST_F(CaseStoreCompactTest, CompactRewritesTheAofAndToleratesARewriteUnderWay) {
  const Transition t = import_sample(77);
  store_->compact();
  store_->compact();  // Possibly while the first is still running: not an error.
  EXPECT_TRUE(wait_for_aof_rewrite());
  // The data survives a restart from the rewritten file.
  server().stop();
  server().restart();
  connect();
  EXPECT_EQ(store_->get("VSC", t.receipt)->state, CaseState::kQueued);
}

}  // namespace
}  // namespace docket::store

namespace docket::store {
namespace {

class BulkImportTest : public testing::StoreTest {};

TEST_F(BulkImportTest, HoldsRewritesWhileImportingAndRestoresThemAfter) {
  auto setting = [&] {
    return conn_->command({"CONFIG", "GET", "auto-aof-rewrite-percentage"}).elements.at(1).str;
  };
  conn_->command({"CONFIG", "SET", "auto-aof-rewrite-percentage", "150"});
  {
    CaseStore::BulkImport bulk(*store_);
    EXPECT_TRUE(bulk.holding());
    EXPECT_EQ(setting(), "0");
    import_sample(88);
  }
  EXPECT_EQ(setting(), "150");
  EXPECT_TRUE(wait_for_aof_rewrite());
}

}  // namespace
}  // namespace docket::store

namespace docket::store {
namespace {

// Store-side fencing of a deposed leader: every call carries the term its caller won, and the
// script refuses the whole call when the term key has moved on.
class CaseStoreFenceTest : public testing::StoreTest {
 protected:
  static constexpr const char* kTermKey = "docket:{leader}:term";
  void SetUp() override {
    StoreTest::SetUp();
    conn_->command({"SET", kTermKey, "7"});
  }
  // The stored record and the audit stream's length: together they show whether a call wrote.
  std::pair<std::string, std::int64_t> snapshot(ReceiptNumber r) {
    const Reply rec = conn_->command({"HGET", store_->cases_key("VSC"), r.str()});
    return {rec.is_nil() ? "" : rec.str,
            conn_->command({"XLEN", store_->audit_key("VSC")}).as_integer()};
  }
};

TEST_F(CaseStoreFenceTest, AStaleTermIsRefusedAndChangesNothing) {
  const Transition imported = import_sample(70);
  store_->set_fence({kTermKey, 6});
  const auto before = snapshot(imported.receipt);
  Transition offer = offer_for(imported);
  EXPECT_THROW(store_->apply(offer), FencedError);
  // A new case, a case of another center and an idempotency key are refused alike.
  Transition other = imported;
  other.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 71);
  other.record = testing::sample_case(71, "NSC");
  other.center = "NSC";
  offer.idempotency_key = "fenced-offer";
  EXPECT_THROW(store_->apply(std::vector<Transition>{offer, other}), FencedError);
  EXPECT_EQ(snapshot(imported.receipt), before);
  EXPECT_FALSE(store_->get("NSC", other.receipt).has_value());
  for (const auto& key : conn_->command({"KEYS", "*answers*"}).elements)
    EXPECT_EQ(conn_->command({"HEXISTS", key.str, "fenced-offer"}).as_integer(), 0);
  EXPECT_EQ(store_->get("VSC", imported.receipt)->state, CaseState::kQueued);
  // A fenced transfer stops at its first step.
  EXPECT_THROW(store_->transfer("VSC", imported.receipt, 0, "NSC", "scheduler"), FencedError);
  EXPECT_EQ(snapshot(imported.receipt), before);
  // A term ahead of the stored one (a term key lost with a failover) is not current either.
  store_->set_fence({kTermKey, 8});
  EXPECT_THROW(store_->apply(offer), FencedError);
  EXPECT_EQ(snapshot(imported.receipt), before);
}

TEST_F(CaseStoreFenceTest, TheCurrentTermPassesUntilTheTermMovesOn) {
  store_->set_fence({kTermKey, 7});
  const Transition imported = import_sample(72);
  Transition offer = offer_for(imported);
  const auto r = store_->apply(offer);
  EXPECT_EQ(r.status, TransitionResult::Status::kApplied) << r.message;
  EXPECT_EQ(r.epoch, 1);
  // Another scheduler is elected: the same holder's next write is refused.
  conn_->command({"INCR", kTermKey});
  Transition timeout = offer;
  timeout.op = Op::kOfferTimeout;
  timeout.epoch = 1;
  const auto before = snapshot(imported.receipt);
  EXPECT_THROW(store_->apply(timeout), FencedError);
  EXPECT_EQ(snapshot(imported.receipt), before);
  EXPECT_EQ(store_->get("VSC", imported.receipt)->state, CaseState::kOffered);
}

// Roster changes made at runtime are kept in the store, whole per officer, and fenced like
// transitions.
TEST_F(CaseStoreFenceTest, OfficerRecordsAreKeptAndAStaleTermWritesNone) {
  EXPECT_TRUE(store_->officers().empty());
  store_->put_officer("ISO-B", R"({"officer":"ISO-B","capacity":2})");
  store_->set_fence({kTermKey, 7});
  store_->put_officer("ISO-A", R"({"officer":"ISO-A","capacity":3})");
  store_->put_officer("ISO-B", R"({"officer":"ISO-B","capacity":4})");
  using Records = std::vector<std::pair<std::string, std::string>>;
  const Records expected = {{"ISO-A", R"({"officer":"ISO-A","capacity":3})"},
                            {"ISO-B", R"({"officer":"ISO-B","capacity":4})"}};
  EXPECT_EQ(store_->officers(), expected);
  conn_->command({"INCR", kTermKey});
  EXPECT_THROW(store_->put_officer("ISO-B", R"({"officer":"ISO-B","capacity":9})"), FencedError);
  EXPECT_THROW(store_->put_officer("ISO-C", "{}"), FencedError);
  EXPECT_EQ(store_->officers(), expected);
}

TEST_F(CaseStoreFenceTest, WithoutATermNothingIsChecked) {
  // No leader election (a single scheduler, the tests): a default fence sends no term key, so a
  // term key left in Redis by anything else does not matter.
  store_->set_fence({});
  EXPECT_FALSE(store_->fence().active());
  const Transition imported = import_sample(73);
  EXPECT_EQ(store_->get("VSC", imported.receipt)->state, CaseState::kQueued);
  store_->set_fence({kTermKey, 0});
  EXPECT_FALSE(store_->fence().active());
  const Transition second = import_sample(74);
  EXPECT_EQ(store_->get("VSC", second.receipt)->state, CaseState::kQueued);
}

}  // namespace
}  // namespace docket::store
