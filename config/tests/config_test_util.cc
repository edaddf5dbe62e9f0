#include "config_test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "docket/core/error.h"

namespace docket::config::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "docket-config-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(std::string_view name, std::string_view text) const {
  std::filesystem::path file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out << text;
  return file;
}

const char* const MiniConfig::kDocket =
    "centers: centers.yaml\n"
    "forms: forms.yaml\n"
    "officers: officers.csv\n"
    "calendar:\n"
    "  extra_closures: [2025-01-09]\n"
    "scheduler:\n"
    "  solver: lemon-network-simplex\n"
    "  cross_center_slack_days: 30\n";

// Line numbers matter: the error tests assert them.
const char* const MiniConfig::kCenters =
    "centers:\n"                          // 1
    "  - code: VSC\n"                     // 2
    "    name: Vermont Service Center\n"  // 3
    "    kind: service_center\n"          // 4
    "    timezone: America/New_York\n"    // 5
    "    receipt_prefixes: [EAC]\n"       // 6
    "  - code: FO-HOU\n"                  // 7
    "    name: Houston Field Office\n"    // 8
    "    kind: field_office\n"            // 9
    "    timezone: America/Chicago\n"     // 10
    "    district: Houston\n";            // 11

const char* const MiniConfig::kForms =
    "forms:\n"                                        // 1
    "  - code: I-130\n"                               // 2
    "    description: Petition for alien relative\n"  // 3
    "    skill: I-130\n"                              // 4
    "    min_level: 2\n"                              // 5
    "    goal_days: 180\n"                            // 6
    "    interview: false\n"                          // 7
    "    qa_sample_rate: 0.05\n"                      // 8
    "    effort_hours: 1.5\n"                         // 9
    "    rfe_rate: 0.2\n"                             // 10
    "    centers: [VSC]\n"                            // 11
    "  - code: N-400\n"                               // 12
    "    description: Application for naturalization\n"
    "    skill: N-400\n"                                                  // 14
    "    min_level: 2\n"                                                  // 15
    "    goal_days: 180\n"                                                // 16
    "    interview: true\n"                                               // 17
    "    transferable: false\n"                                           // 18
    "    qa_sample_rate: 0.1\n"                                           // 19
    "    effort_hours: 2\n"                                               // 20
    "    rfe_rate: 0.1\n"                                                 // 21
    "    centers: [FO-HOU]\n"                                             // 22
    "    calibration: {annual_receipts: 1007707, median_months: 5.2}\n";  // 23

const char* const MiniConfig::kOfficers =
    "id,center,skills,languages,clearance,capacity,presence,senior\n"        // 1
    "ISO-VSC-1,VSC,I-130:3,es,public_trust,5,available,false\n"              // 2
    "ISO-VSC-2,VSC,I-130:5;N-400:2,,secret,4,away,true\n"                    // 3
    "ISO-HOU-1,FO-HOU,N-400:4;I-130:2,es;vi,top_secret,3,available,true\n";  // 4

MiniConfig::MiniConfig() {
  dir.write("docket.yaml", kDocket);
  dir.write("centers.yaml", kCenters);
  dir.write("forms.yaml", kForms);
  dir.write("officers.csv", kOfficers);
}

NationalConfig MiniConfig::load(const Environment& env) const {
  return load_national_config(dir.path() / "docket.yaml", env);
}

std::string replace(std::string text, std::string_view from, std::string_view to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture text lacks " << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

std::string config_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a ConfigError, got another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected a ConfigError, nothing was thrown";
  return {};
}

}  // namespace docket::config::testing
