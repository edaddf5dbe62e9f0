// The triage cost model in the real matcher: which cases of one equivalence class a round
// offers when capacity is short.
#include <gtest/gtest.h>

#include <set>

#include "docket/matching/matcher.h"
#include "docket/testing/fixtures.h"

namespace docket::matching {
namespace {

using std::chrono::days;
using testing::make_case;
using testing::make_officer;

class TriageTest : public ::testing::Test {
 protected:
  TriageTest() : cat_(testing::small_catalog()), clock_(testing::test_epoch()) {}

  static Options with(const std::string& urgency) {
    Options o;
    o.cost_models = {{urgency, 1.0}, {"skill-fit", 1.0}, {"load-balance", 1.0}};
    return o;
  }

  // One I-130 officer with `capacity` slots, and one class of I-130 cases at VSC (goal 180
  // days): two late ones (20 and 5 days past), one due in 10 days, one in 100.
  std::set<std::string> offered(const std::string& urgency, int capacity) {
    Matcher m(cat_, with(urgency), clock_);
    m.add_officer(make_officer(cat_, "A", "VSC", {{"i130", 3}}, capacity));
    const TimePoint now = clock_.now();
    m.enqueue(make_case(cat_, 1, "I-130", "VSC", now - days(200), 180));  // 20 days late.
    m.enqueue(make_case(cat_, 2, "I-130", "VSC", now - days(185), 180));  // 5 days late.
    m.enqueue(make_case(cat_, 3, "I-130", "VSC", now - days(170), 180));  // Due in 10 days.
    m.enqueue(make_case(cat_, 4, "I-130", "VSC", now - days(80), 180));   // Due in 100 days.
    std::set<std::string> out;
    for (const auto& a : m.plan_round().assignments) out.insert(a.receipt.str());
    return out;
  }

  Catalog cat_;
  ManualClock clock_;
};

TEST_F(TriageTest, DeadlineSlackServesTheLateCasesOfAClassFirst) {
  EXPECT_EQ(offered("deadline-slack", 1), (std::set<std::string>{"EAC0000000001"}));
}

TEST_F(TriageTest, OnTimeCasesGoFirstThenLateOnesInDeadlineOrderThenFarDeadlines) {
  EXPECT_EQ(offered("triage", 1), (std::set<std::string>{"EAC0000000003"}));
  // The second slot goes to the late bucket, whose earliest deadline (received first) leads.
  EXPECT_EQ(offered("triage", 2), (std::set<std::string>{"EAC0000000003", "EAC0000000001"}));
  EXPECT_EQ(offered("triage", 3),
            (std::set<std::string>{"EAC0000000003", "EAC0000000001", "EAC0000000002"}));
  EXPECT_EQ(offered("triage", 4).size(), 4U);
}

}  // namespace
}  // namespace docket::matching
