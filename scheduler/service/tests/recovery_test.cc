#include "docket/service/recovery.h"

#include <gtest/gtest.h>

#include "docket/testing/fixtures.h"
#include "store_test_util.h"

namespace docket::service {
namespace {

using std::chrono::days;
using store::Op;
using store::Transition;

class RecoveryTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    cat_ = docket::testing::small_catalog();
  }
  std::unique_ptr<matching::Matcher> fresh_matcher() {
    auto m = std::make_unique<matching::Matcher>(cat_, matching::Options{}, clock_);
    m->add_officer(docket::testing::make_officer(cat_, "A", "VSC", {{"i130", 3}}, 3));
    m->add_officer(docket::testing::make_officer(cat_, "B", "VSC", {{"i130", 3}}, 3));
    Officer senior = docket::testing::make_officer(cat_, "S", "VSC", {{"i130", 5}}, 3);
    senior.senior = true;
    m->add_officer(senior);
    return m;
  }
  // Receives and queues case n (deadline in `days_left`), then runs `ops` on it.
  void make(std::uint64_t n, int days_left, std::vector<std::tuple<Op, std::int64_t, std::string, std::string>> ops = {}) {
    auto m = fresh_matcher();
    Case c = docket::testing::make_case(cat_, n, "I-130", "VSC", clock_.now() - days(10), days_left + 10);
    c.state = CaseState::kReceived;
    Transition t;
    t.op = Op::kReceive;
    t.receipt = c.receipt;
    t.center = "VSC";
    t.actor = "intake";
    t.record = to_stored(c, cat_, *m);
    ASSERT_TRUE(store_->apply(t).ok());
    t.record.reset();
    t.op = Op::kQueue;
    ASSERT_TRUE(store_->apply(t).ok());
    for (const auto& [op, epoch, officer, arg] : ops) {
      t.op = op;
      t.epoch = epoch;
      t.officer = officer;
      t.arg = arg;
      auto r = store_->apply(t);
      ASSERT_TRUE(r.ok()) << store::to_string(op) << ": " << r.message;
    }
  }
  static ReceiptNumber R(std::uint64_t n) { return ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n); }
  Catalog cat_;
};

TEST_F(RecoveryTest, RestoresQueuesOffersAndAssignments) {
  make(1, 30);
  make(2, 5);
  make(3, 60);
  make(4, 20, {{Op::kOffer, 0, "A", ""}});
  make(5, 20, {{Op::kOffer, 0, "B", ""}, {Op::kAccept, 1, "B", ""}});
  make(6, 20, {{Op::kOffer, 0, "A", ""}, {Op::kAccept, 1, "A", ""}, {Op::kRfeOut, 1, "A", ""}});
  make(7, 20, {{Op::kOffer, 0, "A", ""}, {Op::kAccept, 1, "A", ""}, {Op::kDecide, 1, "A", "approve"}});
  make(8, 1, {{Op::kOffer, 0, "B", ""}, {Op::kAccept, 1, "B", ""}, {Op::kDecide, 1, "B", "deny"},
              {Op::kQaSample, 2, "", ""}});
  make(9, 20, {{Op::kHold, 0, "", ""}});
  ASSERT_TRUE(store_->transfer("VSC", R(3), 0, "CSC", "ops").ok());

  auto m = fresh_matcher();
  const RecoveryStats stats = recover(*store_, cat_, *m);
  EXPECT_TRUE(stats.rejected.empty());
  EXPECT_EQ(stats.cases, 10U);  // Nine at VSC (one a transfer tombstone) and one at CSC.
  EXPECT_EQ(stats.queued, 4U);  // 1, 2, 3 (at CSC), and 8 waiting for QA review.
  EXPECT_EQ(stats.held, 2U);    // 4 offered to A, 5 assigned to B.
  EXPECT_EQ(stats.other, 2U);   // 6 with its RFE out, 9 on hold.
  EXPECT_EQ(stats.decided, 1U);
  EXPECT_EQ(stats.transferred, 1U);
  EXPECT_EQ(m->officer(0).load, 1);
  EXPECT_EQ(m->officer(1).load, 1);
  EXPECT_EQ(m->index().queued(), 4U);
  auto state_of = [&](std::uint64_t n) {
    return m->index().record(m->index().find(R(n)).value()).state;
  };
  EXPECT_EQ(state_of(4), CaseState::kOffered);
  EXPECT_EQ(state_of(5), CaseState::kAssigned);
  EXPECT_EQ(state_of(6), CaseState::kRfePending);
  EXPECT_EQ(state_of(9), CaseState::kOnHold);
  EXPECT_FALSE(m->index().find(R(7)).has_value());

  // The next round offers in the same order as before the restart: QA case 8 to the senior,
  // never to its decider B; then case 2 (5 days) before case 1 (30 days).
  const auto plan = m->run_round();
  std::map<std::string, std::string> got;
  for (const auto& a : plan.assignments) got[a.receipt.str()] = m->officer(a.officer).id;
  EXPECT_EQ(got.at(R(8).str()), "S");
  EXPECT_TRUE(got.count(R(2).str()));
  EXPECT_FALSE(got.count(R(3).str()));  // It lives at CSC now, where nobody holds i130.
}

