#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/core/clock.h"
#include "docket/core/officer.h"
#include "docket/core/types.h"
#include "docket/metrics/deadline_watch.h"

namespace docket::metrics {

/// What became of an offer.
enum class OfferOutcome : std::uint8_t { kAccepted, kDeclined, kTimedOut, kLeaseExpired };
inline constexpr int kOfferOutcomeCount = 4;
/// accepted, declined, timed_out, lease_expired (the `outcome` label).
std::string_view to_string(OfferOutcome o);

/// The backlog states of docket_backlog_cases, in label order: queued, offered, assigned,
/// on_hold, rfe_pending, qa_review. Returns -1 for a state that is not backlog (received,
/// transferred, decided).
int backlog_slot(CaseState s);
inline constexpr int kBacklogStateCount = 6;

namespace detail {
/// Backlog slot of each CaseState, in enum order (backlog_slot).
inline constexpr std::array<std::int8_t, kCaseStateCount> kBacklogSlotOfState = {
    -1,  // received
    0,   // queued
    1,   // offered
    2,   // assigned
    4,   // rfe_pending
    3,   // on_hold
    -1,  // transferred
    5,   // qa_review
    -1,  // decided
};
}  // namespace detail

/// A percentile of the cycle times of cases completed over a trailing window, in bounded memory.
///
/// Time is cut into slices of kSliceLength (weeks starting Monday 00:00 UTC); each slice keeps a
/// log-bucketed histogram of the cycle times completed in it, and the window is the current slice
/// and the kSlices - 1 before it (175 to 182 days: a week's resolution at the old edge). Buckets
/// are 2^(1/8) wide from one hour up (about 9%), so a quantile is within 9% of the exact
/// nearest-rank value; below one hour there is one linear bucket, above 2^17 hours (about 15 years)
/// one overflow bucket. Memory: kSlices x kBuckets 32-bit counts, about 14 KiB.
class TrailingQuantile {
 public:
  static constexpr int kSlices = 26;
  static constexpr Seconds kSliceLength{7 * 86400};
  static constexpr int kBucketsPerOctave = 8;
  static constexpr double kFirstBound = 3600.0;  ///< Upper bound of the linear bucket, seconds.
  static constexpr int kBuckets = 2 + 17 * kBucketsPerOctave;

  TrailingQuantile();
  /// The slice that holds instant t (weeks since the Monday before the Unix epoch).
  static std::int64_t slice_of(TimePoint t);
  /// Rolls the window forward to `slice`: slices that fall out of it are dropped. Earlier
  /// slices than the current one are ignored (time never moves back for the window).
  void advance(std::int64_t slice);
  /// Records a completion with this cycle time in the current slice.
  void add(double seconds) { add_to_bucket(bucket_of(seconds)); }
  /// Records a completion in `bucket` (bucket_of its cycle time, 0 <= bucket < kBuckets) of the
  /// current slice: one increment of one count, so that a caller who already knows the bucket
  /// pays nothing more.
  void add_to_bucket(int bucket) {
    ++slices_[current_row_ + static_cast<std::size_t>(bucket)];
    ++current_groups_[static_cast<std::size_t>(bucket / kGroupWidth)];
    ++current_count_;
  }
  /// Completions in the window.
  std::uint64_t count() const { return count_ + current_count_; }
  /// The q-quantile (0 < q <= 1, nearest rank) of the window's cycle times, seconds; NaN when
  /// the window is empty.
  double quantile(double q) const;
  /// Bucket of a cycle time, and the bounds [lower, upper) of a bucket, seconds. bucket_of reads
  /// the octave from the exponent bits and the eighth from a table of the top mantissa bits
  /// (no library call, at most one comparison).
  static int bucket_of(double seconds);
  static double lower_bound(int bucket);
  static double upper_bound(int bucket);

