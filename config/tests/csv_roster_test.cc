#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config_test_util.h"

namespace docket::config {
namespace {

using testing::config_error;
using ::testing::HasSubstr;
using testing::TempDir;

Catalog two_centers() {
  Catalog catalog;
  for (const char* code : {"VSC", "FO-HOU"}) {
    Center c;
    c.code = code;
    c.name = code;
    catalog.add_center(c);
  }
  return catalog;
}

TEST(CsvRosterTest, ParsesEveryColumn) {
  Catalog catalog = two_centers();
  auto officers = parse_roster_csv(
      "id,center,skills,languages,clearance,capacity,presence,senior\n"
      "ISO-1,FO-HOU,N-400:3;I-485:4,es;zh,secret,3,away,true\n",
      "r.csv", catalog);
  ASSERT_EQ(officers.size(), 1u);
  const Officer& o = officers[0];
  EXPECT_EQ(o.id, "ISO-1");
  EXPECT_EQ(o.center, *catalog.find_center("FO-HOU"));
  EXPECT_EQ(o.level(*catalog.find_skill("N-400")), 3);
  EXPECT_EQ(o.level(*catalog.find_skill("I-485")), 4);
  EXPECT_TRUE(std::is_sorted(o.skills.begin(), o.skills.end()));
  EXPECT_TRUE(o.speaks(*catalog.find_language("es")));
  EXPECT_TRUE(o.speaks(*catalog.find_language("zh")));
  EXPECT_EQ(o.clearance, Clearance::kSecret);
  EXPECT_EQ(o.capacity, 3);
  EXPECT_EQ(o.presence, Presence::kAway);
  EXPECT_TRUE(o.senior);
  EXPECT_EQ(o.load, 0);
}

TEST(CsvRosterTest, ToleratesCommentsBlankLinesCrlfQuotesAndColumnOrder) {
  Catalog catalog = two_centers();
  auto officers = parse_roster_csv(
      "# exported roster\r\n"
      "\r\n"
      "senior,presence,capacity,clearance,languages,skills,center,id\r\n"
      "false,available,2,public_trust,,,VSC,ISO-1\r\n"
      "\n"
      "true,offline,7,top_secret,\"es; vi\",\"I-130:1\",VSC,\"ISO \"\"2\"\"\"\r\n",
      "r.csv", catalog);
  ASSERT_EQ(officers.size(), 2u);
  EXPECT_TRUE(officers[0].skills.empty());
  EXPECT_EQ(officers[0].languages, 0u);
  EXPECT_EQ(officers[1].id, "ISO \"2\"");
  EXPECT_EQ(officers[1].capacity, 7);
  EXPECT_EQ(officers[1].presence, Presence::kOffline);
  EXPECT_TRUE(officers[1].speaks(*catalog.find_language("vi")));
}

TEST(CsvRosterTest, ErrorsNameLineAndColumn) {
  Catalog catalog = two_centers();
  std::string header = "id,center,skills,languages,clearance,capacity,presence,senior\n";
  EXPECT_THAT(config_error([&] {
                parse_roster_csv(header + "A,VSC,I-130:3;I-130:4,,secret,1,away,true\n", "r.csv",
                                 catalog);
              }),
              HasSubstr("r.csv:2: column skills: skill \"I-130\" listed twice"));
  EXPECT_THAT(config_error([&] {
                parse_roster_csv(header + "A,VSC,,,secret,-2,away,true\n", "r.csv", catalog);
              }),
              HasSubstr("r.csv:2: column capacity"));
  EXPECT_THAT(config_error([&] {
                parse_roster_csv(header + "\"A,VSC,,,secret,1,away,true\n", "r.csv", catalog);
              }),
              HasSubstr("r.csv:2: unterminated quoted field"));
  EXPECT_THAT(config_error([&] { parse_roster_csv("# nothing\n", "r.csv", catalog); }),
              HasSubstr("empty roster"));
}

TEST(CsvRosterTest, LanguagesBeyondSixtyFourAreAnError) {
  Catalog catalog = two_centers();
  std::string langs;
  for (int i = 0; i < 65; ++i) langs += (i ? ";" : "") + std::string("l") + std::to_string(i);
  EXPECT_THAT(config_error([&] {
                parse_roster_csv(
                    "id,center,skills,languages,clearance,capacity,presence,senior\n"
                    "A,VSC,," +
                        langs + ",secret,1,away,true\n",
                    "r.csv", catalog);
              }),
              HasSubstr("r.csv:2: column languages: too many languages"));
}

TEST(CsvRosterTest, TwentyThousandOfficersLoadFromFile) {
  TempDir dir;
  Catalog catalog = two_centers();
  std::string text = "id,center,skills,languages,clearance,capacity,presence,senior\n";
  constexpr int kCount = 20000;
  for (int i = 0; i < kCount; ++i) {
    text += "ISO-" + std::to_string(i) + (i % 2 ? ",VSC," : ",FO-HOU,") +
            "I-130:" + std::to_string(i % 5 + 1) + ";N-400:2," + (i % 3 ? "es" : "") +
            ",public_trust," + std::to_string(i % 8 + 1) + ",available," +
            (i % 10 ? "false" : "true") + "\n";
  }
  auto officers = load_roster(dir.write("big.csv", text), catalog);
  ASSERT_EQ(officers.size(), static_cast<std::size_t>(kCount));
  SkillId i130 = *catalog.find_skill("I-130");
  for (int i = 0; i < kCount; i += 997) {
    const Officer& o = officers[static_cast<std::size_t>(i)];
    EXPECT_EQ(o.id, "ISO-" + std::to_string(i));
    EXPECT_EQ(o.level(i130), i % 5 + 1);
    EXPECT_EQ(o.capacity, i % 8 + 1);
    EXPECT_EQ(o.senior, i % 10 == 0);
  }
  EXPECT_EQ(catalog.skill_count(), 2u);
  EXPECT_EQ(catalog.language_count(), 1u);
}

}  // namespace
}  // namespace docket::config
