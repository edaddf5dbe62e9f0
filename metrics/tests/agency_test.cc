// AgencyMetrics: what each event does to the series, the posted processing time against the
// exact percentile, the trailing window, and a live scrape linted by promtool.

#include "docket/metrics/agency.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <regex>
#include <set>

#include "docket/core/error.h"
#include "docket/metrics/metrics.h"
#include "docket/testing/fixtures.h"
#include "scrape_util.h"

namespace docket::metrics {
namespace {

using scrape::sample;

constexpr double kResolution = 1.0905077326652577;  // 2^(1/8), one TrailingQuantile bucket.
constexpr std::int64_t kDay = 86400;

// The exact nearest-rank q-quantile.
double exact_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()) - 1e-9));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

TEST(TrailingQuantileTest, BucketsTileTheLineAndAreAnEighthOfAnOctave) {
  EXPECT_EQ(TrailingQuantile::bucket_of(0), 0);
  EXPECT_EQ(TrailingQuantile::bucket_of(-5), 0);
  EXPECT_EQ(TrailingQuantile::bucket_of(3599), 0);
  EXPECT_EQ(TrailingQuantile::bucket_of(3600), 1);
  EXPECT_EQ(TrailingQuantile::bucket_of(1e12), TrailingQuantile::kBuckets - 1);
  for (int b = 1; b < TrailingQuantile::kBuckets - 1; ++b) {
    EXPECT_DOUBLE_EQ(TrailingQuantile::upper_bound(b - 1), TrailingQuantile::lower_bound(b));
    EXPECT_NEAR(TrailingQuantile::upper_bound(b) / TrailingQuantile::lower_bound(b), kResolution, 1e-12);
    const double mid = std::sqrt(TrailingQuantile::lower_bound(b) * TrailingQuantile::upper_bound(b));
    EXPECT_EQ(TrailingQuantile::bucket_of(mid), b);
  }
  // Up to 2^17 hours, about 15 years.
  EXPECT_GE(TrailingQuantile::lower_bound(TrailingQuantile::kBuckets - 1), 14 * 365.0 * kDay);
}

// bucket_of reads exponent and mantissa bits; it must agree with the definition (the eighth of
// the octave is where 2m of frexp falls among 2^(k/8)) everywhere, edges included.
TEST(TrailingQuantileTest, BucketOfAgreesWithTheDefinitionAtEveryEdge) {
  auto by_definition = [](double seconds) {
    if (!(seconds >= TrailingQuantile::kFirstBound)) return 0;
    int e = 0;
    const double m = 2 * std::frexp(seconds / TrailingQuantile::kFirstBound, &e);
    int sub = 0;
    while (sub < TrailingQuantile::kBucketsPerOctave - 1 &&
           m >= std::exp2(static_cast<double>(sub + 1) / TrailingQuantile::kBucketsPerOctave)) {
      ++sub;
    }
    const long i = 1 + static_cast<long>(e - 1) * TrailingQuantile::kBucketsPerOctave + sub;
    return i >= TrailingQuantile::kBuckets - 1 ? TrailingQuantile::kBuckets - 1
                                               : static_cast<int>(i);
  };
  std::vector<double> values = {0, 1, 3599, 3599.999, 3600, 3600.001, 86400, 1e9, 1e300};
  for (int b = 0; b < TrailingQuantile::kBuckets; ++b) {
    const double lo = TrailingQuantile::lower_bound(b);
    values.insert(values.end(), {lo, std::nextafter(lo, 0.0), std::nextafter(lo, 1e308),
                                 std::floor(lo), std::ceil(lo), std::ceil(lo) + 1});
  }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(0, 9.5);
  for (int i = 0; i < 200000; ++i) values.push_back(std::round(std::pow(10.0, exponent(rng))));
  for (double v : values) ASSERT_EQ(TrailingQuantile::bucket_of(v), by_definition(v)) << v;
  EXPECT_EQ(TrailingQuantile::bucket_of(std::numeric_limits<double>::quiet_NaN()), 0);
  // Where frexp leaves the exponent unspecified, infinity is simply beyond every bound.
  EXPECT_EQ(TrailingQuantile::bucket_of(std::numeric_limits<double>::infinity()),
            TrailingQuantile::kBuckets - 1);
}

