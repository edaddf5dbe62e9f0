#include "docket/metrics/agency.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "docket/core/error.h"

namespace docket::metrics {

namespace {

constexpr std::array<std::string_view, kOfferOutcomeCount> kOfferOutcomeNames = {
    "accepted", "declined", "timed_out", "lease_expired"};
constexpr std::array<std::string_view, kBacklogStateCount> kBacklogNames = {
    "queued", "offered", "assigned", "on_hold", "rfe_pending", "qa_review"};
constexpr std::array<std::string_view, 3> kPresenceNames = {"available", "away", "offline"};


}  // namespace

std::string_view to_string(OfferOutcome o) { return kOfferOutcomeNames.at(static_cast<std::size_t>(o)); }

int backlog_slot(CaseState s) { return detail::kBacklogSlotOfState.at(static_cast<std::size_t>(s)); }

// ---- TrailingQuantile ----------------------------------------------------------------------

TrailingQuantile::TrailingQuantile() : slices_(static_cast<std::size_t>(kSlices) * kBuckets, 0) {}

std::int64_t TrailingQuantile::slice_of(TimePoint t) {
  // 1970-01-01 was a Thursday; weeks start on the Monday three days before it.
  constexpr std::int64_t kMondayOffset = 3 * 86400;
  const std::int64_t s = t.time_since_epoch().count() + kMondayOffset;
  const std::int64_t len = kSliceLength.count();
  return s >= 0 ? s / len : -((-s + len - 1) / len);
}

void TrailingQuantile::advance(std::int64_t slice) {
  if (slice <= current_) return;
  auto ring = [](std::int64_t s) {
    return static_cast<std::size_t>(((s % kSlices) + kSlices) % kSlices) * kBuckets;
  };
  // The current slice becomes one of the others; then the slices that reuse ring rows fall out.
  constexpr auto kRow = static_cast<std::size_t>(kBuckets);
  for (std::size_t b = 0; b < kRow; ++b) window_[b] += slices_[current_row_ + b];
  for (std::size_t g = 0; g < current_groups_.size(); ++g) window_groups_[g] += current_groups_[g];
  current_groups_ = {};
  count_ += current_count_;
  current_count_ = 0;
  const std::int64_t first = std::max(current_ + 1, slice - kSlices + 1);
  for (std::int64_t s = first; s <= slice; ++s) {
    std::uint32_t* row = &slices_[ring(s)];
    for (std::size_t b = 0; b < kRow; ++b) {
      window_[b] -= row[b];
      window_groups_[b / kGroupWidth] -= row[b];
      count_ -= row[b];
      row[b] = 0;
    }
  }
  current_ = slice;
  current_row_ = ring(slice);
}

namespace {

// The eighths of an octave: kEighths[k] = 2^((k + 1) / 8), the lower bound of eighth k + 1 of a
// mantissa in [1, 2); the last is 2, above every mantissa.
const std::array<double, TrailingQuantile::kBucketsPerOctave> kEighths = [] {
  std::array<double, TrailingQuantile::kBucketsPerOctave> a{};
  for (int k = 0; k < TrailingQuantile::kBucketsPerOctave - 1; ++k) {
    a[static_cast<std::size_t>(k)] =
        std::exp2(static_cast<double>(k + 1) / TrailingQuantile::kBucketsPerOctave);
  }
  a.back() = 2.0;
  return a;
}();

// The eighth that holds the start of each 1/32 of [1, 2). An eighth is wider than 1/32 (at least
// 2^(1/8) - 1 = 0.09), so a 1/32 meets at most two eighths and one comparison settles it.
constexpr int kMantissaTopBits = 5;
const std::array<std::uint8_t, 1u << kMantissaTopBits> kEighthAt = [] {
  std::array<std::uint8_t, 1u << kMantissaTopBits> a{};
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double m = 1.0 + static_cast<double>(i) / static_cast<double>(a.size());
    std::uint8_t k = 0;
    while (m >= kEighths[k]) ++k;
    a[i] = k;
  }
  return a;
}();

}  // namespace

