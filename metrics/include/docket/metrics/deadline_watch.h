#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "docket/core/types.h"

namespace docket::metrics {

class AgencyMetrics;

/// Decides when a case misses its deadline, so that docket_deadline_misses_total counts each
/// case once, when its deadline passes while it is still undecided, and not (again) when it is
/// decided. A miss counted only at decision would arrive months late for a case that waits, and
/// never for one that is withdrawn.
///
/// The event loop sweeps its undecided cases on a timer (the scheduler's one-second agency
/// tick): begin_sweep(now), open_case() for each, end_sweep(). A case whose deadline is before
/// `now` and that was not counted is counted at once. At a decision, closed() counts a case
/// whose deadline passed since the last sweep, and forgets the case either way.
///
/// Memory: the receipts of undecided cases past their deadline, about 40 bytes each. A case that
/// leaves without closed() (moved to another scheduler) is forgotten by the next sweep.
///
/// Threads: the event loop's only.
class DeadlineWatch {
 public:
  /// Counts misses into `metrics` (on_deadline_miss), which must outlive this object.
  explicit DeadlineWatch(AgencyMetrics& metrics) : metrics_(metrics) {}

  /// A case that was already past its deadline when this process began to watch (restored from
  /// the store at start): the process that saw its deadline pass counted it, so it is marked
  /// counted without counting.
  void already_late(std::uint64_t receipt) { counted_.insert(receipt); }

  /// Starts a sweep at `now`.
  void begin_sweep(TimePoint now);
  /// An undecided case in the sweep. Counts a miss when the deadline is before the sweep's `now`
  /// and the case was not counted; returns whether it counted one. Throws InvalidArgument (from
  /// AgencyMetrics) for an unknown center or form.
  bool open_case(std::uint64_t receipt, CenterId center, FormId form, Priority priority,
                 TimePoint deadline);
  /// Ends the sweep: counted cases the sweep did not see (gone without closed()) are forgotten.
  void end_sweep();

  /// A case was decided at `now`: counts a miss if its deadline passed and no sweep counted it;
  /// returns whether it counted one. The case is forgotten either way.
  bool closed(std::uint64_t receipt, CenterId center, FormId form, Priority priority,
              TimePoint deadline, TimePoint now);

  /// Undecided cases past their deadline, counted.
  std::size_t late_open() const { return counted_.size(); }

 private:
  AgencyMetrics& metrics_;
  TimePoint now_{};
  std::unordered_set<std::uint64_t> counted_;  // Receipts (packed) of counted undecided cases.
  std::vector<std::uint64_t> seen_;            // Late cases of the sweep in progress.
};

}  // namespace docket::metrics