TEST(TrailingQuantileTest, QuantilesAreWithinOneBucketOfTheExactValue) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    // Cycle times log-normally spread around a few months, like the public figures.
    std::lognormal_distribution<double> dist(std::log(120.0 * kDay), 0.3 + 0.1 * trial);
    TrailingQuantile tq;
    tq.advance(100);
    std::vector<double> values;
    const int n = 1 + trial * 97;
    for (int i = 0; i < n; ++i) {
      values.push_back(dist(rng));
      tq.add(values.back());
    }
    ASSERT_EQ(tq.count(), static_cast<std::uint64_t>(n));
    for (double q : {0.5, 0.8, 0.95}) {
      const double exact = exact_quantile(values, q);
      const double got = tq.quantile(q);
      EXPECT_LE(got, exact * kResolution) << "n=" << n << " q=" << q;
      EXPECT_GE(got, exact / kResolution) << "n=" << n << " q=" << q;
    }
  }
}

TEST(TrailingQuantileTest, QuantilesFollowTheWindowAsItRolls) {
  // A year of weekly completions whose cycle times drift, with weeks skipped: at every week the
  // quantiles are those of the values completed in the window's 26 weeks, so values that fell
  // out (or were never in) would show.
  std::mt19937_64 rng(11);
  TrailingQuantile tq;
  std::vector<std::pair<std::int64_t, double>> completed;  // (week, cycle time)
  for (std::int64_t week = 2000; week < 2052; ++week) {
    if (week % 9 == 4) continue;  // No tick that week: the window skips it.
    tq.advance(week);
    std::lognormal_distribution<double> dist(std::log((20.0 + 4.0 * static_cast<double>(week - 2000)) * kDay), 0.5);
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      completed.emplace_back(week, dist(rng));
      tq.add(completed.back().second);
    }
    std::vector<double> window;
    for (const auto& [w, v] : completed) {
      if (w > week - TrailingQuantile::kSlices) window.push_back(v);
    }
    ASSERT_EQ(tq.count(), window.size()) << "week " << week;
    if (window.empty()) continue;
    for (double q : {0.1, 0.5, 0.8, 0.99}) {
      const double exact = exact_quantile(window, q);
      EXPECT_LE(tq.quantile(q), exact * kResolution) << "week " << week << " q=" << q;
      EXPECT_GE(tq.quantile(q), exact / kResolution) << "week " << week << " q=" << q;
    }
  }
}

TEST(TrailingQuantileTest, EmptyIsNaNAndShortCyclesStayBelowAnHour) {
  TrailingQuantile tq;
  EXPECT_TRUE(std::isnan(tq.quantile(0.8)));
  for (int i = 1; i <= 10; ++i) tq.add(60.0 * i);  // 1 to 10 minutes
  EXPECT_LT(tq.quantile(0.8), 3600);
  EXPECT_GT(tq.quantile(0.8), 0);
}

TEST(TrailingQuantileTest, TheWindowIsTheCurrentWeekAndTheTwentyFiveBefore) {
  TrailingQuantile tq;
  tq.advance(1000);
  for (int i = 0; i < 10; ++i) tq.add(10.0 * kDay);  // week 1000: ten fast cases
  tq.advance(1010);
  for (int i = 0; i < 10; ++i) tq.add(300.0 * kDay);  // week 1010: ten slow ones
  EXPECT_EQ(tq.count(), 20U);
  tq.advance(1025);  // 1000 is still the 26th week back
  EXPECT_EQ(tq.count(), 20U);
  tq.advance(1026);  // now it falls out
  EXPECT_EQ(tq.count(), 10U);
  EXPECT_NEAR(tq.quantile(0.8), 300.0 * kDay, 300.0 * kDay * (kResolution - 1));
  tq.advance(1020);  // time does not move back
  EXPECT_EQ(tq.count(), 10U);
  tq.advance(5000);  // a long gap empties it
  EXPECT_EQ(tq.count(), 0U);
  EXPECT_TRUE(std::isnan(tq.quantile(0.8)));
  tq.add(2.0 * kDay);
  EXPECT_EQ(tq.count(), 1U);
}

TEST(TrailingQuantileTest, WeeksStartOnMondayUtc) {
  const TimePoint monday = docket::testing::test_epoch() - Seconds(15 * 3600);  // 2026-03-02 00:00Z
  const auto week = TrailingQuantile::slice_of(monday);
  EXPECT_EQ(TrailingQuantile::slice_of(monday - Seconds(1)), week - 1);
  EXPECT_EQ(TrailingQuantile::slice_of(monday + Seconds(7 * kDay - 1)), week);
  EXPECT_EQ(TrailingQuantile::slice_of(monday + Seconds(7 * kDay)), week + 1);
}

