#include "docket/core/deadline.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "docket/core/error.h"

namespace docket {
namespace {

using std::chrono::sys_days;

Date ymd(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

std::string text(const std::optional<Date>& d) { return d ? docket::to_string(*d) : "(none)"; }

TimePoint utc(int y, unsigned m, unsigned d, int h, int min = 0, int s = 0) {
  return TimePoint{sys_days{ymd(y, m, d)}} + std::chrono::hours{h} + std::chrono::minutes{min} +
         Seconds{s};
}

// I-129 premium processing: 15 business days (Form I-907).
constexpr int kI129PremiumDays = 15;

TEST(PremiumClockTest, DueFifteenBusinessDaysAfterReceipt) {
  BusinessCalendar cal;
  // Received Monday 2025-03-03; the receipt day is day 0.
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kRestart);
  EXPECT_FALSE(clock.stopped());
  EXPECT_EQ(text(clock.due(cal)), "2025-03-24");
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 3), cal), 0);
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 10), cal), 5);
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 1), cal), 0);  // Before the start.
}

TEST(PremiumClockTest, DueSkipsThanksgiving) {
  BusinessCalendar cal;
  PremiumClock clock(kI129PremiumDays, ymd(2025, 11, 20), RfeClockRule::kRestart);
  EXPECT_EQ(text(clock.due(cal)), "2025-12-12");
}

TEST(PremiumClockTest, RestartRuleStartsAFullPeriodFromTheResponse) {
  BusinessCalendar cal;
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kRestart);
  clock.stop(ymd(2025, 3, 10));
  EXPECT_TRUE(clock.stopped());
  EXPECT_FALSE(clock.due(cal).has_value());
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 14), cal), 5);  // Frozen at the stop.
  clock.restart(ymd(2025, 3, 17));
  EXPECT_FALSE(clock.stopped());
  EXPECT_EQ(text(clock.due(cal)), "2025-04-07");
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 19), cal), 2);
}

TEST(PremiumClockTest, ResumeRuleCarriesTheDaysUsedBeforeTheRfe) {
  BusinessCalendar cal;
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kResume);
  clock.stop(ymd(2025, 3, 10));  // Five business days used: March 4-7 and 10.
  EXPECT_FALSE(clock.due(cal).has_value());
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 20), cal), 5);
  clock.restart(ymd(2025, 3, 17));
  EXPECT_EQ(text(clock.due(cal)), "2025-03-31");  // Ten days left from March 17.
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 19), cal), 7);
}

TEST(PremiumClockTest, ResumeRuleHandlesSeveralRfes) {
  BusinessCalendar cal;
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kResume);
  clock.stop(ymd(2025, 3, 10));
  clock.restart(ymd(2025, 3, 17));
  clock.stop(ymd(2025, 3, 19));  // Two more days used: March 18 and 19.
  clock.restart(ymd(2025, 3, 24));
  EXPECT_EQ(text(clock.due(cal)), "2025-04-03");  // Eight days left from March 24.
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 24), cal), 7);
}

TEST(PremiumClockTest, RestartRuleHandlesSeveralRfes) {
  BusinessCalendar cal;
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kRestart);
  clock.stop(ymd(2025, 3, 10));
  clock.restart(ymd(2025, 3, 17));
  clock.stop(ymd(2025, 3, 19));
  clock.restart(ymd(2025, 3, 24));
  EXPECT_EQ(text(clock.due(cal)), to_string(cal.add_business_days(ymd(2025, 3, 24), 15)));
  EXPECT_EQ(clock.elapsed(ymd(2025, 3, 24), cal), 0);
}

TEST(PremiumClockTest, SameDayResponseLeavesResumedDueDateUnchanged) {
  BusinessCalendar cal;
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kResume);
  clock.stop(ymd(2025, 3, 5));
  clock.restart(ymd(2025, 3, 5));
  EXPECT_EQ(text(clock.due(cal)), "2025-03-24");
}

