#include "docket/matching/case_index.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "docket/testing/fixtures.h"

namespace docket::matching {
namespace {

using std::chrono::days;
using testing::make_case;

class CaseIndexTest : public ::testing::Test {
 protected:
  std::vector<std::uint64_t> drain_order(std::uint32_t klass) {
    idx_.prepare();
    std::vector<std::uint64_t> out;
    const auto& cls = idx_.classes().at(klass);
    for (std::size_t i = cls.head; i < cls.queue.size(); ++i) {
      out.push_back(idx_.record(cls.queue[i].slot).receipt & ((1ULL << 34) - 1));
    }
    return out;
  }
  Catalog cat_ = testing::small_catalog();
  TimePoint t_ = testing::test_epoch();
  CaseIndex idx_;
};

TEST_F(CaseIndexTest, QueueIsEarliestDeadlineFirstWithReceiptTimeBreakingTies) {
  idx_.enqueue(make_case(cat_, 1, "I-130", "VSC", t_, 50), false);
  idx_.enqueue(make_case(cat_, 2, "I-130", "VSC", t_, 10), false);
  idx_.enqueue(make_case(cat_, 3, "I-130", "VSC", t_ - days(5), 15), false);  // deadline t+10
  idx_.enqueue(make_case(cat_, 4, "I-130", "VSC", t_, 30), false);
  EXPECT_EQ(idx_.classes().size(), 1U);
  EXPECT_EQ(drain_order(0), (std::vector<std::uint64_t>{3, 2, 4, 1}));
  EXPECT_EQ(idx_.queued(), 4U);
}

TEST_F(CaseIndexTest, DequeueAndEraseAreLazyButExact) {
  for (int i = 1; i <= 6; ++i) idx_.enqueue(make_case(cat_, i, "I-130", "VSC", t_, i), false);
  EXPECT_TRUE(idx_.dequeue(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 3),
                           CaseState::kOffered, 7));
  EXPECT_FALSE(idx_.dequeue(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 3),
                            CaseState::kOffered, 7));
  EXPECT_TRUE(idx_.erase(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 1)));
  EXPECT_FALSE(idx_.erase(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 1)));
  EXPECT_EQ(drain_order(0), (std::vector<std::uint64_t>{2, 4, 5, 6}));
  EXPECT_EQ(idx_.queued(), 4U);
  EXPECT_EQ(idx_.size(), 5U);
  const auto slot = idx_.find(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 3)).value();
  EXPECT_EQ(idx_.record(slot).state, CaseState::kOffered);
  EXPECT_EQ(idx_.record(slot).officer, 7U);
  // Requeued (declined): back in its original place.
  idx_.enqueue(make_case(cat_, 3, "I-130", "VSC", t_, 3), false);
  EXPECT_EQ(drain_order(0), (std::vector<std::uint64_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(idx_.position(slot), 2U);
}

TEST_F(CaseIndexTest, CasesTakenFromTheMiddleByPositionCompactExactly) {
  // Positions given with dequeue_slot() mark entries (no record reads at compaction); a wrong
  // position is ignored, and a case taken without one still goes.
  std::vector<std::uint32_t> slots;
  for (int i = 1; i <= 10; ++i) slots.push_back(idx_.enqueue(make_case(cat_, i, "I-130", "VSC", t_, i), false));
  idx_.prepare();
  EXPECT_TRUE(idx_.dequeue_slot(slots[3], CaseState::kOffered, 1, 3));   // Case 4 at 3.
  EXPECT_TRUE(idx_.dequeue_slot(slots[5], CaseState::kOffered, 1, 5));   // Case 6 at 5.
  EXPECT_TRUE(idx_.dequeue_slot(slots[7], CaseState::kOffered, 1, 2));   // Case 8: wrong position.
  EXPECT_TRUE(idx_.dequeue(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 9), CaseState::kOffered, 1));
  EXPECT_EQ(idx_.classes()[0].buried, 2U);
  EXPECT_EQ(drain_order(0), (std::vector<std::uint64_t>{1, 2, 3, 5, 7, 10}));
  EXPECT_EQ(idx_.classes()[0].buried, 0U);
  // Only buried entries stale this time: compaction trusts the marks.
  EXPECT_TRUE(idx_.dequeue_slot(slots[4], CaseState::kOffered, 1, 3));   // Case 5, now at 3.
  EXPECT_EQ(drain_order(0), (std::vector<std::uint64_t>{1, 2, 3, 7, 10}));
  // A requeued case (declined) comes back in its place.
  idx_.enqueue(make_case(cat_, 4, "I-130", "VSC", t_, 4), false);
  EXPECT_EQ(drain_order(0), (std::vector<std::uint64_t>{1, 2, 3, 4, 7, 10}));
  EXPECT_EQ(idx_.queued(), 6U);
}