TEST_F(RecoveryTest, SurvivesAServerCrashAndReportsBadRecords) {
  make(1, 30);
  make(2, 20, {{Op::kOffer, 0, "A", ""}});
  // A record naming a form this configuration does not know.
  auto m0 = fresh_matcher();
  Case odd = docket::testing::make_case(cat_, 3, "I-130", "VSC", clock_.now(), 30);
  store::StoredCase s = to_stored(odd, cat_, *m0);
  s.form = "I-999";
  Transition t;
  t.op = Op::kReceive;
  t.receipt = odd.receipt;
  t.center = "VSC";
  t.record = s;
  ASSERT_TRUE(store_->apply(t).ok());

  server().kill();
  server().restart();
  connect();
  auto m = fresh_matcher();
  const RecoveryStats stats = recover(*store_, cat_, *m);
  ASSERT_EQ(stats.rejected.size(), 1U);
  EXPECT_NE(stats.rejected[0].find("I-999"), std::string::npos) << stats.rejected[0];
  EXPECT_EQ(stats.queued, 1U);
  EXPECT_EQ(stats.held, 1U);
  EXPECT_EQ(m->officer(0).load, 1);
  // The rejected record is still in the store, untouched.
  EXPECT_EQ(store_->get("VSC", odd.receipt)->form, "I-999");
}

}  // namespace
}  // namespace docket::service

namespace docket::service {
namespace {

class RecoveryOrderTest : public store::testing::StoreTest {};

// Queues come back in exactly their order, ties included, and a case held by an officer who has
// left the roster goes back to its queue with its lease lapsed.
TEST_F(RecoveryOrderTest, QueuesComeBackInTheirOrderAndOrphanedLeasesLapse) {
  const Catalog cat = docket::testing::small_catalog();
  matching::Matcher before(cat, matching::Options{}, clock_);
  before.add_officer(docket::testing::make_officer(cat, "A", "VSC", {{"i130", 3}}, 3));
  auto inst = docket::testing::random_instance(cat, 5, 600, 0, clock_.now());
  std::vector<Transition> ts;
  for (auto& c : inst.cases) {
    c.excluded.clear();
    c.preferred_officer = kNoOfficer;
    c.senior_review = false;
    // Many ties: whole days only, and receipt times on three distinct instants.
    c.deadline = std::chrono::floor<std::chrono::days>(c.deadline);
    c.received = clock_.now() - std::chrono::hours(24 * (c.receipt.digits() % 3));
    before.enqueue(c);
    Transition t;
    t.op = Op::kImport;
    t.receipt = c.receipt;
    t.center = cat.center(c.center).code;
    t.record = to_stored(c, cat, before);
    ts.push_back(std::move(t));
  }
  for (const auto& r : store_->apply(ts)) ASSERT_TRUE(r.ok()) << r.message;
  // An offer to someone not on the next roster.
  Transition offer;
  offer.op = Op::kOffer;
  offer.receipt = inst.cases.front().receipt;
  offer.center = cat.center(inst.cases.front().center).code;
  offer.officer = "ISO-RETIRED";
  ASSERT_TRUE(store_->apply(offer).ok());

  matching::Matcher after(cat, matching::Options{}, clock_);
  after.add_officer(docket::testing::make_officer(cat, "A", "VSC", {{"i130", 3}}, 3));
  const RecoveryStats stats = recover(*store_, cat, after);
  EXPECT_TRUE(stats.rejected.empty());
  EXPECT_EQ(stats.requeued, 1U);
  EXPECT_EQ(stats.queued, inst.cases.size());
  EXPECT_EQ(store_->get(offer.center, offer.receipt)->state, CaseState::kQueued);

  auto order = [](matching::Matcher& m) {
    m.index().prepare();
    std::map<std::string, std::vector<std::uint64_t>> by_class;
    for (const auto& cls : m.index().classes()) {
      const std::string key = std::to_string(cls.key.form) + "/" + std::to_string(cls.key.center) +
                              "/" + std::to_string(static_cast<int>(cls.key.priority)) + "/" +
                              std::to_string(cls.key.language) + "/" +
                              std::to_string(static_cast<int>(cls.key.clearance));
      for (std::size_t i = cls.head; i < cls.queue.size(); ++i) by_class[key].push_back(cls.queue[i].receipt);
    }
    return by_class;
  };
  EXPECT_EQ(order(before), order(after));
}

}  // namespace
}  // namespace docket::service
