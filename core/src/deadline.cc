#include "docket/core/deadline.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "docket/core/error.h"

namespace docket {
namespace {

void require_valid(Date d, const char* what) {
  if (!d.ok()) throw InvalidArgument(std::string(what) + " " + to_string(d) + " is not a valid date");
}

void require_non_negative(int days, const std::string& what) {
  if (days < 0) throw InvalidArgument(what + " must be >= 0, got " + std::to_string(days));
}

}  // namespace

PremiumClock::PremiumClock(int business_days, Date start, RfeClockRule rule)
    : period_(business_days), rule_(rule), start_(start) {
  require_non_negative(business_days, "premium clock business days");
  require_valid(start, "premium clock start");
}

void PremiumClock::stop(Date day) {
  if (stopped_on_) {
    throw InvalidArgument("premium clock is already stopped (RFE issued " + to_string(*stopped_on_) +
                          "), cannot stop it again on " + to_string(day));
  }
  require_valid(day, "RFE date");
  if (day < start_) {
    throw InvalidArgument("RFE date " + to_string(day) + " is before the premium clock started on " +
                          to_string(start_));
  }
  stopped_on_ = day;
}

void PremiumClock::restart(Date day) {
  if (!stopped_on_) {
    throw InvalidArgument("premium clock is running, so it cannot restart on " + to_string(day));
  }
  require_valid(day, "RFE response date");
  if (day < *stopped_on_) {
    throw InvalidArgument("RFE response date " + to_string(day) + " is before the RFE was issued on " +
                          to_string(*stopped_on_));
  }
  if (rule_ == RfeClockRule::kResume) {
    spent_.emplace_back(start_, *stopped_on_);
  } else {
    spent_.clear();
  }
  start_ = day;
  stopped_on_.reset();
}

int PremiumClock::used_before(const BusinessCalendar& cal) const {
  int used = 0;
  for (const auto& [from, to] : spent_) used += cal.business_days_between(from, to);
  return used;
}

std::optional<Date> PremiumClock::due(const BusinessCalendar& cal) const {
  if (stopped_on_) return std::nullopt;
  return cal.add_business_days(start_, std::max(0, period_ - used_before(cal)));
}

int PremiumClock::elapsed(Date today, const BusinessCalendar& cal) const {
  Date end = stopped_on_ ? *stopped_on_ : today;
  return used_before(cal) + std::max(0, cal.business_days_between(start_, end));
}

TimePoint compute_deadline(const Case& c, const FormPolicy& form, const Center& center,
                           const BusinessCalendar& cal, int fallback_days) {
  const Date received = local_date(c.received, center.timezone);
  switch (c.priority) {
    case Priority::kPremium: {
      if (!form.premium_business_days) {
        throw InvalidArgument("case " + c.receipt.str() + " is premium but form " + form.code +
                              " has no premium processing clock");
      }
      PremiumClock clock(*form.premium_business_days, received, form.rfe_clock);
      return end_of_local_day(*clock.due(cal), center.timezone);
    }
    case Priority::kLitigation: {
      if (!c.court_date) {
        throw InvalidArgument("litigation case " + c.receipt.str() + " has no court date");
      }
      require_non_negative(form.litigation_buffer_business_days,
                           "litigation buffer of form " + form.code);
      return end_of_local_day(
          cal.subtract_business_days(*c.court_date, form.litigation_buffer_business_days),
          center.timezone);
    }
    case Priority::kExpedite:
    case Priority::kNormal:
      break;
  }
  int days = form.goal_days;
  if (c.priority == Priority::kExpedite && form.expedite_goal_days != 0) {
    days = form.expedite_goal_days;
  }
  require_non_negative(days, "processing goal of form " + form.code);
  if (days == 0) {
    require_non_negative(fallback_days, "fallback_days");
    days = fallback_days;
  }
  return end_of_local_day(Date{std::chrono::sys_days{received} + std::chrono::days{days}},
                          center.timezone);
}

}  // namespace docket
