// Every kind of configuration mistake must produce a ConfigError that names the file, the line
// and the field, so an operator can fix it without reading the loader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace docket::config {
namespace {

using testing::config_error;
using ::testing::HasSubstr;
using testing::MiniConfig;
using testing::replace;

class ErrorTest : public ::testing::Test {
 protected:
  /// Replaces `file` of the mini config with `text` and returns the load error.
  std::string error_with(std::string_view file, const std::string& text) {
    cfg_.dir.write(file, text);
    return config_error([&] { cfg_.load(); });
  }

  MiniConfig cfg_;
};

TEST_F(ErrorTest, MiniConfigIsValid) {
  NationalConfig config = cfg_.load();
  EXPECT_EQ(config.catalog.centers().size(), 2u);
  EXPECT_EQ(config.catalog.forms().size(), 2u);
  EXPECT_EQ(config.officers.size(), 3u);
}

TEST_F(ErrorTest, BadIntegerNamesFileLineColumnFieldAndValue) {
  std::string msg =
      error_with("forms.yaml", replace(MiniConfig::kForms, "goal_days: 180", "goal_days: abc"));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:6:16: forms[0].goal_days: expected a non-negative "
                             "integer, got \"abc\""));
}

TEST_F(ErrorTest, SecondItemPathCarriesItsIndex) {
  std::string forms = MiniConfig::kForms;
  forms.replace(forms.rfind("goal_days: 180"), 14, "goal_days: -3");
  EXPECT_THAT(error_with("forms.yaml", forms), HasSubstr("forms.yaml:16:16: forms[1].goal_days"));
}

TEST_F(ErrorTest, MissingRequiredField) {
  std::string msg = error_with("forms.yaml", replace(MiniConfig::kForms, "    skill: I-130\n", ""));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:2:5: forms[0].skill: missing required field"));
}

TEST_F(ErrorTest, EmptyValueIsReportedAtItsKey) {
  EXPECT_THAT(error_with("forms.yaml", replace(MiniConfig::kForms, "goal_days: 180", "goal_days:")),
              HasSubstr("forms.yaml:6:5: forms[0].goal_days: missing required field"));
  EXPECT_THAT(error_with("forms.yaml", replace(MiniConfig::kForms, "    rfe_rate: 0.2\n",
                                               "    rfe_rate: 0.2\n    premium_business_days:\n")),
              HasSubstr("forms.yaml:11:5: forms[0].premium_business_days: expected a positive "
                        "number of business days, got nothing"));
}

TEST_F(ErrorTest, UnknownKeyIsATypo) {
  std::string msg = error_with(
      "forms.yaml", replace(MiniConfig::kForms, "effort_hours: 1.5", "efort_hours: 1.5"));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:9:5: forms[0].efort_hours: unknown field"));
  EXPECT_THAT(msg, HasSubstr("effort_hours"));  // The allowed fields are listed.
}

TEST_F(ErrorTest, RepeatedKey) {
  std::string msg = error_with("forms.yaml", replace(MiniConfig::kForms, "    rfe_rate: 0.2\n",
                                                     "    rfe_rate: 0.2\n    rfe_rate: 0.3\n"));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:11:5: forms[0].rfe_rate: field given twice"));
}

TEST_F(ErrorTest, UnknownCenterInForm) {
  std::string msg = error_with(
      "forms.yaml", replace(MiniConfig::kForms, "centers: [VSC]", "centers: [VSC, XSC]"));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:11:20: forms[0].centers[1]: unknown center \"XSC\""));
  EXPECT_THAT(msg, HasSubstr("known: VSC, FO-HOU"));
}

TEST_F(ErrorTest, UnknownEnumListsAllowedValues) {
  std::string msg = error_with(
      "centers.yaml", replace(MiniConfig::kCenters, "kind: service_center", "kind: mega_center"));
  EXPECT_THAT(msg, HasSubstr("centers.yaml:4:11: centers[0].kind: expected one of "
                             "service_center, benefits_center, field_office, asylum_office, "
                             "got \"mega_center\""));
}

TEST_F(ErrorTest, LevelOutsideOneToFive) {
  std::string msg =
      error_with("forms.yaml", replace(MiniConfig::kForms, "min_level: 2", "min_level: 7"));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:5:16: forms[0].min_level: expected a skill level from 1 "
                             "to 5, got \"7\""));
}