int TrailingQuantile::bucket_of(double seconds) {
  if (!(seconds >= kFirstBound)) return 0;  // Also NaN and negatives.
  // seconds / kFirstBound = m * 2^octave with m in [1, 2): the exponent bits give the octave,
  // the top mantissa bits the eighth of it, give or take the one comparison.
  const auto bits = std::bit_cast<std::uint64_t>(seconds / kFirstBound);
  const auto octave = static_cast<std::int64_t>(bits >> 52) - 1023;  // Positive: the value is >= 1.
  if (octave >= (kBuckets - 2) / kBucketsPerOctave) return kBuckets - 1;  // Also infinity.
  constexpr std::uint64_t kMantissa = (std::uint64_t{1} << 52) - 1;
  const double m = std::bit_cast<double>((bits & kMantissa) | std::bit_cast<std::uint64_t>(1.0));
  std::uint8_t k = kEighthAt[(bits & kMantissa) >> (52 - kMantissaTopBits)];
  if (m >= kEighths[k]) ++k;
  return 1 + static_cast<int>(octave) * kBucketsPerOctave + k;
}

double TrailingQuantile::lower_bound(int bucket) {
  if (bucket <= 0) return 0;
  return kFirstBound * std::exp2(static_cast<double>(bucket - 1) / kBucketsPerOctave);
}

double TrailingQuantile::upper_bound(int bucket) {
  if (bucket >= kBuckets - 1) return std::numeric_limits<double>::infinity();
  return kFirstBound * std::exp2(static_cast<double>(bucket) / kBucketsPerOctave);
}

double TrailingQuantile::quantile(double q) const {
  if (count() == 0) return std::numeric_limits<double>::quiet_NaN();
  const auto n = static_cast<double>(count());
  const double rank = std::clamp(std::ceil(q * n - 1e-9), 1.0, n);  // 1-based, nearest rank.
  double below = 0;
  int g = 0;  // The rank's group: the first whose cumulative count reaches it.
  for (; g < kGroups - 1; ++g) {
    const auto in = static_cast<double>(window_groups_[static_cast<std::size_t>(g)] +
                                        current_groups_[static_cast<std::size_t>(g)]);
    if (below + in >= rank) break;
    below += in;
  }
  for (int b = g * kGroupWidth; b < kBuckets; ++b) {
    const auto in = static_cast<double>(window_[static_cast<std::size_t>(b)] +
                                        slices_[current_row_ + static_cast<std::size_t>(b)]);
    if (below + in < rank) {
      below += in;
      continue;
    }
    // The bucket's values are taken as spread evenly (in log space above the first bucket);
    // the rank-th sits at the middle of its share.
    const double frac = (rank - below - 0.5) / in;
    if (b == 0) return frac * kFirstBound;
    if (b == kBuckets - 1) return lower_bound(b);
    return lower_bound(b) * std::exp2(frac / kBucketsPerOctave);
  }
  return lower_bound(kBuckets - 1);
}

// ---- AgencyMetrics -------------------------------------------------------------------------

namespace {

template <std::size_t N>
std::size_t bucket_index(const std::array<double, N>& bounds, double v) {
  // Prometheus' `le`: the first bound at or above the value; N is +Inf.
  return static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
}

// A value's Prometheus bucket from its TrailingQuantile bucket, which the event path computes
// anyway: a TrailingQuantile bucket (an eighth of an octave) holds at most one bound of the
// histograms above an hour, so the answer is a table entry and one comparison instead of a
// binary search. The bucket below an hour, where the queue-wait bounds crowd, searches.
template <std::size_t N>
class BucketMap {
 public:
  explicit BucketMap(const std::array<double, N>& bounds) : bounds_(bounds) {
    for (int fine = 1; fine < TrailingQuantile::kBuckets; ++fine) {
      Cell& c = cells_[static_cast<std::size_t>(fine)];
      int inside = 0;
      for (std::size_t k = 0; k < N; ++k) {
        if (TrailingQuantile::bucket_of(bounds[k]) != fine) continue;
        if (++inside == 1) c.bound = bounds[k], c.base = static_cast<std::uint8_t>(k);
      }
      if (inside == 0) {
        // No bound inside: every value of the bucket has the bucket of one of them.
        const double mid = fine == TrailingQuantile::kBuckets - 1
                               ? TrailingQuantile::lower_bound(fine)
                               : std::sqrt(TrailingQuantile::lower_bound(fine) *
                                           TrailingQuantile::upper_bound(fine));
        c.base = static_cast<std::uint8_t>(bucket_index(bounds, mid));
      }
      c.search = inside > 1;
    }
    cells_[0].search = true;
  }
  std::size_t index(double v, int fine) const {
    const Cell& c = cells_[static_cast<std::size_t>(fine)];
    if (c.search) [[unlikely]]
      return bucket_index(bounds_, v);
    return c.base + (v > c.bound ? 1u : 0u);
  }

