// The 1/10-scale calibrated year (about 1.3M receipts and a 0.95M backlog), Docket's policy with
// the offline lower bound checked against it. Label `sim`: it takes about a minute on 2 cores.

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace docket::sim {
namespace {

TEST(SimYearTest, TenthScaleYear) {
  const Scenario s = testing::national_scenario(0.1, 365);
  SimOptions opts;
  opts.record_bound = true;
  const RunResult r = testing::run_policy(s, "min-cost-flow", opts);
  EXPECT_NEAR(static_cast<double>(r.received), 0.1 * 12'938'465, 0.1 * 12'938'465 * 0.01);
  EXPECT_EQ(r.backlog_at_start, 947'418);
  EXPECT_GT(r.decided, r.received / 2);
  EXPECT_EQ(r.backlog_by_day.size(), 366U);
  EXPECT_LE(lower_bound_misses(r), r.missed);
  std::printf("1/10-scale year: %.1f s (rounds %.1f s), %lld decided, miss rate %.3f\n", r.seconds_total,
              r.seconds_rounds, static_cast<long long>(r.decided), r.miss_rate());
}

}  // namespace
}  // namespace docket::sim
