#include "docket/core/calendar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "docket/core/error.h"

namespace docket {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

Date ymd(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

Date plus(Date d, int n) { return Date{sys_days{d} + days{n}}; }

TimePoint utc(int y, unsigned m, unsigned d, int h, int min = 0, int s = 0) {
  return TimePoint{sys_days{ymd(y, m, d)}} + std::chrono::hours{h} + std::chrono::minutes{min} +
         Seconds{s};
}

std::vector<std::string> observed_dates(const BusinessCalendar& cal, int year) {
  std::vector<std::string> out;
  for (const Holiday& h : cal.holidays(std::chrono::year{year})) out.push_back(to_string(h.date));
  return out;
}

bool has_holiday_named(const BusinessCalendar& cal, int year, const std::string& name) {
  for (const Holiday& h : cal.holidays(std::chrono::year{year})) {
    if (h.name == name) return true;
  }
  return false;
}

// Day-by-day references for the fast paths of BusinessCalendar.
Date naive_shift(const BusinessCalendar& cal, Date start, int n) {
  Date cur = start;
  int step = n < 0 ? -1 : 1;
  for (int left = n * step; left > 0;) {
    cur = plus(cur, step);
    if (cal.is_business_day(cur)) --left;
  }
  return cur;
}

int naive_between(const BusinessCalendar& cal, Date from, Date to) {
  int n = 0;
  for (Date d = plus(from, 1); d <= to; d = plus(d, 1)) n += cal.is_business_day(d) ? 1 : 0;
  return n;
}

// Observed federal holidays as published by OPM (opm.gov/policy-data-oversight/pay-leave/
// federal-holidays).
TEST(BusinessCalendarTest, HolidaysMatchOpmTables2024To2027) {
  BusinessCalendar cal;
  EXPECT_EQ(observed_dates(cal, 2024),
            (std::vector<std::string>{"2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27",
                                      "2024-06-19", "2024-07-04", "2024-09-02", "2024-10-14",
                                      "2024-11-11", "2024-11-28", "2024-12-25"}));
  EXPECT_EQ(observed_dates(cal, 2025),
            (std::vector<std::string>{"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26",
                                      "2025-06-19", "2025-07-04", "2025-09-01", "2025-10-13",
                                      "2025-11-11", "2025-11-27", "2025-12-25"}));
  EXPECT_EQ(observed_dates(cal, 2026),
            (std::vector<std::string>{"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25",
                                      "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12",
                                      "2026-11-11", "2026-11-26", "2026-12-25"}));
  EXPECT_EQ(observed_dates(cal, 2027),
            (std::vector<std::string>{"2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31",
                                      "2027-06-18", "2027-07-05", "2027-09-06", "2027-10-11",
                                      "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31"}));
}

TEST(BusinessCalendarTest, ObservedHolidayCarriesLegalDateAndName) {
  BusinessCalendar cal;
  auto h2026 = cal.holidays(std::chrono::year{2026});
  ASSERT_EQ(h2026.size(), 11u);
  EXPECT_EQ(to_string(h2026[5].date), "2026-07-03");
  EXPECT_EQ(to_string(h2026[5].actual), "2026-07-04");
  EXPECT_EQ(h2026[5].name, "Independence Day");
  EXPECT_EQ(to_string(h2026[0].actual), "2026-01-01");
  EXPECT_EQ(h2026[0].name, "New Year's Day");

  auto h2027 = cal.holidays(std::chrono::year{2027});
  EXPECT_EQ(to_string(h2027.back().date), "2027-12-31");
  EXPECT_EQ(to_string(h2027.back().actual), "2028-01-01");
  EXPECT_EQ(h2027.back().name, "New Year's Day");
}

TEST(BusinessCalendarTest, SaturdayNewYearIsListedInThePreviousYearOnly) {
  BusinessCalendar cal;
  // 2022-01-01 was a Saturday, observed on Friday 2021-12-31.
  auto h2021 = observed_dates(cal, 2021);
  EXPECT_EQ(h2021.back(), "2021-12-31");
  auto h2022 = observed_dates(cal, 2022);
  EXPECT_EQ(h2022.front(), "2022-01-17");  // Martin Luther King Jr. Day comes first.
  EXPECT_EQ(h2022.size(), 10u);
  EXPECT_FALSE(has_holiday_named(cal, 2022, "New Year's Day"));
  EXPECT_TRUE(cal.is_holiday(ymd(2021, 12, 31)));
  EXPECT_FALSE(cal.is_business_day(ymd(2021, 12, 31)));
}

TEST(BusinessCalendarTest, SundayHolidayIsObservedOnMonday) {
  BusinessCalendar cal;
  EXPECT_TRUE(cal.is_holiday(ymd(2022, 12, 26)));  // Christmas 2022 was a Sunday.
  EXPECT_TRUE(cal.is_holiday(ymd(2023, 1, 2)));    // So was New Year's Day 2023.
  EXPECT_FALSE(cal.is_business_day(ymd(2023, 1, 2)));
}

TEST(BusinessCalendarTest, JuneteenthOnlyFrom2021) {
  BusinessCalendar cal;
  for (int y = 2015; y <= 2020; ++y) {
    EXPECT_FALSE(has_holiday_named(cal, y, "Juneteenth National Independence Day")) << y;
    EXPECT_EQ(cal.holidays(std::chrono::year{y}).size(), 10u) << y;
  }
  EXPECT_TRUE(cal.is_business_day(ymd(2020, 6, 19)));  // A Friday.
  EXPECT_FALSE(cal.is_holiday(ymd(2020, 6, 19)));
  // First observed on Friday 2021-06-18, since June 19, 2021 was a Saturday.
  EXPECT_TRUE(cal.is_holiday(ymd(2021, 6, 18)));
  EXPECT_TRUE(has_holiday_named(cal, 2021, "Juneteenth National Independence Day"));
}

TEST(BusinessCalendarTest, MartinLutherKingDayOnlyFrom1986) {
  BusinessCalendar cal;
  EXPECT_FALSE(has_holiday_named(cal, 1985, "Birthday of Martin Luther King, Jr."));
  EXPECT_TRUE(cal.is_holiday(ymd(1986, 1, 20)));
}

TEST(BusinessCalendarTest, WeekendsAreNotBusinessDays) {
  BusinessCalendar cal;
  EXPECT_FALSE(cal.is_business_day(ymd(2025, 3, 1)));  // Saturday.
  EXPECT_FALSE(cal.is_business_day(ymd(2025, 3, 2)));  // Sunday.
  EXPECT_TRUE(cal.is_business_day(ymd(2025, 3, 3)));   // Monday.
  EXPECT_TRUE(cal.is_business_day(ymd(2025, 3, 7)));   // Friday.
  // A weekend day is not a holiday itself; the holiday moves to the weekday observed.
  EXPECT_FALSE(cal.is_holiday(ymd(2026, 7, 4)));
  EXPECT_TRUE(cal.is_holiday(ymd(2026, 7, 3)));
}

TEST(BusinessCalendarTest, AddBusinessDaysSkipsHolidayWeekend) {
  BusinessCalendar cal;
  // Thursday 2026-07-02: Friday is the observed Independence Day, then a weekend.
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2026, 7, 2), 1)), "2026-07-06");
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2026, 7, 3), 1)), "2026-07-06");
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2025, 3, 3), 15)), "2025-03-24");
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2025, 11, 20), 15)), "2025-12-12");
}