class AgencyMetricsTest : public ::testing::Test {
 protected:
  AgencyMetricsTest() : cat_(docket::testing::small_catalog()), clock_(docket::testing::test_epoch()) {}
  CenterId center(std::string_view code) const { return *cat_.find_center(code); }
  FormId form(std::string_view code) const { return *cat_.find_form(code); }
  // What a scrape shows once the event loop has ticked.
  std::string scrape(AgencyMetrics& m) {
    m.tick();
    return serialize(registry_);
  }

  prometheus::Registry registry_;
  Catalog cat_;
  ManualClock clock_;
};

TEST_F(AgencyMetricsTest, ConfiguredPairsStartAtZero) {
  AgencyMetrics m(registry_, cat_, clock_);
  const std::string text = scrape(m);
  EXPECT_EQ(sample(text, R"(docket_receipts_total{center="VSC",form="I-130",priority="premium"})"), 0);
  EXPECT_EQ(sample(text, R"(docket_backlog_cases{center="FO-HOU",form="N-400",state="rfe_pending"})"), 0);
  EXPECT_EQ(sample(text, R"(docket_completions_total{center="CSC",form="I-129",outcome="deny"})"), 0);
  EXPECT_EQ(sample(text, R"(docket_offer_outcomes_total{center="CSC",outcome="lease_expired"})"), 0);
  EXPECT_EQ(sample(text, R"(docket_officers{center="VSC",presence="offline"})"), 0);
  EXPECT_EQ(sample(text, R"(docket_cycle_time_seconds_count{center="VSC",form="I-485"})"), 0);
  // No completion yet, so no posted processing time.
  EXPECT_EQ(text.find("docket_posted_processing_time_seconds{"), std::string::npos);
  EXPECT_TRUE(std::isnan(m.posted_processing_time(center("VSC"), form("I-130"))));
}

TEST_F(AgencyMetricsTest, PairsOutsideTheConfigurationAppearOnFirstUse) {
  FormPolicy only_vsc;
  only_vsc.code = "I-360";
  only_vsc.centers = {center("VSC")};
  const FormId i360 = cat_.add_form(only_vsc);
  AgencyMetrics m(registry_, cat_, clock_);
  EXPECT_EQ(sample(scrape(m), R"(docket_receipts_total{center="VSC",form="I-360",priority="normal"})"), 0);
  EXPECT_EQ(sample(scrape(m), R"(docket_receipts_total{center="CSC",form="I-360",priority="normal"})"), std::nullopt);
  // A case moved to CSC is counted there all the same.
  m.on_transition(center("CSC"), i360, CaseState::kTransferred, CaseState::kQueued);
  EXPECT_EQ(sample(scrape(m), R"(docket_backlog_cases{center="CSC",form="I-360",state="queued"})"), 1);
  EXPECT_EQ(sample(scrape(m), R"(docket_receipts_total{center="CSC",form="I-360",priority="normal"})"), 0);
}

