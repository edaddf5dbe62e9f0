#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "docket/core/calendar.h"
#include "docket/core/case.h"
#include "docket/core/catalog.h"

namespace docket {

/// A premium-processing clock: counts business days from its start, stops while a request for
/// evidence (RFE) is out, and then either restarts with a full period or resumes
/// (FormPolicy::rfe_clock).
///
/// The start day is day 0: with a 15-day clock started on a Monday with no holidays, the clock is
/// due on the Monday three weeks later. Under kRestart a response received on `day` starts a new
/// full period with `day` as day 0. Under kResume the business days in (start, stop] count as
/// used, and the days left count from the response day as day 0; a clock that had run out before
/// the RFE is then due on the response day itself.
class PremiumClock {
 public:
  /// Throws InvalidArgument for a negative period or an invalid start date.
  PremiumClock(int business_days, Date start, RfeClockRule rule);

  /// Records an RFE issued on `day`. Throws InvalidArgument if the clock is already stopped, or
  /// `day` is invalid or before the start of the current period.
  void stop(Date day);
  /// Records the RFE response received on `day`. Throws InvalidArgument if it is not stopped
  /// or `day` is invalid or before the stop.
  void restart(Date day);
  bool stopped() const { return stopped_on_.has_value(); }
  /// The last business day on which a decision still meets the clock; empty while stopped.
  std::optional<Date> due(const BusinessCalendar& cal) const;
  /// Business days used so far, counted up to `today` (or to the stop, while stopped). Under
  /// kRestart only the current period counts; under kResume the periods before RFEs count too.
  /// Days before the start count as none.
  int elapsed(Date today, const BusinessCalendar& cal) const;

 private:
  int used_before(const BusinessCalendar& cal) const;

  int period_;
  RfeClockRule rule_;
  Date start_;  // The day the current counting period began.
  // Resume rule only: the (start, stop] spans already used. Kept as dates rather than a count
  // because restart() has no calendar to count them with.
  std::vector<std::pair<Date, Date>> spent_;
  std::optional<Date> stopped_on_;
};

/// Computes a case's deadline from its form policy and priority, in the center's time zone:
/// - premium: the end of the business day `premium_business_days` after receipt;
/// - litigation: `litigation_buffer_business_days` business days before the court date;
/// - expedite: `expedite_goal_days` calendar days after receipt (goal_days when 0);
/// - normal: `goal_days` calendar days after receipt.
/// A form with no goal gets `fallback_days` (scheduler option) so that every case has a deadline.
/// Receipt and court dates are local dates in `center.timezone`, and every deadline is the end
/// (23:59:59 local) of its day there; a litigation buffer of 0 means the court date itself.
/// Throws InvalidArgument for a premium case on a form without a premium clock, a litigation
/// case without a court date, an unknown center time zone, or a negative day count
/// (fallback_days, goal, expedite goal or litigation buffer).
TimePoint compute_deadline(const Case& c, const FormPolicy& form, const Center& center,
                           const BusinessCalendar& cal, int fallback_days);

}  // namespace docket
