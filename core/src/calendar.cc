#include "docket/core/calendar.h"

#include <date/tz.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "docket/core/error.h"

namespace docket {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year;

// Days are handled as counts since 1970-01-01 so that ranges and bit sets are plain arithmetic.
using Day = std::int32_t;

constexpr int kFirstYear = 1970;  // Precomputed window, [kFirstYear, kEndYear).
constexpr int kEndYear = 2200;
constexpr Day kFirstDay = 0;
constexpr Day kEndDay = static_cast<Day>(
    sys_days{year{kEndYear} / std::chrono::January / 1}.time_since_epoch().count());
constexpr Day kMinDay =
    static_cast<Day>(sys_days{year::min() / std::chrono::January / 1}.time_since_epoch().count());
constexpr Day kMaxDay =
    static_cast<Day>(sys_days{year::max() / std::chrono::December / 31}.time_since_epoch().count());

Day to_day(Date d) {
  if (!d.ok()) throw InvalidArgument("invalid calendar date " + to_string(d));
  return static_cast<Day>(sys_days{d}.time_since_epoch().count());
}

Date to_date(Day d) { return Date{sys_days{days{d}}}; }

// 1970-01-05 (day 4) is a Monday; floor arithmetic keeps days before 1970 right too.
int weekday_index(Day d) {  // 0 = Monday ... 6 = Sunday.
  int r = (d - 4) % 7;
  return r < 0 ? r + 7 : r;
}

bool is_weekday(Day d) { return weekday_index(d) < 5; }

// Weekdays in (-inf, d] up to a constant, so that weekdays in (a, b] is F(b) - F(a).
std::int64_t weekday_rank(Day d) {
  std::int64_t t = std::int64_t{d} - 4;
  std::int64_t weeks = t >= 0 ? t / 7 : -((-t + 6) / 7);
  std::int64_t r = t - 7 * weeks;
  return 5 * weeks + std::min<std::int64_t>(r + 1, 5);
}

Date observed(Date actual) {
  std::chrono::weekday wd{sys_days{actual}};
  if (wd == std::chrono::Saturday) return Date{sys_days{actual} - days{1}};
  if (wd == std::chrono::Sunday) return Date{sys_days{actual} + days{1}};
  return actual;
}

std::vector<Holiday> federal_holidays(year y) {
  using namespace std::chrono;  // NOLINT(build/namespaces): month and weekday literals.
  std::vector<Holiday> out;
  auto add = [&](Date actual, const char* name) {
    Date obs = observed(actual);
    if (obs.year() == y) out.push_back({obs, actual, name});
  };
  const int yi = static_cast<int>(y);
  add(y / January / 1, "New Year's Day");
  if (yi >= 1986) {
    add(Date{sys_days{y / January / Monday[3]}}, "Birthday of Martin Luther King, Jr.");
  }
  add(Date{sys_days{y / February / Monday[3]}}, "Washington's Birthday");
  add(Date{sys_days{y / May / Monday[last]}}, "Memorial Day");
  if (yi >= 2021) add(y / June / 19, "Juneteenth National Independence Day");
  add(y / July / 4, "Independence Day");
  add(Date{sys_days{y / September / Monday[1]}}, "Labor Day");
  add(Date{sys_days{y / October / Monday[2]}}, "Columbus Day");
  if (yi >= 1971 && yi <= 1977) {
    add(Date{sys_days{y / October / Monday[4]}}, "Veterans Day");
  } else {
    add(y / November / 11, "Veterans Day");
  }
  add(Date{sys_days{y / November / Thursday[4]}}, "Thanksgiving Day");
  add(y / December / 25, "Christmas Day");
  // 5 U.S.C. 6103(b) moves a Saturday New Year's Day to December 31 of the year before.
  if (y < year::max()) add((y + years{1}) / January / 1, "New Year's Day");
  std::stable_sort(out.begin(), out.end(),
                   [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
  return out;
}

// Observed federal holidays of the precomputed window, shared by every calendar.
struct FederalTable {
  std::vector<Day> days;            // Sorted.
  std::vector<std::uint64_t> bits;  // Bit (d - kFirstDay) set on a holiday.

  FederalTable() : bits(static_cast<std::size_t>(kEndDay - kFirstDay + 63) / 64) {
    for (int y = kFirstYear; y < kEndYear; ++y) {
      for (const Holiday& h : federal_holidays(year{y})) {
        Day d = to_day(h.date);
        days.push_back(d);
        bits[static_cast<std::size_t>(d - kFirstDay) / 64] |= std::uint64_t{1}
                                                              << ((d - kFirstDay) % 64);
      }
    }
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
  }
};

const FederalTable& table() {
  static const FederalTable kTable;
  return kTable;
}

// Observed federal holidays in (a, b] outside the window, computed year by year.
int slow_holidays_in(Day a, Day b) {
  if (a >= b) return 0;
  int n = 0;
  for (int y = static_cast<int>(to_date(a + 1).year()); y <= static_cast<int>(to_date(b).year());
       ++y) {
    for (const Holiday& h : federal_holidays(year{y})) {
      Day d = to_day(h.date);
      n += a < d && d <= b ? 1 : 0;
    }
  }
  return n;
}

// Observed federal holidays in (a, b], a <= b.
int holidays_in(Day a, Day b) {
  const auto& t = table().days;
  auto n = std::upper_bound(t.begin(), t.end(), b) - std::upper_bound(t.begin(), t.end(), a);
  n += slow_holidays_in(a, std::min(b, kFirstDay - 1));
  n += slow_holidays_in(std::max(a, kEndDay - 1), b);
  return static_cast<int>(n);
}

bool is_federal_holiday(Day d) {
  if (d >= kFirstDay && d < kEndDay) {
    auto i = static_cast<std::size_t>(d - kFirstDay);
    return (table().bits[i / 64] >> (i % 64) & 1U) != 0;
  }
  return slow_holidays_in(d - 1, d) > 0;
}

const date::time_zone* find_zone(std::string_view timezone) {
  try {
    return date::locate_zone(timezone);
  } catch (const std::exception&) {
    throw InvalidArgument("unknown time zone '" + std::string(timezone) +
                          "' (expected an IANA name such as America/New_York)");
  }
}

}  // namespace

BusinessCalendar::BusinessCalendar(std::vector<Date> extra_closures) {
  for (Date d : extra_closures) closures_.push_back(to_day(d));
  std::sort(closures_.begin(), closures_.end());
  closures_.erase(std::unique(closures_.begin(), closures_.end()), closures_.end());
  for (Day d : closures_) {
    if (is_weekday(d) && !is_federal_holiday(d)) weekday_closures_.push_back(d);
  }
}

std::vector<Holiday> BusinessCalendar::holidays(year y) const {
  if (!y.ok()) throw InvalidArgument("invalid year " + std::to_string(static_cast<int>(y)));
  return federal_holidays(y);
}

bool BusinessCalendar::closed(Day day) const {
  return !closures_.empty() && std::binary_search(closures_.begin(), closures_.end(), day);
}

int BusinessCalendar::closures_in(Day from, Day to) const {
  const auto& c = weekday_closures_;
  return static_cast<int>(std::upper_bound(c.begin(), c.end(), to) -
                          std::upper_bound(c.begin(), c.end(), from));
}

bool BusinessCalendar::is_holiday(Date d) const {
  Day day = to_day(d);
  return is_federal_holiday(day) || closed(day);
}

bool BusinessCalendar::is_business_day(Date d) const {
  Day day = to_day(d);
  return is_weekday(day) && !is_federal_holiday(day) && !closed(day);
}

int BusinessCalendar::business_days_between(Date from, Date to) const {
  Day a = to_day(from);
  Day b = to_day(to);
  if (b < a) return -business_days_between(to, from);
  // Observed holidays always fall on weekdays, and weekday_closures_ holds only closures of
  // otherwise open days, so nothing is subtracted twice.
  return static_cast<int>(weekday_rank(b) - weekday_rank(a)) - holidays_in(a, b) -
         closures_in(a, b);
}

Date BusinessCalendar::add_business_days(Date start, int n) const {
  if (n < 0) throw InvalidArgument("add_business_days needs n >= 0, got " + std::to_string(n));
  return shift(start, n);
}

Date BusinessCalendar::subtract_business_days(Date start, int n) const {
  if (n < 0) {
    throw InvalidArgument("subtract_business_days needs n >= 0, got " + std::to_string(n));
  }
  return shift(start, -n);
}

Date BusinessCalendar::shift(Date start, int n) const {
  const int dir = n < 0 ? -1 : 1;
  std::int64_t cur = to_day(start);
  std::int64_t remaining = std::int64_t{n} * dir;
  auto check_range = [&](std::int64_t d) {
    if (d < kMinDay || d > kMaxDay) {
      throw InvalidArgument(std::to_string(n) + " business days from " + to_string(start) +
                            " leave the supported calendar range");
    }
  };
  // Whole weeks first. A jump consumes fewer business days than remain, so it never overshoots
  // and the answer (a business day) is always found by the day-by-day walk that follows.
  while (remaining >= 10) {
    std::int64_t next = cur + dir * 7 * ((remaining - 1) / 5);
    check_range(next);
    auto a = static_cast<Day>(dir > 0 ? cur : next - 1);
    auto b = static_cast<Day>(dir > 0 ? next : cur - 1);
    remaining -= business_days_between(to_date(a), to_date(b));
    cur = next;
  }
  while (remaining > 0) {
    cur += dir;
    check_range(cur);
    auto d = static_cast<Day>(cur);
    if (is_weekday(d) && !is_federal_holiday(d) && !closed(d)) --remaining;
  }
  return to_date(static_cast<Day>(cur));
}

Date local_date(TimePoint t, std::string_view timezone) {
  const date::time_zone* zone = find_zone(timezone);
  auto local = zone->to_local(date::sys_seconds{Seconds{t.time_since_epoch().count()}});
  auto day = date::floor<date::days>(local);
  return Date{sys_days{days{day.time_since_epoch().count()}}};
}

TimePoint end_of_local_day(Date d, std::string_view timezone) {
  const date::time_zone* zone = find_zone(timezone);
  date::local_seconds last = date::local_days{date::days{to_day(d)}} + std::chrono::hours{23} +
                             std::chrono::minutes{59} + Seconds{59};
  // A clock set back at midnight makes 23:59:59 occur twice; the day ends at the later one.
  auto sys = zone->to_sys(last, date::choose::latest);
  return TimePoint{Seconds{sys.time_since_epoch().count()}};
}

void validate_timezone(std::string_view timezone) { find_zone(timezone); }

}  // namespace docket