 private:
  struct Cell {
    double bound = std::numeric_limits<double>::infinity();
    std::uint8_t base = 0;
    bool search = false;
  };
  const std::array<double, N>& bounds_;
  std::array<Cell, TrailingQuantile::kBuckets> cells_{};
};

const BucketMap<AgencyMetrics::kCycleTimeBuckets.size()> kCycleMap(
    AgencyMetrics::kCycleTimeBuckets);
const BucketMap<AgencyMetrics::kQueueWaitBuckets.size()> kWaitMap(AgencyMetrics::kQueueWaitBuckets);

}  // namespace

struct AgencyMetrics::Pair {
  std::array<prometheus::Counter*, kPriorityCount> receipts{};
  std::array<prometheus::Counter*, 2> completions{};
  std::array<prometheus::Gauge*, kBacklogStateCount> backlog{};
  prometheus::Histogram* cycle_time = nullptr;
  prometheus::Histogram* queue_wait = nullptr;
  prometheus::Gauge* at_risk = nullptr;
  std::array<prometheus::Counter*, kPriorityCount> misses{};
  prometheus::Gauge* posted = nullptr;
  prometheus::Labels labels;  // {center, form}
  std::unique_ptr<TrailingQuantile> window;
};

// What a pair keeps between ticks besides its Prometheus series: deadline misses since the last
// tick (rare) and its posted-time window. Small, so that tick() walks the table in few lines.
struct AgencyMetrics::Folded {
  bool window_changed = false;
  std::array<std::uint32_t, kPriorityCount> misses{};
  TrailingQuantile* window = nullptr;  // Pair::window, once there is one
};

// A pair's queue waits and cycle times of one tick, by Prometheus bucket, built on the stack.
struct AgencyMetrics::Buckets {
  std::array<std::uint32_t, kCycleTimeBuckets.size() + 1> cycle{};
  std::array<std::uint32_t, kQueueWaitBuckets.size() + 1> wait{};
  double cycle_sum = 0;
  double wait_sum = 0;
  std::uint32_t cycles = 0;  // Observations in cycle, and in wait.
  std::uint32_t waits = 0;
};

namespace {

// Histogram::ObserveMultiple adds to every bucket, one atomic operation each (23 or 25 with the
// sum and the lock), while Observe takes four (the lock, one bucket and the sum): up to this many
// observations of a pair in a tick, observing them one by one is cheaper. Either way the series
// gets the same counts and the same sum (the values are whole seconds, so exact as doubles).
constexpr std::uint32_t kObserveEachUpTo = 5;

}  // namespace

const prometheus::Histogram::BucketBoundaries& AgencyMetrics::cycle_time_buckets() {
  static const prometheus::Histogram::BucketBoundaries b(kCycleTimeBuckets.begin(), kCycleTimeBuckets.end());
  return b;
}

const prometheus::Histogram::BucketBoundaries& AgencyMetrics::queue_wait_buckets() {
  static const prometheus::Histogram::BucketBoundaries b(kQueueWaitBuckets.begin(), kQueueWaitBuckets.end());
  return b;
}