TEST_F(ErrorTest, ShareOutsideZeroToOne) {
  std::string msg = error_with(
      "forms.yaml", replace(MiniConfig::kForms, "qa_sample_rate: 0.05", "qa_sample_rate: 1.5"));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:8:21: forms[0].qa_sample_rate: expected a share from 0 "
                             "to 1, got \"1.5\""));
}

TEST_F(ErrorTest, EffortMustBePositive) {
  std::string msg =
      error_with("forms.yaml", replace(MiniConfig::kForms, "effort_hours: 1.5", "effort_hours: 0"));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:9:19: forms[0].effort_hours: expected a positive"));
}

TEST_F(ErrorTest, BadTimezone) {
  std::string msg = error_with(
      "centers.yaml", replace(MiniConfig::kCenters, "America/Chicago", "America/Springfield"));
  EXPECT_THAT(msg, HasSubstr("centers.yaml:10:15: centers[1].timezone: expected an IANA time "
                             "zone name"));
  EXPECT_THAT(msg, HasSubstr("got \"America/Springfield\""));
}

TEST_F(ErrorTest, FieldOfficeNeedsDistrict) {
  std::string msg =
      error_with("centers.yaml", replace(MiniConfig::kCenters, "    district: Houston\n", ""));
  EXPECT_THAT(msg, HasSubstr("centers.yaml:7:5: centers[1].district: missing required field"));
}

TEST_F(ErrorTest, DuplicateCenterCodeAndPrefix) {
  std::string twice = std::string(MiniConfig::kCenters) +
                      "  - code: VSC\n    name: Again\n    kind: service_center\n"
                      "    timezone: America/New_York\n";
  EXPECT_THAT(error_with("centers.yaml", twice),
              HasSubstr("centers.yaml:12:11: centers[2].code: duplicate center code"));
  std::string prefix = std::string(MiniConfig::kCenters) +
                       "  - code: CSC\n    name: California\n    kind: service_center\n"
                       "    timezone: America/Los_Angeles\n    receipt_prefixes: [EAC]\n";
  EXPECT_THAT(error_with("centers.yaml", prefix),
              HasSubstr("centers.yaml:16:24: centers[2].receipt_prefixes[0]: receipt prefix "
                        "already claimed by VSC"));
}

TEST_F(ErrorTest, BadDate) {
  std::string msg = error_with(
      "docket.yaml", replace(MiniConfig::kDocket, "[2025-01-09]", "[2025-01-09, 2025-02-30]"));
  EXPECT_THAT(msg, HasSubstr("docket.yaml:5:32: calendar.extra_closures[1]: expected a calendar "
                             "date YYYY-MM-DD, got \"2025-02-30\""));
}

TEST_F(ErrorTest, BadSchedulerValue) {
  std::string msg =
      error_with("docket.yaml", replace(MiniConfig::kDocket, "slack_days: 30", "slack_days: [30]"));
  EXPECT_THAT(msg, HasSubstr("docket.yaml:8:28: scheduler.cross_center_slack_days: expected -1 "
                             "(never) or a non-negative number of days, got a sequence"));
}

TEST_F(ErrorTest, MissingReferencedFileNamesItAndTheLineNamingIt) {
  std::string msg =
      error_with("docket.yaml", replace(MiniConfig::kDocket, "forms.yaml", "form.yaml"));
  EXPECT_THAT(msg, HasSubstr("docket.yaml:2:8: forms: cannot read "));
  EXPECT_THAT(msg, HasSubstr("form.yaml: No such file or directory"));
}

TEST_F(ErrorTest, MissingTopLevelFile) {
  std::string msg =
      config_error([&] { load_national_config(cfg_.dir.path() / "nothing.yaml", {}); });
  EXPECT_THAT(msg, HasSubstr("nothing.yaml: No such file or directory"));
}

TEST_F(ErrorTest, MalformedYaml) {
  std::string msg =
      error_with("forms.yaml", replace(MiniConfig::kForms, "centers: [VSC]", "centers: [VSC"));
  EXPECT_THAT(msg, HasSubstr("forms.yaml:"));
  EXPECT_THAT(msg, HasSubstr("malformed YAML"));
  std::string indent = error_with(
      "centers.yaml", replace(MiniConfig::kCenters, "    name: Houston", "  name: Houston"));
  EXPECT_THAT(indent, HasSubstr("centers.yaml:8:"));
  EXPECT_THAT(indent, HasSubstr("malformed YAML"));
}