TEST(BusinessCalendarTest, AddZeroBusinessDaysReturnsStartEvenOnWeekend) {
  BusinessCalendar cal;
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2025, 3, 1), 0)), "2025-03-01");
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2025, 3, 1), 1)), "2025-03-03");
  EXPECT_EQ(to_string(cal.subtract_business_days(ymd(2025, 3, 1), 0)), "2025-03-01");
}

TEST(BusinessCalendarTest, NegativeCountsThrow) {
  BusinessCalendar cal;
  EXPECT_THROW(cal.add_business_days(ymd(2025, 3, 3), -1), InvalidArgument);
  EXPECT_THROW(cal.subtract_business_days(ymd(2025, 3, 3), -1), InvalidArgument);
}

TEST(BusinessCalendarTest, SubtractBusinessDaysSkipsHolidays) {
  BusinessCalendar cal;
  // Friday 2025-07-11 less five business days skips Independence Day (Friday 2025-07-04).
  EXPECT_EQ(to_string(cal.subtract_business_days(ymd(2025, 7, 11), 5)), "2025-07-03");
  EXPECT_EQ(to_string(cal.subtract_business_days(ymd(2026, 7, 6), 1)), "2026-07-02");
  EXPECT_EQ(to_string(cal.subtract_business_days(ymd(2025, 3, 2), 1)), "2025-02-28");
}