AgencyMetrics::AgencyMetrics(prometheus::Registry& registry, const Catalog& catalog, const Clock& clock)
    : receipts(prometheus::BuildCounter()
                   .Name("docket_receipts_total")
                   .Help("Cases received, by center, form and priority")
                   .Register(registry)),
      completions(prometheus::BuildCounter()
                      .Name("docket_completions_total")
                      .Help("Cases decided, by center, form and outcome (approve, deny)")
                      .Register(registry)),
      backlog(prometheus::BuildGauge()
                  .Name("docket_backlog_cases")
                  .Help("Cases in each backlog state, by center and form")
                  .Register(registry)),
      cycle_time(prometheus::BuildHistogram()
                     .Name("docket_cycle_time_seconds")
                     .Help("Receipt to decision of completed cases, seconds")
                     .Register(registry)),
      queue_wait(prometheus::BuildHistogram()
                     .Name("docket_queue_wait_seconds")
                     .Help("Time a case waited in its queue before an offer, seconds")
                     .Register(registry)),
      posted_time(prometheus::BuildGauge()
                      .Name("docket_posted_processing_time_seconds")
                      .Help("Posted processing time: 80th percentile of the cycle times of cases "
                            "completed in the trailing six months, seconds")
                      .Register(registry)),
      at_risk(prometheus::BuildGauge()
                  .Name("docket_cases_at_risk")
                  .Help("Undecided cases projected to miss their deadline")
                  .Register(registry)),
      deadline_misses(prometheus::BuildCounter()
                          .Name("docket_deadline_misses_total")
                          .Help("Cases whose deadline passed before their decision")
                          .Register(registry)),
      officers(prometheus::BuildGauge()
                   .Name("docket_officers")
                   .Help("Officers on the roster, by center and presence")
                   .Register(registry)),
      utilization(prometheus::BuildGauge()
                      .Name("docket_officer_utilization_ratio")
                      .Help("Load over capacity of the available officers of a center")
                      .Register(registry)),
      offer_outcomes(prometheus::BuildCounter()
                         .Name("docket_offer_outcomes_total")
                         .Help("Offers by outcome (accepted, declined, timed_out, lease_expired)")
                         .Register(registry)),
      clock_(clock) {
  static_assert(sizeof(Pending) == 64, "a pair's counts are one cache line");
  for (const Center& c : catalog.centers()) centers_.push_back(c.code);
  for (const FormPolicy& f : catalog.forms()) forms_.push_back(f.code);
  pending_.resize(centers_.size() * forms_.size());
  folded_.resize(centers_.size() * forms_.size());
  pairs_.resize(centers_.size() * forms_.size());
  roster_.resize(centers_.size());
  per_center_.resize(centers_.size());
  for (std::size_t c = 0; c < centers_.size(); ++c) {
    PerCenter& pc = per_center_[c];
    for (std::size_t p = 0; p < kPresenceNames.size(); ++p) {
      pc.officers[p] = &officers.Add({{"center", centers_[c]}, {"presence", std::string(kPresenceNames[p])}});
    }
    pc.utilization = &utilization.Add({{"center", centers_[c]}});
    for (std::size_t o = 0; o < kOfferOutcomeNames.size(); ++o) {
      pc.offers[o] = &offer_outcomes.Add({{"center", centers_[c]}, {"outcome", std::string(kOfferOutcomeNames[o])}});
    }
  }
  // The pairs the configuration says exist start at zero.
  for (const FormPolicy& f : catalog.forms()) {
    if (f.centers.empty()) {
      for (std::size_t c = 0; c < centers_.size(); ++c) series(index(static_cast<CenterId>(c), f.id));
    } else {
      for (CenterId c : f.centers) series(index(c, f.id));
    }
  }
  slice_ = TrailingQuantile::slice_of(clock_.now());
}

AgencyMetrics::~AgencyMetrics() = default;

void AgencyMetrics::unknown(CenterId center, FormId form) {
  throw InvalidArgument("metrics: unknown center id " + std::to_string(center) + " or form id " +
                        std::to_string(form));
}

AgencyMetrics::Pair& AgencyMetrics::series(std::size_t i) {
  std::unique_ptr<Pair>& slot = pairs_[i];
  if (slot) return *slot;
  slot = std::make_unique<Pair>();
  Pair& p = *slot;
  const std::string& cc = centers_[i / forms_.size()];
  const std::string& fc = forms_[i % forms_.size()];
  p.labels = {{"center", cc}, {"form", fc}};
  for (int k = 0; k < kPriorityCount; ++k) {
    const std::string prio(to_string(static_cast<Priority>(k)));
    p.receipts[static_cast<std::size_t>(k)] = &receipts.Add({{"center", cc}, {"form", fc}, {"priority", prio}});
    p.misses[static_cast<std::size_t>(k)] = &deadline_misses.Add({{"center", cc}, {"form", fc}, {"priority", prio}});
  }
  p.completions[0] = &completions.Add({{"center", cc}, {"form", fc}, {"outcome", "approve"}});
  p.completions[1] = &completions.Add({{"center", cc}, {"form", fc}, {"outcome", "deny"}});
  for (std::size_t s = 0; s < kBacklogNames.size(); ++s) {
    p.backlog[s] = &backlog.Add({{"center", cc}, {"form", fc}, {"state", std::string(kBacklogNames[s])}});
  }
  p.cycle_time = &cycle_time.Add(p.labels, cycle_time_buckets());
  p.queue_wait = &queue_wait.Add(p.labels, queue_wait_buckets());
  p.at_risk = &at_risk.Add(p.labels);
  return p;
}