TEST_F(AgencyMetricsTest, BacklogFollowsTheLifecycle) {
  AgencyMetrics m(registry_, cat_, clock_);
  const CenterId vsc = center("VSC"), csc = center("CSC");
  const FormId i130 = form("I-130");
  auto backlog = [&](std::string_view c, std::string_view state) {
    return sample(scrape(m), "docket_backlog_cases{center=\"" + std::string(c) + "\",form=\"I-130\",state=\"" +
                                std::string(state) + "\"}");
  };
  for (int i = 0; i < 3; ++i) {
    m.on_receipt(vsc, i130, Priority::kNormal);
    m.on_transition(vsc, i130, CaseState::kReceived, CaseState::kQueued);
  }
  m.on_receipt(vsc, i130, Priority::kPremium);
  m.on_transition(vsc, i130, CaseState::kReceived, CaseState::kQueued);
  EXPECT_EQ(backlog("VSC", "queued"), 4);
  // One case: offered, accepted, RFE out and back, assigned again, decided.
  m.on_transition(vsc, i130, CaseState::kQueued, CaseState::kOffered);
  EXPECT_EQ(backlog("VSC", "queued"), 3);
  EXPECT_EQ(backlog("VSC", "offered"), 1);
  m.on_transition(vsc, i130, CaseState::kOffered, CaseState::kAssigned);
  m.on_transition(vsc, i130, CaseState::kAssigned, CaseState::kRfePending);
  EXPECT_EQ(backlog("VSC", "rfe_pending"), 1);
  EXPECT_EQ(backlog("VSC", "assigned"), 0);
  m.on_transition(vsc, i130, CaseState::kRfePending, CaseState::kQueued);
  m.on_transition(vsc, i130, CaseState::kQueued, CaseState::kOffered);
  m.on_transition(vsc, i130, CaseState::kOffered, CaseState::kAssigned);
  m.on_transition(vsc, i130, CaseState::kAssigned, CaseState::kDecided);
  // QA sampling brings a decided case back into the backlog until reviewed.
  m.on_transition(vsc, i130, CaseState::kDecided, CaseState::kQaReview);
  EXPECT_EQ(backlog("VSC", "qa_review"), 1);
  m.on_transition(vsc, i130, CaseState::kQaReview, CaseState::kOffered);
  m.on_transition(vsc, i130, CaseState::kOffered, CaseState::kAssigned);
  m.on_transition(vsc, i130, CaseState::kAssigned, CaseState::kDecided);
  // Another: security hold, release, then moved to CSC.
  m.on_transition(vsc, i130, CaseState::kQueued, CaseState::kOnHold);
  EXPECT_EQ(backlog("VSC", "on_hold"), 1);
  m.on_transition(vsc, i130, CaseState::kOnHold, CaseState::kQueued);
  m.on_transition(vsc, i130, CaseState::kQueued, CaseState::kTransferred);
  m.on_transition(csc, i130, CaseState::kTransferred, CaseState::kQueued);
  for (auto s : {"offered", "assigned", "on_hold", "rfe_pending", "qa_review"}) EXPECT_EQ(backlog("VSC", s), 0) << s;
  EXPECT_EQ(backlog("VSC", "queued"), 2);
  EXPECT_EQ(backlog("CSC", "queued"), 1);
  EXPECT_EQ(sample(scrape(m), R"(docket_receipts_total{center="VSC",form="I-130",priority="normal"})"), 3);
  EXPECT_EQ(sample(scrape(m), R"(docket_receipts_total{center="VSC",form="I-130",priority="premium"})"), 1);
  // A state that stays put, or moves between non-backlog states, changes nothing.
  m.on_transition(vsc, i130, CaseState::kQueued, CaseState::kQueued);
  m.on_transition(vsc, i130, CaseState::kReceived, CaseState::kDecided);
  EXPECT_EQ(backlog("VSC", "queued"), 2);
}

TEST_F(AgencyMetricsTest, CompletionsFeedTheHistogramAndThePostedTime) {
  AgencyMetrics m(registry_, cat_, clock_);
  const CenterId vsc = center("VSC");
  const FormId i130 = form("I-130");
  std::vector<double> cycles;
  for (int d = 1; d <= 100; ++d) {
    cycles.push_back(d * 3.0 * kDay);
    m.on_completion(vsc, i130, d % 4 == 0 ? Outcome::kDeny : Outcome::kApprove, Seconds(d * 3 * kDay));
  }
  const std::string text = scrape(m);
  EXPECT_EQ(sample(text, R"(docket_completions_total{center="VSC",form="I-130",outcome="approve"})"), 75);
  EXPECT_EQ(sample(text, R"(docket_completions_total{center="VSC",form="I-130",outcome="deny"})"), 25);
  EXPECT_EQ(sample(text, R"(docket_cycle_time_seconds_count{center="VSC",form="I-130"})"), 100);
  EXPECT_EQ(sample(text, R"(docket_cycle_time_seconds_sum{center="VSC",form="I-130"})"), 5050 * 3.0 * kDay);
  // 3..300 days: 30 of them within 90 days, 60 within 180, all within 365.
  EXPECT_EQ(sample(text, R"(docket_cycle_time_seconds_bucket{center="VSC",form="I-130",le="7776000"})"), 30);
  EXPECT_EQ(sample(text, R"(docket_cycle_time_seconds_bucket{center="VSC",form="I-130",le="15552000"})"), 60);
  EXPECT_EQ(sample(text, R"(docket_cycle_time_seconds_bucket{center="VSC",form="I-130",le="31536000"})"), 100);
  const double exact = exact_quantile(cycles, 0.8);  // 240 days
  const auto posted = sample(text, R"(docket_posted_processing_time_seconds{center="VSC",form="I-130"})");
  ASSERT_TRUE(posted.has_value());
  EXPECT_LE(*posted, exact * kResolution);
  EXPECT_GE(*posted, exact / kResolution);
  EXPECT_DOUBLE_EQ(*posted, m.posted_processing_time(vsc, i130));
  // Other pairs have none.
  EXPECT_EQ(sample(text, R"(docket_posted_processing_time_seconds{center="CSC",form="I-130"})"), std::nullopt);
  EXPECT_THROW(m.on_completion(vsc, i130, Outcome::kRequestEvidence, Seconds(kDay)), InvalidArgument);
  EXPECT_THROW(m.on_completion(vsc, i130, Outcome::kTransfer, Seconds(kDay)), InvalidArgument);
}

