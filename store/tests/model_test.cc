// Model-based test: random operations with fixed seeds run against the real Lua script on a real
// redis-server and against an in-memory reference model written independently from the script's
// rule table in design.md; every answer and the final state of every case must agree.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "store_test_util.h"

namespace docket::store {
namespace {

using Status = TransitionResult::Status;

struct ModelCase {
  CaseState state = CaseState::kReceived;
  std::int64_t epoch = 0;
  std::string officer;
  bool senior = false;
  std::set<std::string> excluded;
};

class Model {
 public:
  TransitionResult apply(const Transition& t) {
    TransitionResult r;
    auto fail = [&](Status s) {
      r.status = s;
      return r;
    };
    const std::uint64_t key = t.receipt.packed();
    if (!t.idempotency_key.empty()) {
      if (auto it = answers_.find(t.idempotency_key); it != answers_.end()) return it->second;
    }
    auto remember = [&](const TransitionResult& res) {
      if (!t.idempotency_key.empty()) answers_[t.idempotency_key] = res;
      return res;
    };
    if (t.op == Op::kReceive) {
      auto [it, fresh] = cases_.try_emplace(key);
      r.status = fresh ? Status::kApplied : Status::kDuplicate;
      r.state = it->second.state;
      r.epoch = it->second.epoch;
      return remember(r);
    }
    auto it = cases_.find(key);
    if (it == cases_.end()) return remember(fail(Status::kUnknownCase));
    ModelCase& c = it->second;
    if (t.epoch != c.epoch) return remember(fail(Status::kStaleEpoch));
    using S = CaseState;
    auto in = [&](std::initializer_list<S> states) {
      return std::find(states.begin(), states.end(), c.state) != states.end();
    };
    const S requeue = c.senior ? S::kQaReview : S::kQueued;
    const bool holder = t.officer == c.officer;
    const bool verdict = t.arg == "approve" || t.arg == "deny";
    S to = c.state;
    bool bump = true;
    switch (t.op) {
      case Op::kQueue:
        if (!in({S::kReceived})) return remember(fail(Status::kIllegal));
        to = S::kQueued;
        bump = false;
        break;
      case Op::kOffer:
        if (!in({S::kQueued, S::kQaReview})) return remember(fail(Status::kIllegal));
        if (t.officer.empty() || c.excluded.count(t.officer)) return remember(fail(Status::kIllegal));
        c.officer = t.officer;
        to = S::kOffered;
        break;
      case Op::kAccept:
        if (in({S::kAssigned}) && holder) {
          r.status = Status::kDuplicate;
          r.state = c.state;
          r.epoch = c.epoch;
          return remember(r);
        }
        if (!in({S::kOffered})) return remember(fail(Status::kIllegal));
        if (!holder) return remember(fail(Status::kNotHolder));
        to = S::kAssigned;
        bump = false;
        break;
      case Op::kDecline:
      case Op::kOfferTimeout:
      case Op::kLeaseExpiry:
        if (!(in({S::kOffered}) || (t.op == Op::kLeaseExpiry && in({S::kAssigned})))) {
          return remember(fail(Status::kIllegal));
        }
        if (t.op == Op::kDecline && !holder) return remember(fail(Status::kNotHolder));
        c.officer.clear();
        to = requeue;
        break;
      case Op::kRfeOut:
        if (!in({S::kAssigned})) return remember(fail(Status::kIllegal));
        if (!holder) return remember(fail(Status::kNotHolder));
        if (c.senior) return remember(fail(Status::kIllegal));
        c.officer.clear();
        to = S::kRfePending;
        break;
      case Op::kRfeIn: {
        if (!in({S::kRfePending})) return remember(fail(Status::kIllegal));
        // The argument, when given, is the recomputed deadline in Unix seconds.
        const bool numeric = !t.arg.empty() && t.arg.find_first_not_of("0123456789") == std::string::npos;
        if (!t.arg.empty() && !numeric) return remember(fail(Status::kIllegal));
        to = S::kQueued;
        break;
      }
      case Op::kDecide:
      case Op::kQaReview:
        if (!in({S::kAssigned})) return remember(fail(Status::kIllegal));
        if (!holder) return remember(fail(Status::kNotHolder));
        if ((t.op == Op::kDecide) == c.senior || !verdict) return remember(fail(Status::kIllegal));
        c.senior = false;
        to = S::kDecided;
        break;
      case Op::kQaSample:
        if (!in({S::kDecided})) return remember(fail(Status::kIllegal));
        if (!c.officer.empty()) c.excluded.insert(c.officer);
        c.officer.clear();
        c.senior = true;
        to = S::kQaReview;
        break;
      case Op::kHold:
        if (!in({S::kReceived, S::kQueued, S::kAssigned})) return remember(fail(Status::kIllegal));
        if (c.state == S::kAssigned && !holder) return remember(fail(Status::kIllegal));
        c.officer.clear();
        to = S::kOnHold;
        break;
      case Op::kRelease:
        if (!in({S::kOnHold})) return remember(fail(Status::kIllegal));
        to = requeue;  // A QA case comes back to the QA queue.
        break;
      default:
        return remember(fail(Status::kBadRequest));
    }
    c.state = to;
    c.epoch += bump ? 1 : 0;
    r.state = c.state;
    r.epoch = c.epoch;
    return remember(r);
  }
  const std::map<std::uint64_t, ModelCase>& cases() const { return cases_; }