TrailingQuantile& AgencyMetrics::make_window(std::size_t i) {
  Pair& p = series(i);
  p.window = std::make_unique<TrailingQuantile>();
  p.window->advance(slice_);
  windowed_.push_back(i);
  folded_[i].window = p.window.get();
  return *p.window;
}

void AgencyMetrics::unknown(CenterId center) {
  throw InvalidArgument("metrics: unknown center id " + std::to_string(center));
}

void AgencyMetrics::not_completing(Outcome outcome) {
  throw InvalidArgument("metrics: outcome '" + std::string(to_string(outcome)) + "' does not complete a case");
}

void AgencyMetrics::on_deadline_miss(CenterId center, FormId form, Priority priority) {
  ++folded_[index(center, form)].misses[static_cast<std::size_t>(priority)];
}

void AgencyMetrics::set_at_risk(CenterId center, FormId form, std::int64_t cases) {
  series(index(center, form)).at_risk->Set(static_cast<double>(cases));
}

void AgencyMetrics::set_officers(std::span<const Officer> roster) {
  for (auto& r : roster_) r.fill(0);
  for (const Officer& o : roster) {
    if (o.center >= roster_.size() || o.removed) continue;
    auto& r = roster_[o.center];
    ++r[static_cast<std::size_t>(o.presence)];
    if (o.presence == Presence::kAvailable) {
      r[3] += o.load;
      r[4] += o.capacity;
    }
  }
  for (std::size_t c = 0; c < roster_.size(); ++c) {
    const auto& r = roster_[c];
    PerCenter& pc = per_center_[c];
    for (std::size_t p = 0; p < 3; ++p) pc.officers[p]->Set(static_cast<double>(r[p]));
    pc.utilization->Set(r[4] > 0 ? static_cast<double>(r[3]) / static_cast<double>(r[4]) : 0.0);
  }
}

void AgencyMetrics::sort_log() {
  // A counting sort by pair: tick() then visits each pair once, in table order, instead of
  // jumping between pairs per observation, which misses the cache at every step once the event
  // loop's rounds have evicted the tables.
  const std::size_t n = pending_.size();
  starts_.assign(n + 1, 0);
  for (const Observation& o : observations_) ++starts_[(o.key & ~kWaitBit) + 1];
  for (std::size_t i = 0; i < n; ++i) starts_[i + 1] += starts_[i];
  sorted_.resize(observations_.size());
  cursor_.assign(starts_.begin(), starts_.end() - 1);
  for (const Observation& o : observations_) sorted_[cursor_[o.key & ~kWaitBit]++] = o;
  observations_.clear();
}

void AgencyMetrics::prefetch_series(std::size_t i) const {
  // The rounds between two ticks evict these, and each series is its own heap object, so a tick
  // would otherwise wait on a dozen cache misses per pair, one after the other.
  const Pair* s = pairs_[i].get();
  if (s == nullptr) return;
  for (const auto* c : s->receipts) __builtin_prefetch(c);
  for (const auto* c : s->completions) __builtin_prefetch(c);
  __builtin_prefetch(s->cycle_time);
  __builtin_prefetch(s->queue_wait);
  if (folded_[i].window != nullptr) __builtin_prefetch(folded_[i].window);
}

