#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/types.h"

namespace docket {

/// A public holiday as observed by federal offices.
struct Holiday {
  Date date;         ///< The day offices close (the observed day).
  Date actual;       ///< The legal date; equal to `date` unless the holiday is observed elsewhere.
  std::string name;  ///< "Independence Day".
};

/// Business days of U.S. federal offices: Monday to Friday, less the federal holidays of
/// 5 U.S.C. 6103 with the observed-day rules (a holiday on Saturday is observed the Friday
/// before, one on Sunday the Monday after), plus any extra closures configured.
///
/// Holiday rules follow the statute as amended: Martin Luther King Jr.'s birthday from 1986,
/// Veterans Day on the fourth Monday of October from 1971 to 1977, Juneteenth from 2021. Years
/// before 1971 use the Monday-holiday rules of 1971. Years 1970-2199 are precomputed, so the
/// queries below are constant or logarithmic time there; other years are computed on demand.
///
/// Every member taking a Date throws InvalidArgument when the date is not a valid calendar date.
/// Instances are immutable, so concurrent reads are safe.
class BusinessCalendar {
 public:
  /// The federal calendar with optional extra closure days (e.g. executive-order closures).
  /// Duplicates are ignored.
  explicit BusinessCalendar(std::vector<Date> extra_closures = {});

  /// Federal holidays observed in a calendar year, in date order; extra closures are not listed.
  /// New Year's Day of the next year is listed here when it is observed on December 31 (January
  /// 1 falls on a Saturday), and so it is then absent from the next year's list.
  /// Throws InvalidArgument for an invalid year.
  std::vector<Holiday> holidays(std::chrono::year y) const;
  /// True on an observed federal holiday or an extra closure.
  bool is_holiday(Date d) const;
  /// True on a weekday that is neither an observed federal holiday nor an extra closure.
  bool is_business_day(Date d) const;

  /// The date `n` business days after `start` (n >= 0; n == 0 returns start itself even when it
  /// is not a business day). Throws InvalidArgument for negative n.
  Date add_business_days(Date start, int n) const;
  /// The date `n` business days before `start`: the business day d for which [d, start) holds
  /// exactly n business days (n >= 0; n == 0 returns start itself even when it is not a business
  /// day). Throws InvalidArgument for negative n.
  Date subtract_business_days(Date start, int n) const;
  /// Business days in the half-open range (from, to]; negative when to < from.
  int business_days_between(Date from, Date to) const;

 private:
  Date shift(Date start, int n) const;
  int closures_in(std::int32_t from, std::int32_t to) const;
  bool closed(std::int32_t day) const;

  std::vector<std::int32_t> closures_;          // Sorted days since 1970-01-01.
  std::vector<std::int32_t> weekday_closures_;  // Those that fall on a federal business day.
};

/// Converts instants to local dates and back in a center's IANA time zone.
/// Throws InvalidArgument for an unknown zone name.
Date local_date(TimePoint t, std::string_view timezone);
/// The instant a local date ends (23:59:59 local time) in the zone. Where that local time occurs
/// twice (a clock set back at midnight) it is the later one. Throws InvalidArgument for an
/// unknown zone name or an invalid date.
TimePoint end_of_local_day(Date d, std::string_view timezone);
/// Throws InvalidArgument unless the zone is in the system's time zone database.
void validate_timezone(std::string_view timezone);

}  // namespace docket
