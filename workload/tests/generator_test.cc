#include "docket/workload/generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "docket/matching/eligibility.h"

namespace docket::workload {
namespace {

using std::chrono::days;

class GeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cfg_ = new config::NationalConfig(config::load_national_config(
        std::string(DOCKET_SOURCE_DIR) + "/config/national/docket.yaml", {}));
  }
  static void TearDownTestSuite() { delete cfg_; }
  static TimePoint now() { return std::chrono::sys_days{std::chrono::year{2025} / 9 / 30}; }
  static config::NationalConfig* cfg_;
};
config::NationalConfig* GeneratorTest::cfg_ = nullptr;

TEST_F(GeneratorTest, BacklogFollowsThePendingFigures) {
  Generator gen(cfg_->catalog, cfg_->calendar, cfg_->officers, GeneratorOptions{});
  const std::size_t n = 200'000;
  auto cases = gen.backlog(n, now());
  ASSERT_EQ(cases.size(), n);
  std::map<FormId, double> share;
  for (const auto& c : cases) share[c.form] += 1.0 / n;
  double total_pending = 0;
  for (const auto& f : cfg_->catalog.forms()) total_pending += static_cast<double>(f.pending.value_or(0));
  for (const auto& f : cfg_->catalog.forms()) {
    if (!f.pending) {
      EXPECT_EQ(share.count(f.id), 0U) << f.code << " has no pending figure and no assumption";
      continue;
    }
    const double expected = static_cast<double>(*f.pending) / total_pending;
    EXPECT_NEAR(share[f.id], expected, 0.005 + expected * 0.05) << f.code;
  }
  EXPECT_FALSE(gen.left_out().empty());
}

TEST_F(GeneratorTest, CasesAreValidUniqueAndServable) {
  Generator gen(cfg_->catalog, cfg_->calendar, cfg_->officers, GeneratorOptions{});
  auto cases = gen.backlog(50'000, now());
  auto fresh = gen.receipts(150'000, now());  // One day: exercises the 900-series spill.
  cases.insert(cases.end(), fresh.begin(), fresh.end());
  std::set<std::uint64_t> receipts;
  std::map<Priority, int> priorities;
  for (const auto& c : cases) {
    ASSERT_TRUE(receipts.insert(c.receipt.packed()).second) << c.receipt.str();
    ASSERT_TRUE(ReceiptNumber::parse(c.receipt.str()).has_value());
    const FormPolicy& form = cfg_->catalog.form(c.form);
    ASSERT_LE(c.received, now());
    ASSERT_GT(c.deadline, c.received) << c.receipt.str();
    if (form.interview) {
      ASSERT_EQ(c.field_office, c.center);
    }
    if (!form.centers.empty()) {
      ASSERT_NE(std::find(form.centers.begin(), form.centers.end(), c.center), form.centers.end());
    }
    if (c.priority == Priority::kPremium) {
      ASSERT_TRUE(form.premium_business_days.has_value());
    }
    ++priorities[c.priority];
  }
  EXPECT_GT(priorities[Priority::kPremium], 0);
  EXPECT_GT(priorities[Priority::kExpedite], 0);
  EXPECT_GT(priorities[Priority::kLitigation], 0);
}

TEST_F(GeneratorTest, DeterministicForASeedAndAssumptionsAreExplicit) {
  GeneratorOptions opts;
  opts.seed = 77;
  Generator a(cfg_->catalog, cfg_->calendar, cfg_->officers, opts);
  Generator b(cfg_->catalog, cfg_->calendar, cfg_->officers, opts);
  auto x = a.backlog(1000, now());
  auto y = b.backlog(1000, now());
  for (std::size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(x[i].receipt, y[i].receipt);
    ASSERT_EQ(x[i].deadline, y[i].deadline);
  }
  // A form with a blank figure joins the mix only through an explicit assumption.
  opts.assumed_pending["I-765-ASY"] = 100'000;
  Generator with(cfg_->catalog, cfg_->calendar, cfg_->officers, opts);
  const FormId asy = cfg_->catalog.find_form("I-765-ASY").value();
  int count = 0;
  for (const auto& c : with.backlog(20'000, now())) count += c.form == asy;
  EXPECT_GT(count, 0);
}

TEST_F(GeneratorTest, ScaleRosterKeepsIdsUnique) {
  auto big = scale_roster(cfg_->officers, cfg_->officers.size() * 3 + 7);
  std::set<std::string> ids;
  for (const auto& o : big) ASSERT_TRUE(ids.insert(o.id).second) << o.id;
  EXPECT_THROW(scale_roster({}, 3), InvalidArgument);
}

}  // namespace
}  // namespace docket::workload
