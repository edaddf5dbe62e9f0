#pragma once

#include <atomic>
#include <chrono>

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

/// Compressed time for demos and simulations: starts at `start` and runs `scale` times faster
/// than the wall clock (scale 3600 = one simulated hour per second). Safe from several threads.
class ScaledClock final : public Clock {
 public:
  /// Throws InvalidArgument for a scale that is not positive.
  ScaledClock(TimePoint start, double scale);
  TimePoint now() const override;
  double scale() const { return scale_; }

 private:
  TimePoint start_;
  double scale_;
  std::chrono::steady_clock::time_point origin_;
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