 private:
  // The current slice's row is written by every completion and read only by quantile(), so an
  // event touches one count and this object's first cache line; window_ and count_ hold the
  // other slices of the window and change only when the window rolls.
  std::vector<std::uint32_t> slices_;  // kSlices x kBuckets, ring by slice % kSlices.
  std::size_t current_row_ = 0;        // Offset in slices_ of the current slice's row.
  std::uint64_t current_count_ = 0;    // Completions in the current slice.
  std::int64_t current_ = 0;
  std::uint64_t count_ = 0;                       // Completions in the window's other slices.
  std::array<std::uint64_t, kBuckets> window_{};  // Sum of the window's other slices.
  // Sums of kGroupWidth buckets, for the current slice and the others: quantile() finds the
  // rank's group in these and reads only that group's buckets, a few cache lines instead of
  // every bucket of both arrays.
  static constexpr int kGroupWidth = kBucketsPerOctave;
  static constexpr int kGroups = (kBuckets + kGroupWidth - 1) / kGroupWidth;
  std::array<std::uint32_t, kGroups> current_groups_{};
  std::array<std::uint64_t, kGroups> window_groups_{};
};

/// The metrics that answer the agency's questions: intake, completions, backlog by state,
/// processing times as the agency posts them, deadline risk, officers and offers. Registered once
/// per process and fed by the scheduler's event loop through plain methods.
///
/// Labels come only from bounded sets: center and form codes of the Catalog, priority, outcome,
/// state, presence. Never a receipt number or an officer id.
///
/// Cost: an event is inline and only adds to plain integers of its (center, form) pair, found
/// by index (no string, no map, no atomic), all in one cache line per pair; a queue wait or
/// cycle time is instead appended, 8 bytes, to a log bounded by the events between two ticks.
/// tick() sorts the log by pair, folds it into the histograms and posted-time windows and
/// publishes what accumulated to the Prometheus series, visiting each pair once. The scheduler calls tick() on its one-second timer, so
/// a scrape lags the events by at most a second. set_at_risk and set_officers publish at once.
/// Pairs the catalog says adjudicate a form have series from the start (at zero); others get
/// them on first use.
///
/// Threads: one thread (the event loop) calls every method; scrapes read the Prometheus series
/// concurrently, which prometheus-cpp makes safe.
class AgencyMetrics {
 public:
  /// Histogram buckets of cycle time, seconds: one hour to five years.
  static constexpr std::array<double, 21> kCycleTimeBuckets = {
      3600,     14400,    28800,    86400,    172800,   345600,   604800,
      1209600,  2592000,  3888000,  5184000,  7776000,  10368000, 12960000,
      15552000, 20736000, 31536000, 47304000, 63072000, 94608000, 157680000};
  /// Queue wait: one and ten minutes, then as cycle time.
  static constexpr std::array<double, 23> kQueueWaitBuckets = {
      60,       600,      3600,     14400,    28800,    86400,    172800,   345600,
      604800,   1209600,  2592000,  3888000,  5184000,  7776000,  10368000, 12960000,
      15552000, 20736000, 31536000, 47304000, 63072000, 94608000, 157680000};
  static const prometheus::Histogram::BucketBoundaries& cycle_time_buckets();
  static const prometheus::Histogram::BucketBoundaries& queue_wait_buckets();
  /// The posted processing time is this quantile of the window's cycle times.
  static constexpr double kPostedQuantile = 0.8;

  /// Takes the centers and forms of `catalog` (copied; later additions are not known) and reads
  /// time from `clock`, which must outlive this object.
  AgencyMetrics(prometheus::Registry& registry, const Catalog& catalog, const Clock& clock);
  ~AgencyMetrics();
  AgencyMetrics(const AgencyMetrics&) = delete;
  AgencyMetrics& operator=(const AgencyMetrics&) = delete;

  // Every method throws InvalidArgument for a center or form id the catalog did not have.

