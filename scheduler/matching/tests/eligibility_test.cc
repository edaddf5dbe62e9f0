#include "docket/matching/eligibility.h"

#include <gtest/gtest.h>

#include "docket/testing/fixtures.h"

namespace docket::matching {
namespace {

using testing::make_case;
using testing::make_officer;

class EligibilityTest : public ::testing::Test {
 protected:
  Ineligibility judge(const Case& c, const Officer& o, Relaxation r = {}, OfficerId id = 0) {
    return check(c, cat_.form(c.form), o, id, r);
  }
  Catalog cat_ = testing::small_catalog();
  TimePoint t_ = testing::test_epoch();
};

TEST_F(EligibilityTest, EachRuleOfTheHardFilter) {
  Case c = make_case(cat_, 1, "I-129", "VSC", t_, 30);  // needs i129 level 3
  Officer ok = make_officer(cat_, "ok", "VSC", {{"i129", 3}});
  EXPECT_EQ(judge(c, ok), Ineligibility::kEligible);

  Officer away = ok;
  away.presence = Presence::kAway;
  EXPECT_EQ(judge(c, away), Ineligibility::kAbsent);
  EXPECT_EQ(judge(c, make_officer(cat_, "x", "VSC", {{"i130", 5}})), Ineligibility::kSkill);
  EXPECT_EQ(judge(c, make_officer(cat_, "x", "VSC", {{"i129", 2}})), Ineligibility::kLevel);
  EXPECT_EQ(judge(c, make_officer(cat_, "x", "VSC", {{"i129", 2}}), {1, false}),
            Ineligibility::kEligible);

  Case spanish = c;
  spanish.language = cat_.find_language("es").value();
  EXPECT_EQ(judge(spanish, ok), Ineligibility::kLanguage);
  Case secret = c;
  secret.clearance = Clearance::kSecret;
  EXPECT_EQ(judge(secret, ok), Ineligibility::kClearance);

  Officer csc = make_officer(cat_, "csc", "CSC", {{"i129", 3}});
  EXPECT_EQ(judge(c, csc), Ineligibility::kJurisdiction);
  EXPECT_EQ(judge(c, csc, {0, true}), Ineligibility::kEligible);

  Case excluded = c;
  excluded.excluded = {4};
  EXPECT_EQ(judge(excluded, ok, {}, 4), Ineligibility::kExcluded);
  EXPECT_EQ(judge(excluded, ok, {}, 5), Ineligibility::kEligible);
  Case qa = c;
  qa.senior_review = true;
  EXPECT_EQ(judge(qa, ok), Ineligibility::kNotSenior);
  ok.senior = true;
  EXPECT_EQ(judge(qa, ok), Ineligibility::kEligible);
}

TEST_F(EligibilityTest, InterviewCasesStayAtTheirFieldOfficeWhateverTheSlack) {
  Case c = make_case(cat_, 1, "I-485", "FO-HOU", t_, -5);
  EXPECT_EQ(judge(c, make_officer(cat_, "v", "VSC", {{"i485", 5}}), {2, true}),
            Ineligibility::kJurisdiction);
  EXPECT_EQ(judge(c, make_officer(cat_, "h", "FO-HOU", {{"i485", 3}})), Ineligibility::kEligible);
}

TEST_F(EligibilityTest, RelaxationLadderAndCrossCenterThreshold) {
  const FormPolicy& i130 = cat_.form(cat_.find_form("I-130").value());
  const FormPolicy& i485 = cat_.form(cat_.find_form("I-485").value());
  std::vector<SkillRelaxation> ladder = {{14, 1}, {3, 2}};
  EXPECT_EQ(relaxation_for(30, i130, ladder, 30).levels, 0);
  EXPECT_TRUE(relaxation_for(30, i130, ladder, 30).cross_center);
  EXPECT_FALSE(relaxation_for(31, i130, ladder, 30).cross_center);
  EXPECT_EQ(relaxation_for(14, i130, ladder, 30).levels, 1);
  EXPECT_EQ(relaxation_for(3, i130, ladder, 30).levels, 2);
  EXPECT_EQ(relaxation_for(-10, i130, ladder, 30).levels, 2);
  EXPECT_FALSE(relaxation_for(-10, i130, ladder, -1).cross_center);
  EXPECT_FALSE(relaxation_for(-10, i485, ladder, 30).cross_center);  // interview form
}

}  // namespace
}  // namespace docket::matching