TEST(BusinessCalendarTest, ShiftsFromWeekendsLandOnBusinessDays) {
  BusinessCalendar cal;
  // Whole weeks from a weekend end on a weekend; the answer is the business day before (after).
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2025, 3, 1), 10)), "2025-03-14");
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2025, 3, 2), 20)), "2025-03-28");
  EXPECT_EQ(to_string(cal.subtract_business_days(ymd(2024, 11, 10), 10)), "2024-10-28");
  EXPECT_EQ(to_string(cal.subtract_business_days(ymd(2025, 3, 29), 10)), "2025-03-17");
}

TEST(BusinessCalendarTest, ShiftsMatchDayByDayCounting) {
  BusinessCalendar cal({ymd(2024, 12, 24), ymd(2025, 1, 9)});
  // Late autumn is dense with holidays; March and April have none.
  std::vector<Date> starts;
  for (Date d = ymd(2024, 11, 1); d < ymd(2025, 2, 1); d = plus(d, 3)) starts.push_back(d);
  for (Date d = ymd(2025, 3, 1); d < ymd(2025, 3, 15); d = plus(d, 1)) starts.push_back(d);
  for (Date start : starts) {
    for (int n : {0, 1, 2, 4, 5, 9, 10, 11, 19, 37, 64, 120, 251, 400}) {
      Date fwd = cal.add_business_days(start, n);
      ASSERT_EQ(to_string(fwd), to_string(naive_shift(cal, start, n))) << to_string(start) << " + " << n;
      Date back = cal.subtract_business_days(start, n);
      ASSERT_EQ(to_string(back), to_string(naive_shift(cal, start, -n))) << to_string(start) << " - " << n;
      if (n > 0) {
        EXPECT_EQ(cal.business_days_between(start, fwd), n);
        EXPECT_TRUE(cal.is_business_day(fwd));
        EXPECT_TRUE(cal.is_business_day(back));
      }
    }
  }
}

TEST(BusinessCalendarTest, BusinessDaysBetweenIsHalfOpen) {
  BusinessCalendar cal;
  EXPECT_EQ(cal.business_days_between(ymd(2026, 7, 2), ymd(2026, 7, 6)), 1);
  EXPECT_EQ(cal.business_days_between(ymd(2025, 3, 3), ymd(2025, 3, 3)), 0);
  EXPECT_EQ(cal.business_days_between(ymd(2025, 3, 3), ymd(2025, 3, 4)), 1);
  EXPECT_EQ(cal.business_days_between(ymd(2025, 3, 7), ymd(2025, 3, 9)), 0);  // Fri to Sun.
  // 2025 has 261 weekdays and 11 weekday holidays.
  EXPECT_EQ(cal.business_days_between(ymd(2024, 12, 31), ymd(2025, 12, 31)), 250);
  EXPECT_EQ(cal.business_days_between(ymd(2025, 12, 31), ymd(2024, 12, 31)), -250);
  EXPECT_EQ(cal.business_days_between(ymd(2026, 7, 6), ymd(2026, 7, 2)), -1);
}

TEST(BusinessCalendarTest, BusinessDaysBetweenMatchesDayByDayCounting) {
  BusinessCalendar cal({ymd(2025, 1, 9)});
  for (Date from = ymd(2024, 12, 1); from < ymd(2025, 1, 15); from = plus(from, 1)) {
    for (int len : {1, 2, 6, 7, 8, 30, 45}) {
      Date to = plus(from, len);
      ASSERT_EQ(cal.business_days_between(from, to), naive_between(cal, from, to))
          << to_string(from) << " .. " << to_string(to);
    }
  }
}