  /// A case was received (intake or import): docket_receipts_total.
  void on_receipt(CenterId center, FormId form, Priority priority) {
    ++pending_[index(center, form)].receipts[static_cast<std::size_t>(priority)];
  }
  /// A case moved between states: docket_backlog_cases. Called for every transition of the case
  /// lifecycle, with the case's center and form; a state outside the backlog (received,
  /// transferred, decided) is simply not counted, so a new case is (received -> queued), a
  /// restored one (received -> its state), a decision (assigned -> decided), and a move
  /// (queued -> transferred) at the source then (transferred -> queued) at the destination.
  void on_transition(CenterId center, FormId form, CaseState from, CaseState to) {
    const int f = detail::kBacklogSlotOfState[static_cast<std::size_t>(from)];
    const int t = detail::kBacklogSlotOfState[static_cast<std::size_t>(to)];
    if (f == t) return;
    Pending& p = pending_[index(center, form)];
    if (f >= 0) --p.backlog[static_cast<std::size_t>(f)];
    if (t >= 0) ++p.backlog[static_cast<std::size_t>(t)];
  }
  /// A case left its queue for an officer's desk after waiting `queue_wait` since it last
  /// entered the queue: docket_queue_wait_seconds. A negative wait counts as 0.
  void on_offered(CenterId center, FormId form, Seconds wait) {
    log(index(center, form) | kWaitBit, wait);
  }
  /// What became of an offer, by the case's center: docket_offer_outcomes_total.
  void on_offer_outcome(CenterId center, OfferOutcome outcome) {
    if (center >= per_center_.size()) [[unlikely]]
      unknown(center);
    ++per_center_[center].pending[static_cast<std::size_t>(outcome)];
  }
  /// A case was decided (approve or deny; a QA review of a decided case is not a second
  /// completion), `cycle_time` after its receipt: docket_completions_total,
  /// docket_cycle_time_seconds and the posted processing time. Throws InvalidArgument for an
  /// outcome that does not complete a case (request evidence, refer, transfer). A negative cycle
  /// time counts as 0.
  void on_completion(CenterId center, FormId form, Outcome outcome, Seconds cycle) {
    if (outcome != Outcome::kApprove && outcome != Outcome::kDeny) [[unlikely]]
      not_completing(outcome);
    const std::size_t i = index(center, form);
    ++pending_[i].completions[outcome == Outcome::kApprove ? 0 : 1];
    log(i, cycle);
  }
  /// A case's deadline passed before its decision (once per case): docket_deadline_misses_total.
  /// deadlines() decides when; the scheduler calls it rather than this.
  void on_deadline_miss(CenterId center, FormId form, Priority priority);
  /// The watch that counts each undecided case's deadline miss once, when the deadline passes.
  DeadlineWatch& deadlines() { return deadlines_; }
  /// Cases of a (center, form) projected to miss their deadline, as the caller estimates them:
  /// docket_cases_at_risk.
  void set_at_risk(CenterId center, FormId form, std::int64_t cases);
  /// The roster as it is now: docket_officers{center,presence} and
  /// docket_officer_utilization_ratio{center}. Officers of unknown centers are skipped.
  void set_officers(std::span<const Officer> officers);
  /// Publishes the events since the last tick to the Prometheus series, rolls the
  /// posted-processing-time windows forward to the clock's week and updates the posted times
  /// that changed. A completion counts in the week of the last tick before it.
  void tick();

  /// The current posted processing time of a (center, form), seconds, with every completion so
  /// far; NaN when no case was completed in the window. The gauge shows the same value after the
  /// next tick (and is absent while the window is empty).
  double posted_processing_time(CenterId center, FormId form) const;

  /// docket_receipts_total{center,form,priority}: cases received.
  prometheus::Family<prometheus::Counter>& receipts;
  /// docket_completions_total{center,form,outcome}: cases decided, outcome approve|deny.
  prometheus::Family<prometheus::Counter>& completions;
  /// docket_backlog_cases{center,form,state}: cases in each backlog state
  /// (queued|offered|assigned|on_hold|rfe_pending|qa_review).
  prometheus::Family<prometheus::Gauge>& backlog;
  /// docket_cycle_time_seconds{center,form}: receipt to decision of completed cases, seconds.
  prometheus::Family<prometheus::Histogram>& cycle_time;
  /// docket_queue_wait_seconds{center,form}: time in the queue before an offer, seconds.
  prometheus::Family<prometheus::Histogram>& queue_wait;
  /// docket_posted_processing_time_seconds{center,form}: the agency's posted processing time,
  /// the 80th percentile of cycle times of cases completed over the trailing six months
  /// (TrailingQuantile: 175-182 days, within 9%), seconds. Absent while the window is empty.
  prometheus::Family<prometheus::Gauge>& posted_time;
  /// docket_cases_at_risk{center,form}: cases projected to miss their deadline.
  prometheus::Family<prometheus::Gauge>& at_risk;
  /// docket_deadline_misses_total{center,form,priority}: cases whose deadline passed before a
  /// decision.
  prometheus::Family<prometheus::Counter>& deadline_misses;
  /// docket_officers{center,presence}: officers by presence (available|away|offline).
  prometheus::Family<prometheus::Gauge>& officers;
  /// docket_officer_utilization_ratio{center}: load / capacity of the available officers (0-1;
  /// 0 when none is available).
  prometheus::Family<prometheus::Gauge>& utilization;
  /// docket_offer_outcomes_total{center,outcome}: offers by outcome
  /// (accepted|declined|timed_out|lease_expired).
  prometheus::Family<prometheus::Counter>& offer_outcomes;

