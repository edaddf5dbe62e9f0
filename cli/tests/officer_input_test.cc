#include "docket/cli/officer_input.h"

#include <gtest/gtest.h>

#include "docket/core/error.h"

namespace docket::cli {
namespace {

using nlohmann::json;

TEST(OfficerInput, RosterCsvLinesBecomeOfficersAndBadLinesAreNamed) {
  const std::string csv =
      "# roster\n"
      "id,center,skills,languages,clearance,capacity,presence,senior\n"
      "ISO-VSC-00001,VSC,I-130:3;N-400:2,es;zh,public_trust,5,available,false\n"
      "ISO-VSC-00002,VSC,I-130:7,,public_trust,5,available,false\n"
      "ISO-VSC-00003,VSC,,,secret,0,available,false\n"
      "ISO-VSC-00004,VSC,I-485:4,,top_secret,6,away,true\n";
  const auto lines = parse_officers_csv(csv, "roster.csv");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[0].ok());
  EXPECT_EQ(lines[0].line, 3u);
  EXPECT_EQ(lines[0].value, json::parse(R"({"officer":"ISO-VSC-00001","center":"VSC",
      "skills":{"I-130":3,"N-400":2},"languages":["es","zh"],"clearance":"public_trust",
      "capacity":5,"presence":"available","senior":false})"));
  EXPECT_EQ(lines[1].line, 4u);
  EXPECT_EQ(lines[1].error, "skill 'I-130:7': the level must be 1-5");
  EXPECT_EQ(lines[2].error, "capacity: expected an integer >= 1, got '0'");
  EXPECT_TRUE(lines[3].ok());
  EXPECT_EQ(lines[3].value["senior"], true);
  EXPECT_THROW(parse_officers_csv("name,center\n", "r.csv"), InvalidArgument);
}

TEST(OfficerInput, RosterYamlEntriesCarryTheirLines) {
  const std::string yaml =
      "officers:\n"
      "  - id: ISO-NBC-00001\n"
      "    center: NBC\n"
      "    skills: {N-400: 3}\n"
      "    capacity: 4\n"
      "  - id: ISO-NBC-00002\n"
      "    center: NBC\n"
      "    presence: asleep\n";
  const auto lines = parse_officers_yaml(yaml, "roster.yaml");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].line, 2u);
  EXPECT_EQ(lines[0].value, json::parse(R"({"officer":"ISO-NBC-00001","center":"NBC",
      "skills":{"N-400":3},"languages":[],"capacity":4})"));
  EXPECT_EQ(lines[1].line, 6u);
  EXPECT_EQ(lines[1].error, "presence: expected available, away or offline, got 'asleep'");
  EXPECT_THROW(parse_officers_yaml("people: []\n", "r.yaml"), InvalidArgument);
}

TEST(OfficerInput, SkillsNeedALevel) {
  json skills = json::object();
  add_skill(skills, "I-485:3");
  add_skill(skills, "I-129F:1");
  EXPECT_EQ(skills, json::parse(R"({"I-485":3,"I-129F":1})"));
  EXPECT_THROW(add_skill(skills, "I-485"), InvalidArgument);
  EXPECT_THROW(add_skill(skills, "I-485:0"), InvalidArgument);
  // officer update allows level 0, which removes a certification.
  add_skill(skills, "I-485:0", 0);
  EXPECT_EQ(skills["I-485"], 0);
  EXPECT_THROW(add_skill(skills, "I-485:6", 0), InvalidArgument);
  RawOfficer no_center;
  no_center.id = "ISO-1";
  EXPECT_THROW(make_officer(no_center), InvalidArgument);
}

}  // namespace
}  // namespace docket::cli
