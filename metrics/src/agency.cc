#include "docket/metrics/agency.h"

#include <algorithm>
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

// Backlog slot of each CaseState, in enum order.
constexpr std::array<std::int8_t, kCaseStateCount> kSlotOfState = {
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

constexpr double kHour = 3600, kDay = 86400, kYear = 365 * kDay;

}  // namespace

std::string_view to_string(OfferOutcome o) { return kOfferOutcomeNames.at(static_cast<std::size_t>(o)); }

int backlog_slot(CaseState s) { return kSlotOfState.at(static_cast<std::size_t>(s)); }

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
  const std::int64_t first = std::max(current_ + 1, slice - kSlices + 1);
  for (std::int64_t s = first; s <= slice; ++s) {
    const auto ring = static_cast<std::size_t>(((s % kSlices) + kSlices) % kSlices);
    std::uint32_t* row = &slices_[ring * kBuckets];
    for (int b = 0; b < kBuckets; ++b) {
      window_[static_cast<std::size_t>(b)] -= row[b];
      count_ -= row[b];
      row[b] = 0;
    }
  }
  current_ = slice;
}

void TrailingQuantile::add(double seconds) {
  const auto ring = static_cast<std::size_t>(((current_ % kSlices) + kSlices) % kSlices);
  const auto b = static_cast<std::size_t>(bucket_of(seconds));
  ++slices_[ring * kBuckets + b];
  ++window_[b];
  ++count_;
}

int TrailingQuantile::bucket_of(double seconds) {
  if (!(seconds >= kFirstBound)) return 0;  // Also NaN and negatives.
  const double octaves = std::log2(seconds / kFirstBound);
  const double i = 1 + std::floor(octaves * kBucketsPerOctave);
  return i >= kBuckets - 1 ? kBuckets - 1 : static_cast<int>(i);
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
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  const auto n = static_cast<double>(count_);
  const double rank = std::clamp(std::ceil(q * n - 1e-9), 1.0, n);  // 1-based, nearest rank.
  double below = 0;
  for (int b = 0; b < kBuckets; ++b) {
    const auto in = static_cast<double>(window_[static_cast<std::size_t>(b)]);
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

struct AgencyMetrics::Pair {
  std::array<prometheus::Counter*, kPriorityCount> receipts{};
  std::array<prometheus::Counter*, 2> completions{};
  std::array<prometheus::Gauge*, kBacklogStateCount> backlog{};
  prometheus::Histogram* cycle_time = nullptr;
  prometheus::Histogram* queue_wait = nullptr;
  prometheus::Gauge* at_risk = nullptr;
  std::array<prometheus::Counter*, kPriorityCount> misses{};
  prometheus::Gauge* posted = nullptr;
  std::unique_ptr<TrailingQuantile> window;
  prometheus::Labels labels;  // {center, form}
};

const prometheus::Histogram::BucketBoundaries& AgencyMetrics::cycle_time_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      kHour,       4 * kHour,   8 * kHour,   kDay,        2 * kDay,   4 * kDay,  7 * kDay,
      14 * kDay,   30 * kDay,   45 * kDay,   60 * kDay,   90 * kDay,  120 * kDay, 150 * kDay,
      180 * kDay,  240 * kDay,  kYear,       1.5 * kYear, 2 * kYear,  3 * kYear, 5 * kYear};
  return b;
}

const prometheus::Histogram::BucketBoundaries& AgencyMetrics::queue_wait_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = [] {
    prometheus::Histogram::BucketBoundaries v{60, 600};
    const auto& c = cycle_time_buckets();
    v.insert(v.end(), c.begin(), c.end());
    return v;
  }();
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
                      .Help("Load over capacity of the available officers of a center (0-1)")
                      .Register(registry)),
      offer_outcomes(prometheus::BuildCounter()
                         .Name("docket_offer_outcomes_total")
                         .Help("Offers by outcome (accepted, declined, timed_out, lease_expired)")
                         .Register(registry)),
      clock_(clock) {
  for (const Center& c : catalog.centers()) centers_.push_back(c.code);
  for (const FormPolicy& f : catalog.forms()) forms_.push_back(f.code);
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
      for (std::size_t c = 0; c < centers_.size(); ++c) pair(static_cast<CenterId>(c), f.id);
    } else {
      for (CenterId c : f.centers) pair(c, f.id);
    }
  }
  slice_ = TrailingQuantile::slice_of(clock_.now());
}

AgencyMetrics::~AgencyMetrics() = default;