// Values on, just below and just above every bound land in Prometheus' `le` bucket (the first
// bound at or above the value), for both histograms.
TEST_F(AgencyMetricsTest, HistogramBucketsAreInclusiveAtEveryBound) {
  AgencyMetrics m(registry_, cat_, clock_);
  const CenterId vsc = center("VSC");
  const FormId i130 = form("I-130");
  std::vector<std::int64_t> values = {0, 1, 59, 61, 3599, 200'000'000, 1'000'000'000'000};
  for (double b : AgencyMetrics::kQueueWaitBuckets) {
    const auto v = static_cast<std::int64_t>(b);
    values.insert(values.end(), {v - 1, v, v + 1});
  }
  for (std::int64_t v : values) {
    m.on_completion(vsc, i130, Outcome::kApprove, Seconds(v));
    m.on_offered(vsc, i130, Seconds(v));
  }
  const std::string text = scrape(m);
  auto expect_buckets = [&](const std::string& name, const auto& bounds) {
    for (double b : bounds) {
      const auto at_or_below = std::count_if(values.begin(), values.end(), [&](std::int64_t v) {
        return static_cast<double>(v) <= b;
      });
      char le[32];
      std::snprintf(le, sizeof le, "%.0f", b);
      EXPECT_EQ(sample(text, name + R"(_bucket{center="VSC",form="I-130",le=")" + le + "\"}"),
                static_cast<double>(at_or_below))
          << name << " le=" << le;
    }
  };
  expect_buckets("docket_cycle_time_seconds", AgencyMetrics::kCycleTimeBuckets);
  expect_buckets("docket_queue_wait_seconds", AgencyMetrics::kQueueWaitBuckets);
}

// A tick publishes a pair's few observations one by one and many at once by bucket: either way
// every bucket, the count and the sum are those of all values so far.
TEST_F(AgencyMetricsTest, FewAndManyObservationsPerTickPublishTheSame) {
  AgencyMetrics m(registry_, cat_, clock_);
  const CenterId vsc = center("VSC");
  const FormId i130 = form("I-130");
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(std::log(30.0 * kDay), 1.5);
  std::vector<std::int64_t> cycles, waits;
  for (int n : {1, 5, 6, 2, 40, 0, 3}) {
    for (int k = 0; k < n; ++k) {
      cycles.push_back(static_cast<std::int64_t>(dist(rng)));
      waits.push_back(static_cast<std::int64_t>(dist(rng) / 10));
      m.on_completion(vsc, i130, Outcome::kApprove, Seconds(cycles.back()));
      m.on_offered(vsc, i130, Seconds(waits.back()));
    }
    const std::string text = scrape(m);
    auto check = [&](const std::string& name, const auto& bounds, const std::vector<std::int64_t>& values) {
      const std::string labels = R"({center="VSC",form="I-130")";
      EXPECT_EQ(sample(text, name + "_count" + labels + "}"), static_cast<double>(values.size())) << name << " after " << n;
      double sum = 0;
      for (auto v : values) sum += static_cast<double>(v);
      EXPECT_EQ(sample(text, name + "_sum" + labels + "}"), sum) << name << " after " << n;
      for (double b : bounds) {
        const auto at_or_below =
            std::count_if(values.begin(), values.end(), [&](std::int64_t v) { return static_cast<double>(v) <= b; });
        char le[32];
        std::snprintf(le, sizeof le, "%.0f", b);
        EXPECT_EQ(sample(text, name + "_bucket" + labels + R"(,le=")" + le + "\"}"),
                  static_cast<double>(at_or_below))
            << name << " le=" << le << " after " << n;
      }
    };
    check("docket_cycle_time_seconds", AgencyMetrics::kCycleTimeBuckets, cycles);
    check("docket_queue_wait_seconds", AgencyMetrics::kQueueWaitBuckets, waits);
  }
}