TEST_F(ErrorTest, CsvUnknownCenter) {
  std::string msg = error_with(
      "officers.csv", replace(MiniConfig::kOfficers, "ISO-HOU-1,FO-HOU", "ISO-HOU-1,FO-XXX"));
  EXPECT_THAT(msg, HasSubstr("officers.csv:4: column center: expected a configured center code, "
                             "got \"FO-XXX\""));
}

TEST_F(ErrorTest, CsvDuplicateOfficerId) {
  std::string msg =
      error_with("officers.csv", replace(MiniConfig::kOfficers, "ISO-VSC-2,", "ISO-VSC-1,"));
  EXPECT_THAT(msg, HasSubstr("officers.csv:3: column id: duplicate officer id \"ISO-VSC-1\" "
                             "(first on line 2)"));
}

TEST_F(ErrorTest, CsvCapacityBelowOne) {
  std::string msg =
      error_with("officers.csv", replace(MiniConfig::kOfficers, "secret,4,away", "secret,0,away"));
  EXPECT_THAT(msg, HasSubstr("officers.csv:3: column capacity: expected a positive integer"));
  EXPECT_THAT(msg, HasSubstr("got \"0\""));
}

TEST_F(ErrorTest, CsvLevelOutsideOneToFive) {
  std::string msg =
      error_with("officers.csv", replace(MiniConfig::kOfficers, "N-400:4", "N-400:6"));
  EXPECT_THAT(msg, HasSubstr("officers.csv:4: column skills: expected a level from 1 to 5 for "
                             "skill \"N-400\", got \"6\""));
}

TEST_F(ErrorTest, CsvMalformedSkills) {
  std::string msg = error_with("officers.csv", replace(MiniConfig::kOfficers, "I-130:3", "I-130"));
  EXPECT_THAT(msg, HasSubstr("officers.csv:2: column skills: expected SKILL:LEVEL pairs"));
}

TEST_F(ErrorTest, CsvUnknownEnumValues) {
  std::string clearance =
      error_with("officers.csv", replace(MiniConfig::kOfficers, "top_secret", "cosmic"));
  EXPECT_THAT(clearance, HasSubstr("officers.csv:4: column clearance: expected one of "
                                   "public_trust, secret, top_secret, got \"cosmic\""));
  std::string presence =
      error_with("officers.csv", replace(MiniConfig::kOfficers, "away", "asleep"));
  EXPECT_THAT(presence, HasSubstr("officers.csv:3: column presence: expected one of available, "
                                  "away, offline, got \"asleep\""));
  std::string senior =
      error_with("officers.csv", replace(MiniConfig::kOfficers, "true\n", "yes\n"));
  EXPECT_THAT(senior, HasSubstr("officers.csv:3: column senior: expected true or false"));
}

TEST_F(ErrorTest, CsvHeaderAndFieldCount) {
  std::string missing =
      error_with("officers.csv", replace(MiniConfig::kOfficers, ",presence,senior", ",senior"));
  EXPECT_THAT(missing, HasSubstr("officers.csv:1: missing column presence"));
  std::string unknown =
      error_with("officers.csv", replace(MiniConfig::kOfficers, "languages", "langs"));
  EXPECT_THAT(unknown, HasSubstr("officers.csv:1: unknown column \"langs\""));
  std::string fields =
      error_with("officers.csv", replace(MiniConfig::kOfficers, ",available,false", ",available"));
  EXPECT_THAT(fields, HasSubstr("officers.csv:2: expected 8 fields, got 7"));
}

TEST_F(ErrorTest, UnknownRosterFormat) {
  cfg_.dir.write("officers.txt", MiniConfig::kOfficers);
  std::string msg =
      error_with("docket.yaml", replace(MiniConfig::kDocket, "officers.csv", "officers.txt"));
  EXPECT_THAT(msg, HasSubstr("officers.txt: unknown roster format \".txt\""));
}

}  // namespace
}  // namespace docket::config
