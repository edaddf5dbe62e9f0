#pragma once

#include <optional>
#include <vector>

#include "docket/core/calendar.h"
#include "docket/core/catalog.h"
#include "docket/core/case.h"

namespace docket {

/// A premium-processing clock: counts business days from its start, stops while a request for
/// evidence (RFE) is out, and then either restarts with a full period or resumes
/// (FormPolicy::rfe_clock).
class PremiumClock {
 public:
  PremiumClock(int business_days, Date start, RfeClockRule rule);

  /// Records an RFE issued on `day`. Throws InvalidArgument if the clock is already stopped.
  void stop(Date day);
  /// Records the RFE response received on `day`. Throws InvalidArgument if it is not stopped
  /// or `day` is before the stop.
  void restart(Date day);
  bool stopped() const { return stopped_on_.has_value(); }
  /// The last business day on which a decision still meets the clock; empty while stopped.
  std::optional<Date> due(const BusinessCalendar& cal) const;
  /// Business days used so far, counted up to `today` (or to the stop, while stopped).
  int elapsed(Date today, const BusinessCalendar& cal) const;

 private:
  int period_;
  RfeClockRule rule_;
  Date start_;                   // The day the current counting period began.
  int used_before_ = 0;          // Days used before the current period (resume rule only).
  std::optional<Date> stopped_on_;
};

/// Computes a case's deadline from its form policy and priority, in the center's time zone:
/// - premium: the end of the business day `premium_business_days` after receipt;
/// - litigation: `litigation_buffer_business_days` business days before the court date;
/// - expedite: `expedite_goal_days` calendar days after receipt (goal_days when 0);
/// - normal: `goal_days` calendar days after receipt.
/// A form with no goal gets `fallback_days` (scheduler option) so that every case has a deadline.
/// Throws InvalidArgument for a premium case on a form without a premium clock, or a litigation
/// case without a court date.
TimePoint compute_deadline(const Case& c, const FormPolicy& form, const Center& center,
                           const BusinessCalendar& cal, int fallback_days);

}  // namespace docket