TEST_F(AgencyMetricsTest, ThePostedTimeForgetsCompletionsOlderThanSixMonths) {
  AgencyMetrics m(registry_, cat_, clock_);
  const CenterId vsc = center("VSC");
  const FormId i129 = form("I-129");
  // Months ago the form took a year; lately it takes ten days.
  for (int i = 0; i < 50; ++i) m.on_completion(vsc, i129, Outcome::kApprove, Seconds(365 * kDay));
  clock_.advance(Seconds(20 * 7 * kDay));
  m.tick();  // Rounds tick as time goes by.
  for (int i = 0; i < 50; ++i) m.on_completion(vsc, i129, Outcome::kApprove, Seconds(10 * kDay));
  EXPECT_GT(m.posted_processing_time(vsc, i129), 300.0 * kDay);  // 80th percentile: the old ones
  clock_.advance(Seconds(6 * 7 * kDay));                          // week 26 after the first batch
  m.tick();
  const auto posted = sample(scrape(m), R"(docket_posted_processing_time_seconds{center="VSC",form="I-129"})");
  ASSERT_TRUE(posted.has_value());
  EXPECT_NEAR(*posted, 10.0 * kDay, 10.0 * kDay * (kResolution - 1));
  // Six quiet months later nothing is left, and the series goes away rather than lie.
  clock_.advance(Seconds(26 * 7 * kDay));
  m.tick();
  EXPECT_TRUE(std::isnan(m.posted_processing_time(vsc, i129)));
  EXPECT_EQ(sample(scrape(m), R"(docket_posted_processing_time_seconds{center="VSC",form="I-129"})"), std::nullopt);
  // It comes back with the next completion.
  m.on_completion(vsc, i129, Outcome::kDeny, Seconds(40 * kDay));
  EXPECT_NEAR(*sample(scrape(m), R"(docket_posted_processing_time_seconds{center="VSC",form="I-129"})"), 40.0 * kDay,
              40.0 * kDay * (kResolution - 1));
}

TEST_F(AgencyMetricsTest, QueueWaitRiskMissesOffersAndOfficers) {
  AgencyMetrics m(registry_, cat_, clock_);
  const CenterId vsc = center("VSC"), hou = center("FO-HOU");
  const FormId n400 = form("N-400");
  m.on_offered(hou, n400, Seconds(30));
  m.on_offered(hou, n400, Seconds(5 * 3600));
  m.on_offered(hou, n400, Seconds(40 * kDay));
  m.set_at_risk(hou, n400, 12);
  m.set_at_risk(hou, n400, 7);
  m.on_deadline_miss(hou, n400, Priority::kLitigation);
  m.on_deadline_miss(hou, n400, Priority::kLitigation);
  m.on_deadline_miss(hou, n400, Priority::kNormal);
  m.on_offer_outcome(vsc, OfferOutcome::kAccepted);
  m.on_offer_outcome(vsc, OfferOutcome::kAccepted);
  m.on_offer_outcome(vsc, OfferOutcome::kDeclined);
  m.on_offer_outcome(vsc, OfferOutcome::kTimedOut);
  m.on_offer_outcome(hou, OfferOutcome::kLeaseExpired);

  std::vector<Officer> roster(6);
  for (auto& o : roster) o.center = vsc;
  roster[0].capacity = 4, roster[0].load = 3;
  roster[1].capacity = 4, roster[1].load = 1;
  roster[2].capacity = 2, roster[2].load = 2, roster[2].presence = Presence::kAway;  // not counted
  roster[3].presence = Presence::kOffline;
  roster[4].center = hou, roster[4].presence = Presence::kAway;
  roster[5].center = kNoCenter;  // unknown: skipped
  m.set_officers(roster);

  const std::string text = scrape(m);
  EXPECT_EQ(sample(text, R"(docket_queue_wait_seconds_count{center="FO-HOU",form="N-400"})"), 3);
  EXPECT_EQ(sample(text, R"(docket_queue_wait_seconds_bucket{center="FO-HOU",form="N-400",le="60"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_queue_wait_seconds_bucket{center="FO-HOU",form="N-400",le="28800"})"), 2);
  EXPECT_EQ(sample(text, R"(docket_queue_wait_seconds_bucket{center="FO-HOU",form="N-400",le="3888000"})"), 3);
  EXPECT_EQ(sample(text, R"(docket_cases_at_risk{center="FO-HOU",form="N-400"})"), 7);
  EXPECT_EQ(sample(text, R"(docket_deadline_misses_total{center="FO-HOU",form="N-400",priority="litigation"})"), 2);
  EXPECT_EQ(sample(text, R"(docket_deadline_misses_total{center="FO-HOU",form="N-400",priority="normal"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_offer_outcomes_total{center="VSC",outcome="accepted"})"), 2);
  EXPECT_EQ(sample(text, R"(docket_offer_outcomes_total{center="VSC",outcome="declined"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_offer_outcomes_total{center="VSC",outcome="timed_out"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_offer_outcomes_total{center="FO-HOU",outcome="lease_expired"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_officers{center="VSC",presence="available"})"), 2);
  EXPECT_EQ(sample(text, R"(docket_officers{center="VSC",presence="away"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_officers{center="VSC",presence="offline"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_officers{center="FO-HOU",presence="away"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_officer_utilization_ratio{center="VSC"})"), 0.5);  // 4 of 8
  EXPECT_EQ(sample(text, R"(docket_officer_utilization_ratio{center="FO-HOU"})"), 0);  // none available

  // The roster is a snapshot: the next one replaces it.
  roster.resize(1);
  m.set_officers(roster);
  EXPECT_EQ(sample(scrape(m), R"(docket_officers{center="VSC",presence="available"})"), 1);
  EXPECT_EQ(sample(scrape(m), R"(docket_officers{center="VSC",presence="offline"})"), 0);
  EXPECT_EQ(sample(scrape(m), R"(docket_officer_utilization_ratio{center="VSC"})"), 0.75);
}

