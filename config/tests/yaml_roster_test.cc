#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace docket::config {
namespace {

using testing::config_error;
using ::testing::HasSubstr;
using testing::MiniConfig;
using testing::replace;
using testing::TempDir;

constexpr const char* kRoster =
    "officers:\n"
    "  - id: ISO-VSC-1\n"
    "    center: VSC\n"
    "    skills: {I-130: 3, N-400: 2}\n"
    "    languages: [es, ar]\n"
    "    clearance: top_secret\n"
    "    capacity: 4\n"
    "    presence: offline\n"
    "    senior: true\n"
    "  - id: ISO-HOU-1\n"   // 10
    "    center: FO-HOU\n"  // 11
    "    capacity: 2\n";    // 12

TEST(YamlRosterTest, LoadsWithDefaultsForOptionalFields) {
  MiniConfig cfg;
  cfg.dir.write("officers.yaml", kRoster);
  cfg.dir.write("docket.yaml", replace(MiniConfig::kDocket, "officers.csv", "officers.yaml"));
  NationalConfig config = cfg.load();
  const Catalog& catalog = config.catalog;
  ASSERT_EQ(config.officers.size(), 2u);
  const Officer& a = config.officers[0];
  EXPECT_EQ(a.center, *catalog.find_center("VSC"));
  EXPECT_EQ(a.level(*catalog.find_skill("I-130")), 3);
  EXPECT_EQ(a.level(*catalog.find_skill("N-400")), 2);
  EXPECT_TRUE(a.speaks(*catalog.find_language("ar")));
  EXPECT_EQ(a.clearance, Clearance::kTopSecret);
  EXPECT_EQ(a.presence, Presence::kOffline);
  EXPECT_TRUE(a.senior);
  const Officer& b = config.officers[1];
  EXPECT_TRUE(b.skills.empty());
  EXPECT_EQ(b.clearance, Clearance::kPublicTrust);
  EXPECT_EQ(b.presence, Presence::kAvailable);
  EXPECT_FALSE(b.senior);
  EXPECT_EQ(b.capacity, 2);
}

TEST(YamlRosterTest, CsvAndYamlOfTheSameRosterAgree) {
  MiniConfig cfg;
  Catalog catalog = cfg.load().catalog;
  auto from_csv = load_roster(cfg.dir.path() / "officers.csv", catalog);
  auto from_yaml = load_roster(cfg.dir.write("officers.yml",
                                             "officers:\n"
                                             "  - {id: ISO-VSC-1, center: VSC, skills: {I-130: 3},"
                                             " languages: [es], capacity: 5}\n"
                                             "  - {id: ISO-VSC-2, center: VSC, skills: {I-130: 5,"
                                             " N-400: 2}, clearance: secret, capacity: 4,"
                                             " presence: away, senior: true}\n"
                                             "  - {id: ISO-HOU-1, center: FO-HOU, skills: {N-400:"
                                             " 4, I-130: 2}, languages: [es, vi], clearance:"
                                             " top_secret, capacity: 3, senior: true}\n"),
                               catalog);
  ASSERT_EQ(from_csv.size(), from_yaml.size());
  for (std::size_t i = 0; i < from_csv.size(); ++i) {
    EXPECT_EQ(from_csv[i].id, from_yaml[i].id);
    EXPECT_EQ(from_csv[i].center, from_yaml[i].center);
    EXPECT_EQ(from_csv[i].skills, from_yaml[i].skills);
    EXPECT_EQ(from_csv[i].languages, from_yaml[i].languages);
    EXPECT_EQ(from_csv[i].clearance, from_yaml[i].clearance);
    EXPECT_EQ(from_csv[i].capacity, from_yaml[i].capacity);
    EXPECT_EQ(from_csv[i].presence, from_yaml[i].presence);
    EXPECT_EQ(from_csv[i].senior, from_yaml[i].senior);
  }
}

TEST(YamlRosterTest, ErrorsNameFileLineAndPath) {
  MiniConfig cfg;
  Catalog catalog = cfg.load().catalog;
  auto error = [&](const std::string& text) {
    return config_error([&] { parse_roster_yaml(text, "roster.yaml", catalog); });
  };
  EXPECT_THAT(error(replace(kRoster, "capacity: 2", "capacity: 0")),
              HasSubstr("roster.yaml:12:15: officers[1].capacity: expected a positive integer "
                        "(concurrent cases), got \"0\""));
  EXPECT_THAT(error(replace(kRoster, "center: FO-HOU", "center: FO-XXX")),
              HasSubstr("roster.yaml:11:13: officers[1].center: expected a configured center "
                        "code, got \"FO-XXX\""));
  EXPECT_THAT(error(replace(kRoster, "N-400: 2", "N-400: 9")),
              HasSubstr("officers[0].skills.N-400: expected a skill level from 1 to 5"));
  EXPECT_THAT(error(replace(kRoster, "ISO-HOU-1", "ISO-VSC-1")),
              HasSubstr("roster.yaml:10:5: officers[1].id: duplicate officer id \"ISO-VSC-1\""));
  EXPECT_THAT(error(replace(kRoster, "clearance: top_secret", "clearance: cosmic")),
              HasSubstr("roster.yaml:6:16: officers[0].clearance: expected one of public_trust, "
                        "secret, top_secret, got \"cosmic\""));
  EXPECT_THAT(error(replace(kRoster, "    capacity: 2\n", "")),
              HasSubstr("roster.yaml:10:5: officers[1].capacity: missing required field"));
}

TEST(YamlRosterTest, MissingRosterFileIsNamed) {
  TempDir dir;
  Catalog catalog;
  EXPECT_THAT(config_error([&] { load_roster(dir.path() / "gone.yaml", catalog); }),
              HasSubstr("gone.yaml: No such file or directory"));
}

}  // namespace
}  // namespace docket::config
