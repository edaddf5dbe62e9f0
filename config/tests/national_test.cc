// The sample national configuration in config/national must load and make sense as a whole: the
// scheduler and the simulations are calibrated on it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "docket/config/config.h"

namespace docket::config {
namespace {

const std::filesystem::path kSample =
    std::filesystem::path(DOCKET_SOURCE_DIR) / "config" / "national" / "docket.yaml";

class NationalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { config_ = new NationalConfig(load_national_config(kSample, {})); }
  static void TearDownTestSuite() {
    delete config_;
    config_ = nullptr;
  }
  static const NationalConfig& config() { return *config_; }
  static const Catalog& catalog() { return config_->catalog; }
  static const FormPolicy& form(std::string_view code) {
    return catalog().form(*catalog().find_form(code));
  }
  static CenterId center(std::string_view code) { return *catalog().find_center(code); }

  static NationalConfig* config_;
};

NationalConfig* NationalTest::config_ = nullptr;

TEST_F(NationalTest, LoadsEveryFormOfTheData) {
  // One policy per row of shared/data/uscis_forms.csv.
  std::set<std::string> codes;
  for (const auto& f : catalog().forms()) codes.insert(f.code);
  EXPECT_EQ(codes, (std::set<std::string>{"I-130", "I-485-FAM", "I-485-EMP", "I-485-CUB",
                                          "I-485-ASY", "I-485-REF", "I-765", "I-765-ASY", "N-400",
                                          "I-751", "I-360", "I-129F", "I-140", "I-90", "I-539",
                                          "I-129", "I-131", "I-589", "I-821D"}));
  EXPECT_EQ(config().source, kSample);
}

TEST_F(NationalTest, FormFiguresFollowTheData) {
  EXPECT_EQ(form("I-140").premium_business_days, 15);
  EXPECT_EQ(form("I-129").goal_days, 60);
  EXPECT_EQ(form("I-129").premium_business_days, 15);
  EXPECT_DOUBLE_EQ(form("I-129").rfe_rate, 0.31);
  EXPECT_FALSE(form("I-129").annual_receipts.has_value());
  EXPECT_EQ(form("I-765").premium_business_days, 30);
  EXPECT_FALSE(form("I-130").premium_business_days.has_value());
  EXPECT_EQ(form("I-765-ASY").goal_days, 30);
  EXPECT_EQ(form("I-751").goal_days, 0);
  EXPECT_EQ(form("I-130").annual_receipts, 1003666);
  EXPECT_EQ(form("I-130").pending, 2369937);
  EXPECT_DOUBLE_EQ(*form("I-130").median_months, 11.0);
  EXPECT_DOUBLE_EQ(*form("I-130").approval_share, 0.880);
  EXPECT_FALSE(form("I-485-EMP").approval_share.has_value());
  EXPECT_FALSE(form("I-589").median_months.has_value());
  EXPECT_EQ(form("I-485-FAM").skill, form("I-485-CUB").skill);
  // The data's interview words: yes, yes-unless-waived, can-be-waived -> true; others false.
  for (const char* code : {"N-400", "I-485-FAM", "I-485-CUB", "I-589"}) {
    EXPECT_TRUE(form(code).interview) << code;
    EXPECT_FALSE(form(code).transferable) << code;
  }
  for (const char* code : {"I-485-EMP", "I-751", "I-130", "I-765", "I-131"}) {
    EXPECT_FALSE(form(code).interview) << code;
  }
  ASSERT_EQ(form("N-400").relaxation.size(), 2u);
  EXPECT_EQ(form("N-400").relaxation[0].slack_days, 30);
  for (const auto& f : catalog().forms()) {
    EXPECT_GT(f.effort_hours, 0) << f.code;
    EXPECT_FALSE(f.centers.empty()) << f.code;
  }
}

TEST_F(NationalTest, CentersHaveReceiptPrefixesAndZones) {
  using P = ReceiptNumber::Prefix;
  const std::map<P, std::string> owners = {{P::kEAC, "VSC"}, {P::kWAC, "CSC"}, {P::kLIN, "NSC"},
                                           {P::kSRC, "TSC"}, {P::kMSC, "NBC"}, {P::kYSC, "PSC"}};
  for (const auto& [prefix, code] : owners) {
    auto id = catalog().center_for_prefix(prefix);
    ASSERT_TRUE(id.has_value()) << code;
    EXPECT_EQ(catalog().center(*id).code, code);
  }
  EXPECT_FALSE(catalog().center_for_prefix(P::kIOE).has_value());
  EXPECT_EQ(catalog().center(center("CSC")).timezone, "America/Los_Angeles");
  EXPECT_EQ(catalog().center(center("FO-HOU")).timezone, "America/Chicago");
  EXPECT_EQ(catalog().center(center("NBC")).kind, CenterKind::kBenefitsCenter);
  EXPECT_EQ(catalog().center(center("FO-KEN")).district,
            catalog().center(center("FO-HIA")).district);
  for (const auto& c : catalog().centers()) {
    if (c.kind == CenterKind::kFieldOffice || c.kind == CenterKind::kAsylumOffice) {
      EXPECT_FALSE(c.district.empty()) << c.code;
    }
  }
}

TEST_F(NationalTest, EveryFormHasAQualifiedOfficerWhereItIsAdjudicated) {
  for (const auto& f : catalog().forms()) {
    bool covered = false;
    for (const auto& o : config().officers) {
      bool here = std::find(f.centers.begin(), f.centers.end(), o.center) != f.centers.end();
      covered = covered || (here && o.level(f.skill) >= f.min_level);
    }
    EXPECT_TRUE(covered) << f.code << " has no officer certified at level " << f.min_level
                         << " at any of its centers";
  }
}

TEST_F(NationalTest, InterviewFormsHaveOfficersAtEveryInterviewingOffice) {
  // Interview cases never leave the applicant's office, so every field (or asylum) office that
  // adjudicates an interview form needs its own qualified officers.
  std::size_t field_offices = 0;
  for (const auto& c : catalog().centers()) field_offices += c.kind == CenterKind::kFieldOffice;
  for (const auto& f : catalog().forms()) {
    if (!f.interview) continue;
    for (CenterId c : f.centers) {
      CenterKind kind = catalog().center(c).kind;
      EXPECT_TRUE(kind == CenterKind::kFieldOffice || kind == CenterKind::kAsylumOffice) << f.code;
      int qualified = 0;
      for (const auto& o : config().officers) {
        qualified += o.center == c && o.level(f.skill) >= f.min_level;
      }
      EXPECT_GE(qualified, 2) << f.code << " at " << catalog().center(c).code;
    }
  }
  for (const char* code : {"N-400", "I-485-FAM", "I-485-CUB"}) {
    EXPECT_EQ(form(code).centers.size(), field_offices) << code << " is not at every field office";
  }
}

TEST_F(NationalTest, OfficerCountsFollowAuthorizedPositions) {
  // Positions per site as generate_officers.py states them: the 2003 authorized positions of
  // uscis_sites.csv, HART at 480 x 86% staffed, and the script's stated assumptions for PSC, the
  // field offices (pending I-485 / 400, or 80) and the asylum offices (60); all scaled by 0.6.
  const std::map<std::string, double> positions = {
      {"CSC", 816},   {"NSC", 586},   {"TSC", 605},    {"VSC", 803},    {"NBC", 207},
      {"HART", 413},  {"PSC", 400},   {"FO-HOU", 119}, {"FO-TPA", 104}, {"FO-KEN", 102},
      {"FO-HIA", 95}, {"FO-DAL", 80}, {"FO-NYC", 80},  {"FO-LAX", 80},  {"FO-CHI", 80},
      {"FO-NWK", 80}, {"FO-SFR", 80}, {"AO-HOU", 60},  {"AO-MIA", 60},  {"AO-NWK", 60},
      {"AO-LAX", 60}};
  constexpr double kScale = 0.6;
  std::map<std::string, int> counts;
  for (const auto& o : config().officers) ++counts[catalog().center(o.center).code];
  ASSERT_EQ(counts.size(), positions.size());
  double total = 0;
  for (const auto& [code, n] : positions) {
    EXPECT_NEAR(counts[code], n * kScale, 1.0) << code;
    total += n * kScale;
  }
  EXPECT_NEAR(static_cast<double>(config().officers.size()), total, positions.size());
  EXPECT_NEAR(static_cast<double>(config().officers.size()), 3000, 100);
  // The service centers keep the proportions of the 2003 figures between them.
  EXPECT_NEAR(static_cast<double>(counts["CSC"]) / counts["NSC"], 816.0 / 586.0, 0.01);
}

TEST_F(NationalTest, RosterIsWellFormed) {
  std::set<std::string> ids;
  std::map<CenterId, int> seniors, top_secret;
  for (const auto& o : config().officers) {
    EXPECT_TRUE(ids.insert(o.id).second) << o.id;
    EXPECT_GE(o.capacity, 1);
    EXPECT_FALSE(o.skills.empty()) << o.id;
    EXPECT_TRUE(std::is_sorted(o.skills.begin(), o.skills.end()));
    for (const auto& s : o.skills) {
      EXPECT_GE(s.level, kMinSkillLevel);
      EXPECT_LE(s.level, kMaxSkillLevel);
    }
    seniors[o.center] += o.senior;
    top_secret[o.center] += o.clearance == Clearance::kTopSecret;
  }
  for (const auto& c : catalog().centers()) {
    EXPECT_GT(seniors[c.id], 0) << c.code << " has no QA reviewer";
    EXPECT_GT(top_secret[c.id], 0) << c.code << " has no officer for the controlled track";
  }
  EXPECT_GE(catalog().language_count(), 4u);
  EXPECT_TRUE(catalog().find_language("es").has_value());
}

TEST_F(NationalTest, SchedulerAndCalendarSections) {
  const matching::Options defaults;
  EXPECT_EQ(config().scheduler.solver, defaults.solver);
  EXPECT_EQ(config().scheduler.cost_models.size(), defaults.cost_models.size());
  EXPECT_EQ(config().scheduler.slack_bucket_days, defaults.slack_bucket_days);
  using std::chrono::January;
  // 2025-01-09 (a Thursday) was a federal closure configured as an extra closure.
  EXPECT_FALSE(config().calendar.is_business_day(std::chrono::year(2025) / January / 9));
  EXPECT_TRUE(config().calendar.is_business_day(std::chrono::year(2025) / January / 8));
}

}  // namespace
}  // namespace docket::config
