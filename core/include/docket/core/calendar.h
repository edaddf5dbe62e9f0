#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "docket/core/types.h"

namespace docket {

/// A public holiday as observed by federal offices.
struct Holiday {
  Date date;          ///< The day offices close (the observed day).
  Date actual;        ///< The legal date, when it differs from the observed day.
  std::string name;   ///< "Independence Day".
};

/// Business days of U.S. federal offices: Monday to Friday, less the federal holidays of
/// 5 U.S.C. 6103 with the observed-day rules (a holiday on Saturday is observed the Friday
/// before, one on Sunday the Monday after), plus any extra closures configured.
class BusinessCalendar {
 public:
  /// The federal calendar with optional extra closure days (e.g. executive-order closures).
  explicit BusinessCalendar(std::vector<Date> extra_closures = {});

  /// Holidays observed in a calendar year, in date order. Note that New Year's Day of the next
  /// year is observed on December 31 when January 1 falls on a Saturday.
  std::vector<Holiday> holidays(std::chrono::year y) const;
  bool is_holiday(Date d) const;
  bool is_business_day(Date d) const;

  /// The date `n` business days after `start` (n >= 0; n == 0 returns start itself even when it
  /// is not a business day). Throws InvalidArgument for negative n.
  Date add_business_days(Date start, int n) const;
  /// Business days in the half-open range (from, to]; negative when to < from.
  int business_days_between(Date from, Date to) const;

 private:
  std::vector<Date> extra_;
};

/// Converts instants to local dates and back in a center's IANA time zone.
/// Throws InvalidArgument for an unknown zone name.
Date local_date(TimePoint t, std::string_view timezone);
/// The instant a local date ends (23:59:59 local time) in the zone.
TimePoint end_of_local_day(Date d, std::string_view timezone);
/// Throws InvalidArgument unless the zone is in the system's time zone database.
void validate_timezone(std::string_view timezone);

}  // namespace docket
