#include "docket/workload/arrivals.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "docket/core/error.h"

namespace docket::workload {
namespace {

TEST(ArrivalsTest, MonthlyFactorsKeepTheTotalAndThePublishedRange) {
  MonthlySwingOptions opts;
  const auto f = monthly_factors(opts);
  EXPECT_NEAR(std::accumulate(f.begin(), f.end(), 0.0), 12.0, 1e-9);
  EXPECT_DOUBLE_EQ(*std::min_element(f.begin(), f.end()), opts.min_factor);
  EXPECT_DOUBLE_EQ(*std::max_element(f.begin(), f.end()), opts.max_factor);
  EXPECT_EQ(f, monthly_factors(opts));  // Deterministic for a seed.
  opts.seed = 2;
  EXPECT_NE(f, monthly_factors(opts));
  opts.min_factor = 1.2;
  EXPECT_THROW(monthly_factors(opts), InvalidArgument);
}

TEST(ArrivalsTest, ProportionalRosterKeepsCenterSharesAndUniqueIds) {
  std::vector<Officer> roster;
  for (int i = 0; i < 100; ++i) {
    Officer o;
    o.id = "o" + std::to_string(i);
    o.center = static_cast<CenterId>(i < 60 ? 0 : 1);  // Sorted by center, 60/40.
    roster.push_back(o);
  }
  for (std::size_t n : {10UL, 55UL, 100UL, 250UL}) {
    const auto out = proportional_roster(roster, n);
    ASSERT_EQ(out.size(), n);
    std::set<std::string> ids;
    std::map<CenterId, double> share;
    for (const auto& o : out) {
      ASSERT_TRUE(ids.insert(o.id).second) << o.id;
      share[o.center] += 1.0 / static_cast<double>(n);
    }
    EXPECT_NEAR(share[0], 0.6, 0.05) << n;
  }
  EXPECT_THROW(proportional_roster({}, 3), InvalidArgument);
  EXPECT_THROW(proportional_roster(roster, 0), InvalidArgument);
}

}  // namespace
}  // namespace docket::workload