TEST(PremiumClockTest, ResumedClockThatHadRunOutIsDueOnTheResponseDay) {
  BusinessCalendar cal;
  PremiumClock clock(3, ymd(2025, 3, 3), RfeClockRule::kResume);
  clock.stop(ymd(2025, 3, 10));
  clock.restart(ymd(2025, 3, 12));
  EXPECT_EQ(text(clock.due(cal)), "2025-03-12");
}

TEST(PremiumClockTest, StoppingTwiceThrows) {
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kRestart);
  clock.stop(ymd(2025, 3, 10));
  EXPECT_THROW(clock.stop(ymd(2025, 3, 11)), InvalidArgument);
  EXPECT_TRUE(clock.stopped());
}

TEST(PremiumClockTest, RestartWithoutStopThrows) {
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kResume);
  EXPECT_THROW(clock.restart(ymd(2025, 3, 10)), InvalidArgument);
  EXPECT_FALSE(clock.stopped());
}

TEST(PremiumClockTest, RestartBeforeStopThrows) {
  BusinessCalendar cal;
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kRestart);
  clock.stop(ymd(2025, 3, 10));
  EXPECT_THROW(clock.restart(ymd(2025, 3, 7)), InvalidArgument);
  EXPECT_TRUE(clock.stopped());
  clock.restart(ymd(2025, 3, 10));  // The same day is allowed.
  EXPECT_EQ(text(clock.due(cal)), to_string(cal.add_business_days(ymd(2025, 3, 10), 15)));
}

TEST(PremiumClockTest, StopBeforeStartAndBadArgumentsThrow) {
  PremiumClock clock(kI129PremiumDays, ymd(2025, 3, 3), RfeClockRule::kRestart);
  EXPECT_THROW(clock.stop(ymd(2025, 3, 2)), InvalidArgument);
  EXPECT_FALSE(clock.stopped());
  EXPECT_THROW(PremiumClock(-1, ymd(2025, 3, 3), RfeClockRule::kRestart), InvalidArgument);
  EXPECT_THROW(PremiumClock(15, ymd(2025, 2, 29), RfeClockRule::kRestart), InvalidArgument);
}

class ComputeDeadlineTest : public ::testing::Test {
 protected:
  ComputeDeadlineTest() {
    vsc_.code = "VSC";
    vsc_.timezone = "America/New_York";
    csc_.code = "CSC";
    csc_.timezone = "America/Los_Angeles";
    i129_.code = "I-129";
    i129_.goal_days = 30;
    i129_.expedite_goal_days = 10;
    i129_.premium_business_days = kI129PremiumDays;
    i130_.code = "I-130";
    i130_.goal_days = 0;
    n400_.code = "N-400";
    n400_.goal_days = 180;
    kase_.receipt = *ReceiptNumber::parse("EAC2590012345");
    kase_.received = utc(2025, 3, 3, 15);  // 10:00 in Vermont, Monday.
  }

  TimePoint deadline(const FormPolicy& form, const Center& center, int fallback = 365) const {
    return compute_deadline(kase_, form, center, cal_, fallback);
  }

  BusinessCalendar cal_;
  Center vsc_;
  Center csc_;
  FormPolicy i129_;
  FormPolicy i130_;
  FormPolicy n400_;
  Case kase_;
};

TEST_F(ComputeDeadlineTest, NormalIsGoalDaysAfterReceiptAtEndOfLocalDay) {
  kase_.priority = Priority::kNormal;
  // 2025-03-03 + 180 days = 2025-08-30, which ends at 03:59:59 UTC (EDT).
  EXPECT_EQ(deadline(n400_, vsc_), utc(2025, 8, 31, 3, 59, 59));
  EXPECT_EQ(deadline(n400_, csc_), utc(2025, 8, 31, 6, 59, 59));
}

TEST_F(ComputeDeadlineTest, ReceiptDateIsTheCentersLocalDate) {
  kase_.priority = Priority::kNormal;
  // 02:00 UTC on March 4 is still March 3 in Vermont and in California.
  kase_.received = utc(2025, 3, 4, 2);
  EXPECT_EQ(deadline(n400_, vsc_), utc(2025, 8, 31, 3, 59, 59));
  // 06:00 UTC is March 4 in Vermont but March 3 in California.
  kase_.received = utc(2025, 3, 4, 6);
  EXPECT_EQ(deadline(n400_, vsc_), utc(2025, 9, 1, 3, 59, 59));
  EXPECT_EQ(deadline(n400_, csc_), utc(2025, 8, 31, 6, 59, 59));
}