TEST_F(AgencyMetricsTest, EventsReachTheSeriesAtTheNextTick) {
  AgencyMetrics m(registry_, cat_, clock_);
  const CenterId vsc = center("VSC");
  const FormId i130 = form("I-130");
  m.on_receipt(vsc, i130, Priority::kNormal);
  m.on_transition(vsc, i130, CaseState::kReceived, CaseState::kQueued);
  m.on_completion(vsc, i130, Outcome::kApprove, Seconds(5 * kDay));
  m.on_offer_outcome(vsc, OfferOutcome::kDeclined);
  const std::string before = serialize(registry_);
  EXPECT_EQ(sample(before, R"(docket_receipts_total{center="VSC",form="I-130",priority="normal"})"), 0);
  EXPECT_EQ(sample(before, R"(docket_backlog_cases{center="VSC",form="I-130",state="queued"})"), 0);
  EXPECT_EQ(sample(before, R"(docket_cycle_time_seconds_count{center="VSC",form="I-130"})"), 0);
  EXPECT_EQ(sample(before, R"(docket_offer_outcomes_total{center="VSC",outcome="declined"})"), 0);
  EXPECT_EQ(sample(before, R"(docket_posted_processing_time_seconds{center="VSC",form="I-130"})"), std::nullopt);
  m.tick();
  const std::string after = serialize(registry_);
  EXPECT_EQ(sample(after, R"(docket_receipts_total{center="VSC",form="I-130",priority="normal"})"), 1);
  EXPECT_EQ(sample(after, R"(docket_backlog_cases{center="VSC",form="I-130",state="queued"})"), 1);
  EXPECT_EQ(sample(after, R"(docket_cycle_time_seconds_count{center="VSC",form="I-130"})"), 1);
  EXPECT_EQ(sample(after, R"(docket_cycle_time_seconds_sum{center="VSC",form="I-130"})"), 5 * kDay);
  EXPECT_EQ(sample(after, R"(docket_offer_outcomes_total{center="VSC",outcome="declined"})"), 1);
  EXPECT_TRUE(sample(after, R"(docket_posted_processing_time_seconds{center="VSC",form="I-130"})").has_value());
  // A second tick with nothing new changes nothing.
  m.tick();
  EXPECT_EQ(serialize(registry_), after);
  // A backlog that shrinks goes down.
  m.on_transition(vsc, i130, CaseState::kQueued, CaseState::kOnHold);
  m.on_transition(vsc, i130, CaseState::kOnHold, CaseState::kTransferred);
  EXPECT_EQ(sample(scrape(m), R"(docket_backlog_cases{center="VSC",form="I-130",state="queued"})"), 0);
  EXPECT_EQ(sample(scrape(m), R"(docket_backlog_cases{center="VSC",form="I-130",state="on_hold"})"), 0);
}