void AgencyMetrics::tick() {
  sort_log();
  const std::size_t n = pending_.size();
  for (std::size_t i = 0; i < n; ++i) {
    // The pair two ahead, then (its pointers in cache by now) the series of the next one.
    if (i + 2 < n) __builtin_prefetch(pairs_[i + 2].get());
    if (i + 1 < n) prefetch_series(i + 1);
    Pending& p = pending_[i];
    Folded& f = folded_[i];
    const std::uint32_t first = starts_[i], last = starts_[i + 1];
    if (first == last && !has_events(p, f)) continue;
    Buckets b;
    for (std::uint32_t k = first; k < last; ++k) {
      const Observation& o = sorted_[k];
      const auto v = static_cast<double>(o.seconds);
      const int fine = TrailingQuantile::bucket_of(v);
      if ((o.key & kWaitBit) != 0) {
        ++b.wait[kWaitMap.index(v, fine)];
        b.wait_sum += v;
        ++b.waits;
        continue;
      }
      ++b.cycle[kCycleMap.index(v, fine)];
      b.cycle_sum += v;
      ++b.cycles;
      TrailingQuantile* w = f.window;
      if (w == nullptr) [[unlikely]]
        w = &make_window(i);
      w->add_to_bucket(fine);
      f.window_changed = true;
    }
    flush(p, f, b, std::span(sorted_).subspan(first, last - first), series(i));
  }
  for (PerCenter& pc : per_center_) {
    for (std::size_t o = 0; o < pc.pending.size(); ++o) {
      if (pc.pending[o] != 0) pc.offers[o]->Increment(pc.pending[o]);
      pc.pending[o] = 0;
    }
  }
  const std::int64_t slice = TrailingQuantile::slice_of(clock_.now());
  const bool rolled = slice > slice_;
  slice_ = std::max(slice_, slice);
  for (std::size_t i : windowed_) {
    if (rolled) {
      folded_[i].window->advance(slice_);
      folded_[i].window_changed = true;
    }
    if (folded_[i].window_changed) publish_posted(i);
  }
}

bool AgencyMetrics::has_events(const Pending& p, const Folded& f) {
  auto nonzero = [](const auto& a) { return std::any_of(a.begin(), a.end(), [](auto n) { return n != 0; }); };
  return nonzero(p.receipts) || nonzero(f.misses) || nonzero(p.completions) || nonzero(p.backlog);
}

void AgencyMetrics::flush(Pending& p, Folded& f, const Buckets& b,
                          std::span<const Observation> logged, Pair& s) {
  for (std::size_t k = 0; k < p.receipts.size(); ++k) {
    if (p.receipts[k] != 0) s.receipts[k]->Increment(p.receipts[k]);
    if (f.misses[k] != 0) s.misses[k]->Increment(f.misses[k]);
  }
  for (std::size_t k = 0; k < p.completions.size(); ++k) {
    if (p.completions[k] != 0) s.completions[k]->Increment(p.completions[k]);
  }
  for (std::size_t k = 0; k < p.backlog.size(); ++k) {
    if (p.backlog[k] != 0) s.backlog[k]->Increment(p.backlog[k]);
  }
  auto publish = [&](prometheus::Histogram& h, auto& counts, double sum, std::uint32_t n, bool wait) {
    if (n == 0) return;
    if (n <= kObserveEachUpTo) {
      for (const Observation& o : logged) {
        if (((o.key & kWaitBit) != 0) == wait) h.Observe(static_cast<double>(o.seconds));
      }
      return;
    }
    scratch_.assign(counts.begin(), counts.end());
    h.ObserveMultiple(scratch_, sum);
  };
  publish(*s.cycle_time, b.cycle, b.cycle_sum, b.cycles, false);
  publish(*s.queue_wait, b.wait, b.wait_sum, b.waits, true);
  p = Pending{};
  f.misses = {};
}

void AgencyMetrics::publish_posted(std::size_t i) {
  Pair& p = series(i);
  folded_[i].window_changed = false;
  const double q = p.window->quantile(kPostedQuantile);
  if (std::isnan(q)) {
    if (p.posted != nullptr) posted_time.Remove(p.posted);
    p.posted = nullptr;
    return;
  }
  if (p.posted == nullptr) p.posted = &posted_time.Add(p.labels);
  p.posted->Set(q);
}

double AgencyMetrics::posted_processing_time(CenterId center, FormId form) const {
  const std::size_t i = index(center, form);
  const TrailingQuantile* w = folded_[i].window;
  const bool logged = std::any_of(observations_.begin(), observations_.end(),
                                  [&](const Observation& o) { return o.key == i; });
  if (!logged)
    return w != nullptr ? w->quantile(kPostedQuantile) : std::numeric_limits<double>::quiet_NaN();
  // Completions since the last tick are still in the log: a copy of the window takes them.
  TrailingQuantile copy;
  if (w != nullptr) {
    copy = *w;
  } else {
    copy.advance(slice_);
  }
  for (const Observation& o : observations_) {
    if (o.key == i) copy.add(static_cast<double>(o.seconds));
  }
  return copy.quantile(kPostedQuantile);
}

}  // namespace docket::metrics