 private:
  struct Pair;    // The Prometheus series of a (center, form), created on first need.
  struct Folded;   // Deadline misses and the posted-time window of a pair.
  struct Buckets;  // A pair's observations of one tick, by bucket.
  // Counts of a (center, form) since the last tick, written only by the event loop; tick()
  // moves them to the series. Everything an event of a case touches here is one cache line, so
  // a case's whole lifecycle costs one line of this table: the event loop runs rounds between a
  // case's events, which evict it.
  struct alignas(64) Pending {
    std::array<std::uint32_t, kPriorityCount> receipts{};
    std::array<std::uint32_t, 2> completions{};
    std::array<std::int32_t, kBacklogStateCount> backlog{};
  };
  // A queue wait or cycle time since the last tick: events append these to one sequential log,
  // so an event is an index, a count and an 8-byte append. tick() sorts the log by pair and
  // then, pair by pair, finds the buckets and writes the histograms and the window.
  struct Observation {
    std::uint32_t key;      // index(center, form), | kWaitBit for a queue wait.
    std::uint32_t seconds;  // Clamped to [0, 2^32 - 1]: 136 years, past the last bucket.
  };
  static constexpr std::uint32_t kWaitBit = 0x80000000u;
  struct PerCenter {
    std::array<prometheus::Gauge*, 3> officers{};
    prometheus::Gauge* utilization = nullptr;
    std::array<prometheus::Counter*, kOfferOutcomeCount> offers{};
    std::array<std::uint32_t, kOfferOutcomeCount> pending{};  // Offers since the last tick.
  };
  std::uint32_t index(CenterId center, FormId form) const {
    if (center >= centers_.size() || form >= forms_.size()) [[unlikely]]
      unknown(center, form);
    return static_cast<std::uint32_t>(center * forms_.size() + form);
  }
  void log(std::uint32_t key, Seconds s) {
    const std::int64_t n = s.count();
    observations_.push_back(
        {key, static_cast<std::uint32_t>(std::clamp<std::int64_t>(n, 0, 0xffffffffLL))});
  }
  [[noreturn]] static void unknown(CenterId center, FormId form);
  [[noreturn]] static void unknown(CenterId center);
  [[noreturn]] static void not_completing(Outcome outcome);
  Pair& series(std::size_t index);
  TrailingQuantile& make_window(std::size_t index);
  static bool has_events(const Pending& p, const Folded& f);
  // Publishes a pair's counts since the last tick; `logged` is its part of the sorted log.
  void flush(Pending& p, Folded& f, const Buckets& b, std::span<const Observation> logged, Pair& s);
  void prefetch_series(std::size_t index) const;
  void sort_log();  // The observation log, by pair, into sorted_ and starts_.
  void publish_posted(std::size_t index);

  const Clock& clock_;
  DeadlineWatch deadlines_{*this};
  std::vector<std::string> centers_;
  std::vector<std::string> forms_;
  std::vector<Pending> pending_;              // by index(center, form)
  std::vector<Folded> folded_;                // by index(center, form)
  std::vector<Observation> observations_;     // since the last tick
  std::vector<Observation> sorted_;           // the log by pair, during tick()
  std::vector<std::uint32_t> starts_;         // pair i's part of sorted_: [starts_[i], starts_[i+1])
  std::vector<std::uint32_t> cursor_;         // sort_log()'s scratch
  std::vector<std::unique_ptr<Pair>> pairs_;  // by index(center, form); null until needed
  std::vector<std::size_t> windowed_;         // indexes of the pairs with a posted-time window
  std::vector<PerCenter> per_center_;
  std::int64_t slice_ = 0;
  std::vector<double> scratch_;  // bucket increments for Histogram::ObserveMultiple
  // Scratch for set_officers: per center, officers by presence, load and capacity available.
  std::vector<std::array<std::int64_t, 5>> roster_;
};

}  // namespace docket::metrics