TEST_F(AgencyMetricsTest, UnknownIdsAreRefused) {
  AgencyMetrics m(registry_, cat_, clock_);
  const auto centers = static_cast<CenterId>(cat_.centers().size());
  const auto forms = static_cast<FormId>(cat_.forms().size());
  EXPECT_THROW(m.on_receipt(centers, 0, Priority::kNormal), InvalidArgument);
  EXPECT_THROW(m.on_transition(0, forms, CaseState::kReceived, CaseState::kQueued), InvalidArgument);
  EXPECT_THROW(m.on_offer_outcome(centers, OfferOutcome::kAccepted), InvalidArgument);
  EXPECT_THROW(m.set_at_risk(kNoCenter, 0, 1), InvalidArgument);
  EXPECT_THROW((void)m.posted_processing_time(0, forms), InvalidArgument);
}

TEST_F(AgencyMetricsTest, BacklogSlotsCoverTheSixBacklogStates) {
  int tracked = 0;
  for (int s = 0; s < kCaseStateCount; ++s) tracked += backlog_slot(static_cast<CaseState>(s)) >= 0;
  EXPECT_EQ(tracked, kBacklogStateCount);
  EXPECT_EQ(backlog_slot(CaseState::kReceived), -1);
  EXPECT_EQ(backlog_slot(CaseState::kTransferred), -1);
  EXPECT_EQ(backlog_slot(CaseState::kDecided), -1);
  EXPECT_EQ(to_string(OfferOutcome::kLeaseExpired), "lease_expired");
}

// A real exposer on a free port, fed with a little of everything; promtool lints the scrape and
// every label value comes from a bounded set.
TEST_F(AgencyMetricsTest, LiveScrapePassesPromtoolAndLabelsAreBounded) {
  MetricsServer server("127.0.0.1:0");
  add_build_info(server.registry(), DOCKET_VERSION);
  AgencyMetrics m(server.registry(), cat_, clock_);
  const CenterId vsc = center("VSC");
  const FormId i130 = form("I-130");
  m.on_receipt(vsc, i130, Priority::kExpedite);
  m.on_transition(vsc, i130, CaseState::kReceived, CaseState::kQueued);
  m.on_offered(vsc, i130, Seconds(7200));
  m.on_transition(vsc, i130, CaseState::kQueued, CaseState::kOffered);
  m.on_offer_outcome(vsc, OfferOutcome::kAccepted);
  m.on_transition(vsc, i130, CaseState::kOffered, CaseState::kAssigned);
  m.on_completion(vsc, i130, Outcome::kApprove, Seconds(90 * kDay));
  m.on_transition(vsc, i130, CaseState::kAssigned, CaseState::kDecided);
  m.on_deadline_miss(vsc, i130, Priority::kExpedite);
  m.set_at_risk(vsc, i130, 3);
  m.set_officers(std::vector<Officer>(2, docket::testing::make_officer(cat_, "ISO-1", "VSC", {{"i130", 3}}, 2)));

  m.tick();
  const std::string text = scrape::http_get(server.port(), "/metrics");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(sample(text, R"(docket_receipts_total{center="VSC",form="I-130",priority="expedite"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_backlog_cases{center="VSC",form="I-130",state="assigned"})"), 0);
  EXPECT_EQ(sample(text, R"(docket_officers{center="VSC",presence="available"})"), 2);
  const auto [rc, lint] = scrape::promtool_check(text);
  EXPECT_EQ(rc, 0) << lint;
  EXPECT_EQ(lint, "") << lint;

  std::set<std::string> allowed{"center", "form", "priority", "outcome", "state", "presence", "le", "version"};
  const std::regex label(R"re(([a-z_]+)="([^"]*)")re");
  for (std::size_t at = 0; at < text.size();) {
    const auto end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#' || line.rfind("exposer_", 0) == 0) continue;
    EXPECT_EQ(line.rfind("docket_", 0), 0U) << line;
    for (std::sregex_iterator it(line.begin(), line.end(), label), stop; it != stop; ++it) {
      const std::string key = (*it)[1], value = (*it)[2];
      EXPECT_TRUE(allowed.count(key)) << line;
      if (key == "center") {
        EXPECT_TRUE(cat_.find_center(value).has_value()) << line;
      }
      if (key == "form") {
        EXPECT_TRUE(cat_.find_form(value).has_value()) << line;
      }
    }
    EXPECT_FALSE(std::regex_search(line, std::regex("[A-Z]{3}[0-9]{10}|ISO-"))) << line;
  }
}

}  // namespace
}  // namespace docket::metrics
