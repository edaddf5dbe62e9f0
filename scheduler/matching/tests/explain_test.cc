#include <gtest/gtest.h>

#include <algorithm>

#include "docket/matching/matcher.h"
#include "docket/testing/fixtures.h"

namespace docket::matching {
namespace {

using std::chrono::days;
using testing::make_case;
using testing::make_officer;
using Verdict = Explanation::Verdict;

class ExplainTest : public ::testing::Test {
 protected:
  Catalog cat_ = testing::small_catalog();
  ManualClock clock_{testing::test_epoch()};
  Matcher m_{cat_, Options{}, clock_};
  TimePoint now() { return clock_.now(); }
  static ReceiptNumber r(std::uint64_t n) {
    return ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n);
  }
};

TEST_F(ExplainTest, UnknownCase) {
  EXPECT_EQ(m_.explain(r(404)).verdict, Verdict::kUnknownCase);
}

TEST_F(ExplainTest, NoEligibleOfficerNamesTheReasons) {
  m_.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 5}}));
  m_.add_officer(make_officer(cat_, "b", "VSC", {{"i129", 1}}));
  m_.enqueue(make_case(cat_, 1, "I-129", "VSC", now(), 50));
  m_.run_round();
  Explanation e = m_.explain(r(1));
  EXPECT_EQ(e.verdict, Verdict::kNoEligibleOfficer);
  EXPECT_EQ(e.officers_eligible, 0);
  EXPECT_EQ(e.rejected_by, (std::vector<std::pair<std::string, int>>{{"skill", 1}, {"level", 1}}));
  EXPECT_NE(e.summary.find("1 skill"), std::string::npos) << e.summary;
}

TEST_F(ExplainTest, NonePresentAndAllAtCapacity) {
  const OfficerId a = m_.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  m_.set_presence(a, Presence::kAway);
  m_.enqueue(make_case(cat_, 1, "I-130", "VSC", now(), 50));
  EXPECT_EQ(m_.explain(r(1)).verdict, Verdict::kNonePresent);
  m_.set_presence(a, Presence::kAvailable);
  m_.enqueue(make_case(cat_, 2, "I-130", "VSC", now(), 10));
  m_.run_round();
  Explanation e = m_.explain(r(1));
  EXPECT_EQ(e.verdict, Verdict::kAllAtCapacity);
  EXPECT_EQ(e.queue_position, 1U);
  EXPECT_EQ(e.class_size, 1U);
}

TEST_F(ExplainTest, ARemovedOfficerIsNoReasonToWaitAndNoLongerPreferred) {
  const OfficerId a = m_.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  Case back = make_case(cat_, 1, "I-130", "VSC", now(), 50);
  back.preferred_officer = a;  // Back from an RFE that officer asked for.
  m_.set_presence(a, Presence::kAway);
  m_.enqueue(back);
  EXPECT_EQ(m_.explain(r(1)).verdict, Verdict::kNonePresent);
  m_.remove_officer(a);
  Explanation removed = m_.explain(r(1));
  EXPECT_EQ(removed.verdict, Verdict::kNoEligibleOfficer);
  EXPECT_EQ(removed.officers_total, 0);

  // Another officer takes it: away from an officer who is only absent, the path pays the
  // affinity cost; away from a removed one, it does not.
  m_.add_officer(make_officer(cat_, "b", "VSC", {{"i130", 3}}));
  m_.run_round();
  const auto affinity = [&] {
    for (const auto& t : m_.explain(r(1)).cost_terms)
      if (t.model == "affinity") return t.cost;
    return Cost{-1};
  };
  EXPECT_EQ(affinity(), 0);
}

TEST_F(ExplainTest, AnOfficerAwayIsStillPreferred) {
  const OfficerId a = m_.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}));
  m_.add_officer(make_officer(cat_, "b", "VSC", {{"i130", 3}}));
  Case back = make_case(cat_, 1, "I-130", "VSC", now(), 50);
  back.preferred_officer = a;
  m_.set_presence(a, Presence::kAway);
  m_.enqueue(back);
  m_.run_round();
  Explanation e = m_.explain(r(1));
  ASSERT_EQ(e.verdict, Verdict::kAssigned);
  EXPECT_EQ(e.officer, "b");
  const auto term = std::find_if(e.cost_terms.begin(), e.cost_terms.end(),
                                 [](const auto& t) { return t.model == "affinity"; });
  ASSERT_NE(term, e.cost_terms.end());
  EXPECT_GT(term->cost, 0);
}

TEST_F(ExplainTest, OutrankedWhenMoreUrgentCasesTookTheRoom) {
  m_.add_officer(make_officer(cat_, "a", "VSC", {{"i130", 3}}, 2));
  m_.add_officer(make_officer(cat_, "b", "VSC", {{"i130", 3}}, 1));
  for (int i = 1; i <= 3; ++i) m_.enqueue(make_case(cat_, i, "I-130", "VSC", now(), i));
  m_.enqueue(make_case(cat_, 9, "I-130", "VSC", now(), 100));
  m_.run_round();
  // Officer b finishes a case: room exists, but the last round went to more urgent cases.
  m_.release(1);
  Explanation e = m_.explain(r(9));
  EXPECT_EQ(e.verdict, Verdict::kOutranked);
  EXPECT_EQ(e.outranked_by, 3);
  EXPECT_EQ(e.officers_with_room, 1);
}

TEST_F(ExplainTest, AssignedSaysWhyThisOfficer) {
  m_.add_officer(make_officer(cat_, "senior", "VSC", {{"i130", 5}}));
  m_.add_officer(make_officer(cat_, "fit", "VSC", {{"i130", 2}}));
  m_.enqueue(make_case(cat_, 1, "I-130", "VSC", now() - days(100), 120));
  m_.run_round();
  Explanation e = m_.explain(r(1));
  EXPECT_EQ(e.verdict, Verdict::kAssigned);
  ASSERT_TRUE(e.officer.has_value());
  EXPECT_EQ(*e.officer, "fit");
  EXPECT_EQ(e.officers_eligible, 2);
  EXPECT_FALSE(e.cost_terms.empty());
  EXPECT_NE(e.summary.find("fit"), std::string::npos);
  Cost total = 0;
  for (const auto& t : e.cost_terms) total += t.cost;
  Cost waiting = 0;
  for (const auto& t : e.unassigned_terms) waiting += t.cost;
  EXPECT_GT(waiting, 0);
  EXPECT_GE(total, 0);
}

}  // namespace
}  // namespace docket::matching