TEST_F(ComputeDeadlineTest, ExpediteUsesExpediteGoal) {
  kase_.priority = Priority::kExpedite;
  EXPECT_EQ(deadline(i129_, vsc_), utc(2025, 3, 14, 3, 59, 59));  // 2025-03-13, EDT.
}

TEST_F(ComputeDeadlineTest, ExpediteFallsBackToGoalDays) {
  kase_.priority = Priority::kExpedite;
  EXPECT_EQ(deadline(n400_, vsc_), utc(2025, 8, 31, 3, 59, 59));
}

TEST_F(ComputeDeadlineTest, PremiumIsEndOfBusinessDayAfterClock) {
  kase_.priority = Priority::kPremium;
  // Fifteen business days after Monday 2025-03-03 is Monday 2025-03-24 (EDT by then).
  EXPECT_EQ(deadline(i129_, vsc_), utc(2025, 3, 25, 3, 59, 59));
  EXPECT_EQ(deadline(i129_, csc_), utc(2025, 3, 25, 6, 59, 59));
}

TEST_F(ComputeDeadlineTest, PremiumCountsFromTheLocalReceiptDate) {
  kase_.priority = Priority::kPremium;
  // 05:00 UTC on Friday 2025-03-07 is Thursday evening in California, Friday in Vermont.
  kase_.received = utc(2025, 3, 7, 5);
  EXPECT_EQ(deadline(i129_, csc_), utc(2025, 3, 28, 6, 59, 59));  // Thursday 2025-03-27.
  EXPECT_EQ(deadline(i129_, vsc_), utc(2025, 3, 29, 3, 59, 59));  // Friday 2025-03-28.
}

TEST_F(ComputeDeadlineTest, LitigationIsBufferBusinessDaysBeforeCourtDate) {
  kase_.priority = Priority::kLitigation;
  kase_.court_date = ymd(2025, 7, 11);  // Friday; Independence Day falls inside the buffer.
  EXPECT_EQ(deadline(n400_, vsc_), utc(2025, 7, 4, 3, 59, 59));  // Thursday 2025-07-03.
  n400_.litigation_buffer_business_days = 0;
  EXPECT_EQ(deadline(n400_, vsc_), utc(2025, 7, 12, 3, 59, 59));
}

TEST_F(ComputeDeadlineTest, FormWithoutGoalUsesFallbackDays) {
  kase_.priority = Priority::kNormal;
  EXPECT_EQ(deadline(i130_, vsc_, 365), utc(2026, 3, 4, 4, 59, 59));  // 2026-03-03, EST.
  EXPECT_EQ(deadline(i130_, vsc_, 0), utc(2025, 3, 4, 4, 59, 59));
  kase_.priority = Priority::kExpedite;
  EXPECT_EQ(deadline(i130_, vsc_, 30), utc(2025, 4, 3, 3, 59, 59));
  EXPECT_THROW(deadline(i130_, vsc_, -1), InvalidArgument);
}

TEST_F(ComputeDeadlineTest, PremiumOnFormWithoutClockThrows) {
  kase_.priority = Priority::kPremium;
  try {
    deadline(n400_, vsc_);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("N-400"), std::string::npos) << e.what();
  }
}

TEST_F(ComputeDeadlineTest, LitigationWithoutCourtDateThrows) {
  kase_.priority = Priority::kLitigation;
  try {
    deadline(n400_, vsc_);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("EAC2590012345"), std::string::npos) << e.what();
  }
}

TEST_F(ComputeDeadlineTest, UnknownTimezoneThrows) {
  vsc_.timezone = "America/Burlington";
  kase_.priority = Priority::kNormal;
  EXPECT_THROW(deadline(n400_, vsc_), InvalidArgument);
  vsc_.timezone = "";
  EXPECT_THROW(deadline(n400_, vsc_), InvalidArgument);
}

}  // namespace
}  // namespace docket