AgencyMetrics::Pair& AgencyMetrics::pair(CenterId center, FormId form) {
  if (center >= centers_.size() || form >= forms_.size()) {
    throw InvalidArgument("metrics: unknown center id " + std::to_string(center) + " or form id " +
                          std::to_string(form));
  }
  std::unique_ptr<Pair>& slot = pairs_[static_cast<std::size_t>(center) * forms_.size() + form];
  if (slot) return *slot;
  slot = std::make_unique<Pair>();
  Pair& p = *slot;
  const std::string& cc = centers_[center];
  const std::string& fc = forms_[form];
  p.labels = {{"center", cc}, {"form", fc}};
  for (int i = 0; i < kPriorityCount; ++i) {
    const std::string prio(to_string(static_cast<Priority>(i)));
    p.receipts[static_cast<std::size_t>(i)] = &receipts.Add({{"center", cc}, {"form", fc}, {"priority", prio}});
    p.misses[static_cast<std::size_t>(i)] = &deadline_misses.Add({{"center", cc}, {"form", fc}, {"priority", prio}});
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

const AgencyMetrics::Pair* AgencyMetrics::find_pair(CenterId center, FormId form) const {
  if (center >= centers_.size() || form >= forms_.size()) {
    throw InvalidArgument("metrics: unknown center id " + std::to_string(center) + " or form id " +
                          std::to_string(form));
  }
  return pairs_[static_cast<std::size_t>(center) * forms_.size() + form].get();
}

AgencyMetrics::PerCenter& AgencyMetrics::per_center(CenterId center) {
  if (center >= per_center_.size()) {
    throw InvalidArgument("metrics: unknown center id " + std::to_string(center));
  }
  return per_center_[center];
}

void AgencyMetrics::on_receipt(CenterId center, FormId form, Priority priority) {
  pair(center, form).receipts[static_cast<std::size_t>(priority)]->Increment();
}

void AgencyMetrics::on_transition(CenterId center, FormId form, CaseState from, CaseState to) {
  const int f = kSlotOfState[static_cast<std::size_t>(from)];
  const int t = kSlotOfState[static_cast<std::size_t>(to)];
  if (f == t) return;
  Pair& p = pair(center, form);
  if (f >= 0) p.backlog[static_cast<std::size_t>(f)]->Decrement();
  if (t >= 0) p.backlog[static_cast<std::size_t>(t)]->Increment();
}

void AgencyMetrics::on_offered(CenterId center, FormId form, Seconds queue_wait_time) {
  pair(center, form).queue_wait->Observe(static_cast<double>(queue_wait_time.count()));
}

void AgencyMetrics::on_offer_outcome(CenterId center, OfferOutcome outcome) {
  per_center(center).offers[static_cast<std::size_t>(outcome)]->Increment();
}

void AgencyMetrics::on_completion(CenterId center, FormId form, Outcome outcome, Seconds cycle) {
  if (outcome != Outcome::kApprove && outcome != Outcome::kDeny) {
    throw InvalidArgument("metrics: outcome '" + std::string(to_string(outcome)) +
                          "' does not complete a case");
  }
  Pair& p = pair(center, form);
  const auto seconds = static_cast<double>(cycle.count());
  p.completions[outcome == Outcome::kApprove ? 0 : 1]->Increment();
  p.cycle_time->Observe(seconds);
  roll(TrailingQuantile::slice_of(clock_.now()));
  if (!p.window) {
    p.window = std::make_unique<TrailingQuantile>();
    p.window->advance(slice_);
    windowed_.push_back(&p);
  }
  p.window->add(seconds);
  publish(p);
}

void AgencyMetrics::on_deadline_miss(CenterId center, FormId form, Priority priority) {
  pair(center, form).misses[static_cast<std::size_t>(priority)]->Increment();
}

void AgencyMetrics::set_at_risk(CenterId center, FormId form, std::int64_t cases) {
  pair(center, form).at_risk->Set(static_cast<double>(cases));
}

void AgencyMetrics::set_officers(std::span<const Officer> roster) {
  for (auto& r : roster_) r.fill(0);
  for (const Officer& o : roster) {
    if (o.center >= roster_.size()) continue;
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

void AgencyMetrics::tick() { roll(TrailingQuantile::slice_of(clock_.now())); }

void AgencyMetrics::roll(std::int64_t slice) {
  if (slice <= slice_) return;
  slice_ = slice;
  for (Pair* p : windowed_) {
    p->window->advance(slice);
    publish(*p);
  }
}

void AgencyMetrics::publish(Pair& p) {
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
  const Pair* p = find_pair(center, form);
  return p != nullptr && p->window ? p->window->quantile(kPostedQuantile)
                                   : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace docket::metrics
