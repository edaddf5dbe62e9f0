#include "docket/core/clock.h"

#include <string>

#include "docket/core/error.h"

namespace docket {

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
}

ScaledClock::ScaledClock(TimePoint start, double scale)
    : start_(start), scale_(scale), origin_(std::chrono::steady_clock::now()) {
  if (!(scale > 0))
    throw InvalidArgument("clock scale must be positive, got " + std::to_string(scale));
}

TimePoint ScaledClock::now() const {
  const std::chrono::duration<double> real = std::chrono::steady_clock::now() - origin_;
  return start_ + Seconds(static_cast<Seconds::rep>(real.count() * scale_));
}

}  // namespace docket
