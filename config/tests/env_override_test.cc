#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "config_test_util.h"

namespace docket::config {
namespace {

using testing::config_error;
using ::testing::HasSubstr;
using testing::MiniConfig;
using testing::replace;

TEST(EnvOverrideTest, ScalarOverridesReplaceFileValues) {
  MiniConfig cfg;
  NationalConfig config = cfg.load({{"DOCKET_SCHEDULER__SOLVER", "boost-ssp"},
                                    {"DOCKET_SCHEDULER__CROSS_CENTER_SLACK_DAYS", "10"},
                                    {"DOCKET_SCHEDULER__MAX_ROUND_CASES", "5000"}});
  EXPECT_EQ(config.scheduler.solver, "boost-ssp");
  EXPECT_EQ(config.scheduler.cross_center_slack_days, 10);
  EXPECT_EQ(config.scheduler.max_round_cases, 5000);
  // Untouched fields keep their defaults.
  EXPECT_EQ(config.scheduler.round_interval_ms, matching::Options::DEFAULT_ROUND_INTERVAL_MS);
}

TEST(EnvOverrideTest, ListValuesUseYamlFlowSyntax) {
  MiniConfig cfg;
  NationalConfig config =
      cfg.load({{"DOCKET_SCHEDULER__RELAXATION", "[{slack_days: 5, levels: 1}]"},
                {"DOCKET_SCHEDULER__SLACK_BUCKET_DAYS", "[0, 7, 30]"},
                {"DOCKET_CALENDAR__EXTRA_CLOSURES", "[2030-01-02]"}});
  ASSERT_EQ(config.scheduler.relaxation.size(), 1u);
  EXPECT_EQ(config.scheduler.relaxation[0].slack_days, 5);
  EXPECT_EQ(config.scheduler.slack_bucket_days, (std::vector<int>{0, 7, 30}));
  using std::chrono::January;
  EXPECT_FALSE(config.calendar.is_business_day(std::chrono::year(2030) / January / 2));
  // The override replaces the file's list: its closure is gone.
  EXPECT_TRUE(config.calendar.is_business_day(std::chrono::year(2025) / January / 9));
}

TEST(EnvOverrideTest, OverrideCreatesAnAbsentSection) {
  MiniConfig cfg;
  std::string docket = MiniConfig::kDocket;
  docket = docket.substr(0, docket.find("scheduler:"));
  cfg.dir.write("docket.yaml", docket);
  EXPECT_EQ(cfg.load({{"DOCKET_SCHEDULER__ROUND_INTERVAL_MS", "100"}}).scheduler.round_interval_ms,
            100);
}

TEST(EnvOverrideTest, OtherVariablesAreIgnored) {
  MiniConfig cfg;
  NationalConfig config =
      cfg.load({{"DOCKET_REDIS_URL", "redis://x"}, {"HOME", "/"}, {"OTHER__SCHEDULER", "1"}});
  EXPECT_EQ(config.scheduler.solver, "lemon-network-simplex");
}

TEST(EnvOverrideTest, BadValueNamesTheVariable) {
  MiniConfig cfg;
  std::string msg = config_error([&] {
    cfg.load({{"DOCKET_SCHEDULER__CROSS_CENTER_SLACK_DAYS", "soon"}});
  });
  EXPECT_THAT(msg, HasSubstr("environment variable DOCKET_SCHEDULER__CROSS_CENTER_SLACK_DAYS: "
                             "scheduler.cross_center_slack_days: expected -1 (never) or a "
                             "non-negative number of days, got \"soon\""));
  std::string date = config_error([&] {
    cfg.load({{"DOCKET_CALENDAR__EXTRA_CLOSURES", "[2030-13-01]"}});
  });
  EXPECT_THAT(date, HasSubstr("environment variable DOCKET_CALENDAR__EXTRA_CLOSURES: "
                              "calendar.extra_closures[0]: expected a calendar date"));
  std::string malformed = config_error([&] {
    cfg.load({{"DOCKET_SCHEDULER__RELAXATION", "[{slack_days: 5"}});
  });
  EXPECT_THAT(malformed, HasSubstr("environment variable DOCKET_SCHEDULER__RELAXATION"));
}

TEST(EnvOverrideTest, UnknownKeyOrSectionIsAnError) {
  MiniConfig cfg;
  std::string key = config_error([&] { cfg.load({{"DOCKET_SCHEDULER__SOLVR", "x"}}); });
  EXPECT_THAT(key, HasSubstr("environment variable DOCKET_SCHEDULER__SOLVR: unknown field "
                             "\"scheduler.solvr\""));
  EXPECT_THAT(key, HasSubstr("solver"));
  std::string section = config_error([&] { cfg.load({{"DOCKET_FORMS__GOAL_DAYS", "3"}}); });
  EXPECT_THAT(section, HasSubstr("environment variable DOCKET_FORMS__GOAL_DAYS: unknown section "
                                 "\"forms\""));
  std::string nested = config_error([&] {
    cfg.load({{"DOCKET_SCHEDULER__COST_MODELS__WEIGHT", "3"}});
  });
  EXPECT_THAT(nested, HasSubstr("DOCKET_SCHEDULER__COST_MODELS__WEIGHT: unknown field"));
}

TEST(EnvOverrideTest, ErrorsInTheFileStillNameTheFile) {
  MiniConfig cfg;
  cfg.dir.write("docket.yaml", replace(MiniConfig::kDocket, "slack_days: 30", "slack_days: x"));
  std::string msg = config_error([&] { cfg.load({{"DOCKET_SCHEDULER__SOLVER", "boost-ssp"}}); });
  EXPECT_THAT(msg, HasSubstr("docket.yaml:8:28: scheduler.cross_center_slack_days"));
}

TEST(EnvOverrideTest, ProcessEnvironmentKeepsDocketVariables) {
  ::setenv("DOCKET_SCHEDULER__SOLVER", "boost-ssp", 1);
  ::setenv("NOT_DOCKET_X", "1", 1);
  Environment env = process_environment();
  ::unsetenv("DOCKET_SCHEDULER__SOLVER");
  ::unsetenv("NOT_DOCKET_X");
  EXPECT_EQ(env.at("DOCKET_SCHEDULER__SOLVER"), "boost-ssp");
  EXPECT_EQ(env.count("NOT_DOCKET_X"), 0u);
  for (const auto& [name, value] : env) EXPECT_EQ(name.rfind("DOCKET_", 0), 0u) << name;
}

}  // namespace
}  // namespace docket::config
