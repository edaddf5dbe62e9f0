#pragma once

#include <atomic>
#include <chrono>

#include "docket/core/clock.h"

namespace docket::worker {

using Millis = std::chrono::milliseconds;

/// The desk's time source. It is a docket::Clock (wall time in whole seconds, for the `expires`
/// and `deadline` fields of the protocol) that also reads a monotonic millisecond count, because
/// the protocol's timers (heartbeats every second, a reconnect backoff starting at 0.1 s) need a
/// finer grain than core's one-second Clock gives.
class DeskClock : public Clock {
 public:
  /// Milliseconds since an arbitrary fixed origin; never goes backwards.
  virtual Millis monotonic() const = 0;
};

/// The machine's clocks: SystemClock for wall time, std::chrono::steady_clock for timers.
class SystemDeskClock final : public DeskClock {
 public:
  SystemDeskClock() : origin_(std::chrono::steady_clock::now()) {}
  TimePoint now() const override { return wall_.now(); }
  Millis monotonic() const override {
    return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - origin_);
  }

 private:
  SystemClock wall_;
  std::chrono::steady_clock::time_point origin_;
};

/// Time that moves only when a test says so. Wall time and the monotonic count advance together.
/// Safe to read from several threads.
class ManualDeskClock final : public DeskClock {
 public:
  explicit ManualDeskClock(TimePoint start) : start_(start) {}
  TimePoint now() const override {
    return start_ + std::chrono::duration_cast<Seconds>(Millis(elapsed_.load()));
  }
  Millis monotonic() const override { return Millis(elapsed_.load()); }
  void advance(Millis d) { elapsed_.fetch_add(d.count()); }

 private:
  TimePoint start_;
  std::atomic<Millis::rep> elapsed_{0};
};

}  // namespace docket::worker