TEST(BusinessCalendarTest, YearsOutsideThePrecomputedWindowFollowTheSameRules) {
  BusinessCalendar cal;
  for (int y : {1965, 2199, 2200, 2345}) {
    for (const Holiday& h : cal.holidays(std::chrono::year{y})) {
      EXPECT_TRUE(cal.is_holiday(h.date)) << to_string(h.date);
      EXPECT_FALSE(cal.is_business_day(h.date)) << to_string(h.date);
    }
  }
  Date from = ymd(2199, 11, 1);
  Date to = ymd(2200, 2, 15);
  EXPECT_EQ(cal.business_days_between(from, to), naive_between(cal, from, to));
  EXPECT_EQ(to_string(cal.add_business_days(from, 70)), to_string(naive_shift(cal, from, 70)));
  EXPECT_EQ(cal.business_days_between(ymd(1969, 11, 1), ymd(1970, 2, 1)),
            naive_between(cal, ymd(1969, 11, 1), ymd(1970, 2, 1)));
}

TEST(BusinessCalendarTest, ExtraClosuresAreNotBusinessDays) {
  // Federal offices closed on Tuesday 2024-12-24 by executive order.
  BusinessCalendar cal({ymd(2024, 12, 24), ymd(2024, 12, 24)});
  EXPECT_TRUE(cal.is_holiday(ymd(2024, 12, 24)));
  EXPECT_FALSE(cal.is_business_day(ymd(2024, 12, 24)));
  EXPECT_EQ(to_string(cal.add_business_days(ymd(2024, 12, 23), 1)), "2024-12-26");
  EXPECT_EQ(cal.business_days_between(ymd(2024, 12, 20), ymd(2024, 12, 27)), 3);
  // Closures are not federal holidays and so are not listed.
  EXPECT_EQ(cal.holidays(std::chrono::year{2024}).size(), 11u);

  BusinessCalendar plain;
  EXPECT_TRUE(plain.is_business_day(ymd(2024, 12, 24)));
  EXPECT_EQ(plain.business_days_between(ymd(2024, 12, 20), ymd(2024, 12, 27)), 4);
}

TEST(BusinessCalendarTest, ClosuresOnHolidaysOrWeekendsAreNotCountedTwice) {
  BusinessCalendar cal({ymd(2024, 12, 25), ymd(2024, 12, 21)});
  EXPECT_EQ(cal.business_days_between(ymd(2024, 12, 20), ymd(2024, 12, 27)), 4);
  EXPECT_TRUE(cal.is_holiday(ymd(2024, 12, 21)));
}

TEST(BusinessCalendarTest, InvalidDatesThrow) {
  EXPECT_THROW(BusinessCalendar({ymd(2025, 2, 30)}), InvalidArgument);
  BusinessCalendar cal;
  EXPECT_THROW(cal.is_business_day(ymd(2025, 2, 29)), InvalidArgument);
  EXPECT_THROW(cal.add_business_days(ymd(2025, 13, 1), 1), InvalidArgument);
  EXPECT_THROW(cal.business_days_between(ymd(2025, 1, 1), ymd(2025, 4, 31)), InvalidArgument);
}

TEST(TimeZoneTest, LocalDateNearMidnightUtcDependsOnZone) {
  // 03:00 UTC on March 1 is still February 28 in New York (UTC-5) and Los Angeles (UTC-8).
  TimePoint t = utc(2025, 3, 1, 3);
  EXPECT_EQ(to_string(local_date(t, "UTC")), "2025-03-01");
  EXPECT_EQ(to_string(local_date(t, "America/New_York")), "2025-02-28");
  EXPECT_EQ(to_string(local_date(t, "America/Los_Angeles")), "2025-02-28");
  // 06:00 UTC is 01:00 in New York but 22:00 the evening before in Los Angeles.
  TimePoint later = utc(2025, 3, 1, 6);
  EXPECT_EQ(to_string(local_date(later, "America/New_York")), "2025-03-01");
  EXPECT_EQ(to_string(local_date(later, "America/Los_Angeles")), "2025-02-28");
}