 private:
  std::map<std::uint64_t, ModelCase> cases_;
  std::map<std::string, TransitionResult> answers_;
};

class ModelTest : public testing::StoreTest, public ::testing::WithParamInterface<std::uint64_t> {};

TEST_P(ModelTest, RandomOperationsAgreeWithTheReferenceModel) {
  std::mt19937_64 rng(GetParam());
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const std::vector<Op> ops = {Op::kReceive, Op::kQueue,      Op::kOffer,     Op::kAccept,
                               Op::kDecline, Op::kOfferTimeout, Op::kLeaseExpiry, Op::kRfeOut,
                               Op::kRfeIn,   Op::kDecide,     Op::kQaSample,  Op::kQaReview,
                               Op::kHold,    Op::kRelease};
  const std::vector<std::string> officers = {"A", "B", "C", "D"};
  // Operations that are legal from each state, to steer most steps towards real work.
  const std::map<CaseState, std::vector<Op>> legal = {
      {CaseState::kReceived, {Op::kQueue, Op::kHold}},
      {CaseState::kQueued, {Op::kOffer, Op::kHold}},
      {CaseState::kOffered, {Op::kAccept, Op::kDecline, Op::kOfferTimeout, Op::kLeaseExpiry}},
      {CaseState::kAssigned, {Op::kDecide, Op::kRfeOut, Op::kLeaseExpiry, Op::kHold, Op::kQaReview}},
      {CaseState::kRfePending, {Op::kRfeIn}},
      {CaseState::kOnHold, {Op::kRelease}},
      {CaseState::kDecided, {Op::kQaSample}},
      {CaseState::kQaReview, {Op::kOffer}}};
  Model model;
  int applied = 0;
  const int kOps = 4000;
  std::vector<Transition> batch;
  std::vector<TransitionResult> wants;
  auto flush = [&] {
    auto got = store_->apply(batch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& want = wants[i];
      ASSERT_EQ(got[i].status, want.status)
          << to_string(batch[i].op) << " on " << batch[i].receipt.str() << ": " << got[i].message;
      if (want.ok()) {
        ASSERT_EQ(got[i].state, want.state) << to_string(batch[i].op);
        ASSERT_EQ(got[i].epoch, want.epoch) << to_string(batch[i].op);
        applied += want.status == Status::kApplied;
      }
    }
    batch.clear();
    wants.clear();
  };
  for (int step = 0; step < kOps; ++step) {
    Transition t;
    t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 700 + static_cast<std::uint64_t>(pick(40)));
    t.center = "VSC";
    const auto known = model.cases().find(t.receipt.packed());
    if (known != model.cases().end() && pick(4) != 0) {
      const auto& choices = legal.at(known->second.state);
      t.op = choices[static_cast<std::size_t>(pick(static_cast<int>(choices.size())))];
    } else {
      t.op = ops[static_cast<std::size_t>(pick(static_cast<int>(ops.size())))];
    }
    t.officer = officers[static_cast<std::size_t>(pick(4))];
    t.actor = t.officer;
    // Mostly the current epoch (so that work gets done), sometimes a stale or future one.
    t.epoch = known == model.cases().end() ? 0 : known->second.epoch;
    if (pick(10) == 0) t.epoch += pick(3) - 1;
    // Mostly the holder when there is one.
    if (known != model.cases().end() && !known->second.officer.empty() && pick(4) != 0) {
      t.officer = known->second.officer;
    }
    t.arg = pick(8) == 0 ? "maybe" : (pick(2) ? "approve" : "deny");
    if (t.op == Op::kRfeIn && pick(4) != 0) t.arg = pick(2) ? "1790000000" : "";
    if (pick(5) == 0) t.idempotency_key = "k" + std::to_string(pick(200));
    if (t.op == Op::kReceive) t.record = testing::sample_case(t.receipt.digits());
    // The model answers now, so the next steps see the state this one leaves.
    wants.push_back(model.apply(t));
    batch.push_back(t);
    // Batches of random length, so that one call carries several transitions of one case.
    if (pick(4) == 0) {
      flush();
      if (HasFatalFailure()) return;
    }
  }
  flush();
  EXPECT_GT(applied, kOps / 3);
  // Final states agree case by case.
  std::size_t stored = store_->scan("VSC", [&](StoredCase&& c) {
    const auto& m = model.cases().at(c.receipt.packed());
    EXPECT_EQ(c.state, m.state) << c.receipt.str();
    EXPECT_EQ(c.epoch, m.epoch) << c.receipt.str();
    EXPECT_EQ(c.officer, m.officer) << c.receipt.str();
    EXPECT_EQ(c.senior_review, m.senior) << c.receipt.str();
  });
  EXPECT_EQ(stored, model.cases().size());
}

// Three seeds of 4,000 operations each: 12,000 operations in all.
INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest, ::testing::Values(11, 23, 47));

}  // namespace
}  // namespace docket::store
