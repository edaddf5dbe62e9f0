#include "docket/sim/scenario.h"

#include <gtest/gtest.h>

#include <fstream>

#include "docket/core/error.h"

namespace docket::sim {
namespace {

std::filesystem::path write(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("docket_sim_" + name + ".yaml");
  std::ofstream(p) << text;
  return p;
}

TEST(ScenarioTest, LoadsTheNationalScenario) {
  const Scenario s = load_scenario(std::string(DOCKET_SOURCE_DIR) + "/sim/scenarios/national.yaml");
  EXPECT_EQ(s.annual_receipts, 12'938'465);
  EXPECT_EQ(s.backlog, 9'474'182);
  EXPECT_TRUE(std::filesystem::exists(s.config));
  EXPECT_EQ(s.days, 365);
}

TEST(ScenarioTest, BadValuesNameTheKey) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    const auto p = write("bad", text);
    try {
      load_scenario(p);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("config: x.yaml\nscale: -1\n", "scale");
  expect_error("config: x.yaml\nround_minutes: 7\n", "round_minutes");
  expect_error("config: x.yaml\nshift: {leave_share: 2}\n", "shift.leave_share");
  expect_error("config: x.yaml\nstart: 2025-02-30\n", "start");
  expect_error("config: x.yaml\nbogus: 1\n", "bogus");
  expect_error("scale: 1\n", "config");
  expect_error("config: x.yaml\nrfe: {response_days_min: 90, response_days_max: 10}\n", "rfe");
  EXPECT_THROW(load_scenario("/nonexistent/scenario.yaml"), ConfigError);
}

}  // namespace
}  // namespace docket::sim
