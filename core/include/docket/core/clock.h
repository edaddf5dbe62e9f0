#pragma once

#include <atomic>

#include "docket/core/types.h"

namespace docket {

/// Time source. Every component takes a Clock so that tests and the simulator can drive time.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current instant, UTC.
  virtual TimePoint now() const = 0;
};

/// Wall-clock time.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

/// Time that moves only when told to; safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(Seconds(now_.load())); }
  void set(TimePoint t) { now_.store(t.time_since_epoch().count()); }
  void advance(Seconds d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<Seconds::rep> now_;
};

}  // namespace docket
