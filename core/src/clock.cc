#include "docket/core/clock.h"

namespace docket {

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
}

}  // namespace docket