TEST(TimeZoneTest, LocalDateFollowsDaylightSavingTime) {
  // New York is UTC-5 in winter and UTC-4 in summer, so local midnight moves by an hour.
  EXPECT_EQ(to_string(local_date(utc(2025, 1, 15, 4, 30), "America/New_York")), "2025-01-14");
  EXPECT_EQ(to_string(local_date(utc(2025, 1, 15, 5, 0), "America/New_York")), "2025-01-15");
  EXPECT_EQ(to_string(local_date(utc(2025, 7, 1, 3, 59, 59), "America/New_York")), "2025-06-30");
  EXPECT_EQ(to_string(local_date(utc(2025, 7, 1, 4, 0), "America/New_York")), "2025-07-01");
  // Honolulu keeps UTC-10 all year.
  EXPECT_EQ(to_string(local_date(utc(2025, 1, 15, 9, 59), "Pacific/Honolulu")), "2025-01-14");
  EXPECT_EQ(to_string(local_date(utc(2025, 7, 15, 9, 59), "Pacific/Honolulu")), "2025-07-14");
}

TEST(TimeZoneTest, EndOfLocalDayIsOneSecondBeforeLocalMidnight) {
  EXPECT_EQ(end_of_local_day(ymd(2025, 1, 15), "America/New_York"), utc(2025, 1, 16, 4, 59, 59));
  EXPECT_EQ(end_of_local_day(ymd(2025, 7, 4), "America/New_York"), utc(2025, 7, 5, 3, 59, 59));
  EXPECT_EQ(end_of_local_day(ymd(2025, 7, 4), "America/Chicago"), utc(2025, 7, 5, 4, 59, 59));
  EXPECT_EQ(end_of_local_day(ymd(2025, 7, 4), "America/Los_Angeles"), utc(2025, 7, 5, 6, 59, 59));
  EXPECT_EQ(end_of_local_day(ymd(2025, 7, 4), "Pacific/Honolulu"), utc(2025, 7, 5, 9, 59, 59));
  EXPECT_EQ(end_of_local_day(ymd(2025, 7, 4), "UTC"), utc(2025, 7, 4, 23, 59, 59));
}

TEST(TimeZoneTest, DaysAcrossDstTransitionsAreShortAndLong) {
  using std::chrono::hours;
  // 2025: clocks go forward on March 9 and back on November 2 in the United States.
  for (const char* zone : {"America/New_York", "America/Chicago", "America/Los_Angeles"}) {
    EXPECT_EQ(end_of_local_day(ymd(2025, 3, 9), zone) - end_of_local_day(ymd(2025, 3, 8), zone),
              hours{23})
        << zone;
    EXPECT_EQ(end_of_local_day(ymd(2025, 11, 2), zone) - end_of_local_day(ymd(2025, 11, 1), zone),
              hours{25})
        << zone;
  }
  EXPECT_EQ(end_of_local_day(ymd(2025, 3, 9), "America/New_York"), utc(2025, 3, 10, 3, 59, 59));
  EXPECT_EQ(end_of_local_day(ymd(2025, 11, 2), "America/New_York"), utc(2025, 11, 3, 4, 59, 59));
  EXPECT_EQ(end_of_local_day(ymd(2025, 3, 9), "Pacific/Honolulu") -
                end_of_local_day(ymd(2025, 3, 8), "Pacific/Honolulu"),
            hours{24});
}

TEST(TimeZoneTest, EndOfLocalDayRoundTripsThroughLocalDate) {
  for (const char* zone :
       {"America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu"}) {
    for (Date d = ymd(2025, 1, 1); d < ymd(2026, 1, 1); d = plus(d, 1)) {
      TimePoint end = end_of_local_day(d, zone);
      ASSERT_EQ(to_string(local_date(end, zone)), to_string(d)) << zone;
      ASSERT_EQ(to_string(local_date(end + Seconds{1}, zone)), to_string(plus(d, 1))) << zone;
    }
  }
}

TEST(TimeZoneTest, UnknownZoneThrowsAndNamesIt) {
  EXPECT_NO_THROW(validate_timezone("America/New_York"));
  EXPECT_NO_THROW(validate_timezone("Pacific/Honolulu"));
  EXPECT_THROW(validate_timezone(""), InvalidArgument);
  try {
    local_date(utc(2025, 1, 1, 0), "Mars/Olympus_Mons");
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("Mars/Olympus_Mons"), std::string::npos) << e.what();
  }
  EXPECT_THROW(end_of_local_day(ymd(2025, 1, 1), "America/Springfield"), InvalidArgument);
  EXPECT_THROW(end_of_local_day(ymd(2025, 2, 30), "America/New_York"), InvalidArgument);
}

}  // namespace
}  // namespace docket