TEST_F(CaseIndexTest, DequeueBySlotMatchesDequeueByReceipt) {
  std::vector<std::uint32_t> slots;
  for (int i = 1; i <= 4; ++i) slots.push_back(idx_.enqueue(make_case(cat_, i, "I-130", "VSC", t_, i), false));
  EXPECT_EQ(idx_.find(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 2)).value(), slots[1]);
  EXPECT_TRUE(idx_.dequeue_slot(slots[1], CaseState::kOffered, 7));
  EXPECT_FALSE(idx_.dequeue_slot(slots[1], CaseState::kOffered, 7));  // No longer queued.
  EXPECT_EQ(idx_.record(slots[1]).state, CaseState::kOffered);
  EXPECT_EQ(idx_.record(slots[1]).officer, 7U);
  EXPECT_TRUE(idx_.erase(ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 3)));
  EXPECT_FALSE(idx_.dequeue_slot(slots[2], CaseState::kOffered, 7));  // Erased: a free slot.
  EXPECT_FALSE(idx_.dequeue_slot(1'000, CaseState::kOffered, 7));     // Past the records.
  EXPECT_EQ(drain_order(0), (std::vector<std::uint64_t>{1, 4}));
  EXPECT_EQ(idx_.queued(), 2U);
  // A new case takes the freed slot.
  EXPECT_EQ(idx_.enqueue(make_case(cat_, 9, "I-130", "VSC", t_, 9), false), slots[2]);
}

TEST_F(CaseIndexTest, ClassesSplitOnEveryEligibilityField) {
  Case base = make_case(cat_, 1, "I-130", "VSC", t_, 30);
  idx_.enqueue(base, false);
  Case other = base;
  other.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 2);
  other.priority = Priority::kExpedite;
  idx_.enqueue(other, false);
  other.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 3);
  other.priority = Priority::kNormal;
  other.language = 0;
  idx_.enqueue(other, false);
  other.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 4);
  other.language = kNoLanguage;
  other.excluded = {5, 2};
  idx_.enqueue(other, false);
  other.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 5);
  other.excluded = {2, 5};  // The same set in another order: the same class.
  idx_.enqueue(other, false);
  EXPECT_EQ(idx_.classes().size(), 4U);
  EXPECT_EQ(idx_.classes()[3].live, 2U);
  EXPECT_EQ(idx_.to_case(idx_.find(other.receipt).value()).excluded, (std::vector<OfficerId>{2, 5}));
}

TEST_F(CaseIndexTest, RandomOperationsKeepQueuesSortedAndCountsExact) {
  std::mt19937 rng(42);
  std::map<std::uint64_t, bool> queued;  // receipt digits -> queued?
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t n = rng() % 500;
    const auto r = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n);
    switch (rng() % 4) {
      case 0:
      case 1:
        idx_.enqueue(make_case(cat_, n, "I-130", "VSC", t_, static_cast<int>(rng() % 300)), false);
        queued[n] = true;
        break;
      case 2:
        EXPECT_EQ(idx_.dequeue(r, CaseState::kOffered), queued.count(n) != 0 && queued.at(n));
        if (queued.count(n)) queued.at(n) = false;
        break;
      default:
        EXPECT_EQ(idx_.erase(r), queued.count(n) != 0);
        queued.erase(n);
    }
    if (step % 997 == 0) {
      idx_.prepare();
      std::size_t live = 0;
      for (auto& [k, v] : queued) live += v;
      ASSERT_EQ(idx_.queued(), live);
      if (idx_.classes().empty()) continue;
      const auto& cls = idx_.classes()[0];
      ASSERT_EQ(cls.queue.size() - cls.head, live);
      ASSERT_TRUE(std::is_sorted(cls.queue.begin() + static_cast<std::ptrdiff_t>(cls.head),
                                 cls.queue.end()));
    }
  }
}

TEST(ReceiptMapTest, MatchesAStandardMapUnderRandomInsertsAndErases) {
  // Few distinct keys, so that probe runs collide, wrap around and shift back on erase.
  ReceiptMap map;
  std::unordered_map<std::uint64_t, std::uint32_t> want;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 200'000; ++step) {
    const std::uint64_t key = rng() % 3'000;
    const auto op = rng() % 5;
    if (op == 0) {
      const bool added = want.emplace(key, static_cast<std::uint32_t>(step)).second;
      ASSERT_EQ(map.insert(key, static_cast<std::uint32_t>(step)), added);
    } else if (op == 1) {
      ASSERT_EQ(map.erase(key), want.erase(key) == 1);
    } else if (op == 2) {
      // find_or_insert: the slot there, or the one given when the key is new.
      const auto [it, added] = want.emplace(key, static_cast<std::uint32_t>(step));
      bool inserted = false;
      ASSERT_EQ(map.find_or_insert(key, static_cast<std::uint32_t>(step), inserted), it->second);
      ASSERT_EQ(inserted, added);
    } else if (op == 3) {
      // erase reports the slot it removed.
      const auto it = want.find(key);
      std::uint32_t slot = 0;
      ASSERT_EQ(map.erase(key, &slot), it != want.end());
      if (it != want.end()) {
        ASSERT_EQ(slot, it->second);
        want.erase(it);
      }
    } else {
      const std::uint32_t* got = map.find(key);
      const auto it = want.find(key);
      ASSERT_EQ(got != nullptr, it != want.end());
      if (got != nullptr) {
        ASSERT_EQ(*got, it->second);
      }
    }
    ASSERT_EQ(map.size(), want.size());
  }
  for (const auto& [key, slot] : want) {
    ASSERT_NE(map.find(key), nullptr);
    EXPECT_EQ(*map.find(key), slot);
  }
  map.reserve(100'000);  // Rehashing keeps every entry.
  for (const auto& [key, slot] : want) EXPECT_EQ(*map.find(key), slot);
  EXPECT_EQ(map.find(5'000), nullptr);
}

}  // namespace
}  // namespace docket::matching
