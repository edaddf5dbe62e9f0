#include "docket/core/types.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace docket {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string dashed(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

// Checks to_string/parse round trips for enum values 0..count-1, in every accepted spelling.
template <typename E, typename Parse>
void expect_round_trips(int count, Parse parse) {
  for (int i = 0; i < count; ++i) {
    auto value = static_cast<E>(i);
    std::string_view name = to_string(value);
    ASSERT_FALSE(name.empty()) << i;
    EXPECT_EQ(parse(name), value) << name;
    EXPECT_EQ(parse(upper(name)), value) << name;
    EXPECT_EQ(parse(dashed(name)), value) << name;
    EXPECT_EQ(parse(upper(dashed(name))), value) << name;
    EXPECT_FALSE(parse(std::string(name) + "x").has_value()) << name;
    EXPECT_FALSE(parse(" " + std::string(name)).has_value()) << name;
  }
}

TEST(TypesTest, PriorityRoundTrips) {
  expect_round_trips<Priority>(kPriorityCount, parse_priority);
  EXPECT_EQ(to_string(Priority::kNormal), "normal");
  EXPECT_EQ(to_string(Priority::kExpedite), "expedite");
  EXPECT_EQ(to_string(Priority::kPremium), "premium");
  EXPECT_EQ(to_string(Priority::kLitigation), "litigation");
}

TEST(TypesTest, CaseStateRoundTrips) {
  expect_round_trips<CaseState>(kCaseStateCount, parse_case_state);
  EXPECT_EQ(to_string(CaseState::kRfePending), "rfe_pending");
  EXPECT_EQ(to_string(CaseState::kQaReview), "qa_review");
  EXPECT_EQ(to_string(CaseState::kDecided), "decided");
  EXPECT_EQ(parse_case_state("RFE-Pending"), CaseState::kRfePending);
  EXPECT_EQ(parse_case_state("on-hold"), CaseState::kOnHold);
}

TEST(TypesTest, PresenceRoundTrips) {
  expect_round_trips<Presence>(3, parse_presence);
  EXPECT_EQ(to_string(Presence::kOffline), "offline");
}

TEST(TypesTest, CenterKindRoundTrips) {
  expect_round_trips<CenterKind>(4, parse_center_kind);
  EXPECT_EQ(to_string(CenterKind::kFieldOffice), "field_office");
  EXPECT_EQ(parse_center_kind("Service-Center"), CenterKind::kServiceCenter);
}

TEST(TypesTest, ClearanceRoundTrips) {
  expect_round_trips<Clearance>(3, parse_clearance);
  EXPECT_EQ(to_string(Clearance::kTopSecret), "top_secret");
}

TEST(TypesTest, OutcomeRoundTrips) {
  expect_round_trips<Outcome>(5, parse_outcome);
  EXPECT_EQ(to_string(Outcome::kRequestEvidence), "request_evidence");
  EXPECT_EQ(parse_outcome("REQUEST-EVIDENCE"), Outcome::kRequestEvidence);
}

TEST(TypesTest, BadNamesGiveEmptyOptional) {
  EXPECT_FALSE(parse_priority("").has_value());
  EXPECT_FALSE(parse_priority("urgent").has_value());
  EXPECT_FALSE(parse_priority("normal ").has_value());
  EXPECT_FALSE(parse_case_state("rfe pending").has_value());
  EXPECT_FALSE(parse_case_state("rfepending").has_value());
  EXPECT_FALSE(parse_presence("busy").has_value());
  EXPECT_FALSE(parse_center_kind("service").has_value());
  EXPECT_FALSE(parse_clearance("confidential").has_value());
  EXPECT_FALSE(parse_outcome("approved").has_value());
  EXPECT_FALSE(parse_outcome("2").has_value());
}

TEST(TypesTest, OrderedEnumsCompareByUrgencyAndTier) {
  EXPECT_LT(Priority::kNormal, Priority::kExpedite);
  EXPECT_LT(Priority::kExpedite, Priority::kPremium);
  EXPECT_LT(Priority::kPremium, Priority::kLitigation);
  EXPECT_LT(Clearance::kPublicTrust, Clearance::kSecret);
  EXPECT_LT(Clearance::kSecret, Clearance::kTopSecret);
}

TEST(TypesTest, SentinelIdsAreOutsideTheDenseRange) {
  EXPECT_GE(kNoLanguage, kMaxLanguages);
  EXPECT_EQ(kNoCenter, std::numeric_limits<CenterId>::max());
  EXPECT_EQ(kNoOfficer, std::numeric_limits<OfficerId>::max());
}

}  // namespace
}  // namespace docket

namespace docket {
namespace {

TEST(DateTextTest, WritesAndReadsIsoDates) {
  const Date d{std::chrono::year{2027}, std::chrono::month{12}, std::chrono::day{31}};
  EXPECT_EQ(to_string(d), "2027-12-31");
  EXPECT_EQ(parse_date("2027-12-31"), d);
  EXPECT_EQ(parse_date("2024-02-29"),
            (Date{std::chrono::year{2024}, std::chrono::month{2}, std::chrono::day{29}}));
  for (const char* bad : {"2026-02-30", "2025-02-29", "2026-13-01", "2026-1-01", "2026/01/01",
                          "26-01-01", "2026-01-01x", "", "-026-01-01"}) {
    EXPECT_FALSE(parse_date(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace docket
