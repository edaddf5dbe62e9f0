// DeadlineWatch: a deadline miss is counted once per case, when the deadline passes while the
// case is undecided, and not again at its decision.

#include "docket/metrics/deadline_watch.h"

#include <gtest/gtest.h>

#include "docket/core/error.h"
#include "docket/metrics/agency.h"
#include "docket/metrics/metrics.h"
#include "docket/testing/fixtures.h"
#include "scrape_util.h"

namespace docket::metrics {
namespace {

using scrape::sample;

constexpr std::uint64_t kLate = 1, kOnTime = 2, kRestored = 3;

class DeadlineWatchTest : public ::testing::Test {
 protected:
  DeadlineWatchTest()
      : cat_(docket::testing::small_catalog()),
        clock_(docket::testing::test_epoch()),
        metrics_(registry_, cat_, clock_),
        vsc_(*cat_.find_center("VSC")),
        i130_(*cat_.find_form("I-130")) {}

  // docket_deadline_misses_total of VSC I-130 at `priority`, as a scrape shows it after a tick.
  double misses(std::string_view priority = "normal") {
    metrics_.tick();
    return sample(
               serialize(registry_),
               std::string(R"(docket_deadline_misses_total{center="VSC",form="I-130",priority=")") +
                   std::string(priority) + "\"}")
        .value_or(-1);
  }
  // One sweep at the clock's time over the cases given as (receipt, deadline).
  void sweep(std::initializer_list<std::pair<std::uint64_t, TimePoint>> open) {
    DeadlineWatch& w = metrics_.deadlines();
    w.begin_sweep(clock_.now());
    for (const auto& [receipt, deadline] : open)
      w.open_case(receipt, vsc_, i130_, Priority::kNormal, deadline);
    w.end_sweep();
  }

  prometheus::Registry registry_;
  Catalog cat_;
  ManualClock clock_;
  AgencyMetrics metrics_;
  CenterId vsc_;
  FormId i130_;
};

TEST_F(DeadlineWatchTest, AMissIsCountedWhenTheDeadlinePassesAndNotAgainAtTheDecision) {
  const TimePoint deadline = clock_.now() + Seconds(3600);
  sweep({{kLate, deadline}});
  EXPECT_EQ(misses(), 0);  // Not yet due.
  clock_.advance(Seconds(7200));
  sweep({{kLate, deadline}});
  EXPECT_EQ(misses(), 1);  // Undecided and past its deadline: counted now.
  EXPECT_EQ(metrics_.deadlines().late_open(), 1u);
  sweep({{kLate, deadline}});
  EXPECT_EQ(misses(), 1);  // Once.
  EXPECT_FALSE(
      metrics_.deadlines().closed(kLate, vsc_, i130_, Priority::kNormal, deadline, clock_.now()));
  EXPECT_EQ(misses(), 1);  // Not again at the decision.
  EXPECT_EQ(metrics_.deadlines().late_open(), 0u);
}

TEST_F(DeadlineWatchTest, ADeadlinePassingBetweenSweepsIsCountedAtTheDecision) {
  const TimePoint deadline = clock_.now() + Seconds(10);
  sweep({{kLate, deadline}});
  clock_.advance(Seconds(20));
  EXPECT_TRUE(
      metrics_.deadlines().closed(kLate, vsc_, i130_, Priority::kNormal, deadline, clock_.now()));
  EXPECT_EQ(misses(), 1);
  // A case decided in time is no miss.
  EXPECT_FALSE(metrics_.deadlines().closed(kOnTime, vsc_, i130_, Priority::kNormal,
                                           clock_.now() + Seconds(1), clock_.now()));
  EXPECT_EQ(misses(), 1);
}

TEST_F(DeadlineWatchTest, CasesLateBeforeTheWatchBeganAreNotCountedAgain) {
  const TimePoint past = clock_.now() - Seconds(86400);
  metrics_.deadlines().already_late(kRestored);
  sweep({{kRestored, past}});
  EXPECT_FALSE(
      metrics_.deadlines().closed(kRestored, vsc_, i130_, Priority::kNormal, past, clock_.now()));
  EXPECT_EQ(misses(), 0);
}

TEST_F(DeadlineWatchTest, CasesThatLeaveWithoutADecisionAreForgottenByTheNextSweep) {
  const TimePoint past = clock_.now() - Seconds(1);
  sweep({{kLate, past}, {kRestored, past}});
  EXPECT_EQ(misses(), 2);
  EXPECT_EQ(metrics_.deadlines().late_open(), 2u);
  sweep({{kLate, past}});  // kRestored moved to another scheduler.
  EXPECT_EQ(metrics_.deadlines().late_open(), 1u);
  EXPECT_EQ(misses(), 2);
}

TEST_F(DeadlineWatchTest, PrioritiesAreCountedApartAndUnknownIdsAreRefused) {
  DeadlineWatch& w = metrics_.deadlines();
  w.begin_sweep(clock_.now());
  EXPECT_TRUE(w.open_case(kLate, vsc_, i130_, Priority::kPremium, clock_.now() - Seconds(1)));
  EXPECT_THROW(w.open_case(kOnTime, vsc_, static_cast<FormId>(cat_.forms().size()),
                           Priority::kNormal, clock_.now() - Seconds(1)),
               InvalidArgument);
  w.end_sweep();
  EXPECT_EQ(misses("premium"), 1);
  EXPECT_EQ(misses("normal"), 0);
  EXPECT_EQ(w.late_open(), 1u);  // The refused case is not taken as counted.
}

}  // namespace
}  // namespace docket::metrics
