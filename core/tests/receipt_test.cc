#include "docket/core/receipt.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "docket/core/error.h"

namespace docket {
namespace {

using Prefix = ReceiptNumber::Prefix;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ReceiptNumberTest, ParsesValidReceipt) {
  auto r = ReceiptNumber::parse("EAC2590012345");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->prefix(), Prefix::kEAC);
  EXPECT_EQ(r->digits(), 2590012345ULL);
  EXPECT_EQ(r->fiscal_year(), 25);
  EXPECT_EQ(r->str(), "EAC2590012345");
  EXPECT_EQ(ReceiptNumber::parse_error("EAC2590012345"), "");
}

TEST(ReceiptNumberTest, ParsesEveryKnownPrefix) {
  const std::vector<std::pair<std::string, Prefix>> cases = {
      {"EAC", Prefix::kEAC}, {"WAC", Prefix::kWAC}, {"LIN", Prefix::kLIN}, {"SRC", Prefix::kSRC},
      {"MSC", Prefix::kMSC}, {"YSC", Prefix::kYSC}, {"IOE", Prefix::kIOE}};
  for (const auto& [text, prefix] : cases) {
    auto r = ReceiptNumber::parse(text + "0912345678");
    ASSERT_TRUE(r.has_value()) << text;
    EXPECT_EQ(r->prefix(), prefix);
    EXPECT_EQ(ReceiptNumber::prefix_text(prefix), text);
    EXPECT_EQ(r->fiscal_year(), 9);
  }
}

TEST(ReceiptNumberTest, SiteCodesMatchUscisSites) {
  // ../shared/data/uscis_sites.csv
  EXPECT_EQ(ReceiptNumber::site_code(Prefix::kEAC), "VSC");
  EXPECT_EQ(ReceiptNumber::site_code(Prefix::kWAC), "CSC");
  EXPECT_EQ(ReceiptNumber::site_code(Prefix::kLIN), "NSC");
  EXPECT_EQ(ReceiptNumber::site_code(Prefix::kSRC), "TSC");
  EXPECT_EQ(ReceiptNumber::site_code(Prefix::kMSC), "NBC");
  EXPECT_EQ(ReceiptNumber::site_code(Prefix::kYSC), "PSC");
  EXPECT_EQ(ReceiptNumber::site_code(Prefix::kIOE), "ELIS");
}

TEST(ReceiptNumberTest, RejectsWrongLength) {
  for (const char* text : {"", "EAC", "EAC259001234", "EAC25900123456", " EAC2590012345"}) {
    EXPECT_FALSE(ReceiptNumber::parse(text).has_value()) << '"' << text << '"';
    EXPECT_TRUE(contains(ReceiptNumber::parse_error(text), "13 characters")) << text;
  }
  EXPECT_TRUE(contains(ReceiptNumber::parse_error("EAC259001234"), "got 12"));
}

TEST(ReceiptNumberTest, RejectsUnknownPrefix) {
  EXPECT_FALSE(ReceiptNumber::parse("XYZ2590012345").has_value());
  EXPECT_FALSE(ReceiptNumber::parse("1232590012345").has_value());
  std::string why = ReceiptNumber::parse_error("XYZ2590012345");
  EXPECT_TRUE(contains(why, "unknown receipt prefix 'XYZ'")) << why;
}

TEST(ReceiptNumberTest, RejectsNonDigits) {
  for (const char* text : {"EAC25900123A5", "EACX590012345", "EAC259001234 ", "EAC-590012345"}) {
    EXPECT_FALSE(ReceiptNumber::parse(text).has_value()) << text;
    EXPECT_FALSE(ReceiptNumber::parse_error(text).empty()) << text;
  }
  std::string why = ReceiptNumber::parse_error("EAC25900123A5");
  EXPECT_TRUE(contains(why, "digit 9")) << why;
  EXPECT_TRUE(contains(why, "'A'")) << why;
}

TEST(ReceiptNumberTest, StrPadsDigitsToTen) {
  EXPECT_EQ(ReceiptNumber::make(Prefix::kLIN, 42).str(), "LIN0000000042");
  EXPECT_EQ(ReceiptNumber::make(Prefix::kIOE, 0).str(), "IOE0000000000");
  EXPECT_EQ(ReceiptNumber::make(Prefix::kWAC, 9'999'999'999ULL).str(), "WAC9999999999");
}

TEST(ReceiptNumberTest, DefaultIsAllZeroPlaceholder) {
  ReceiptNumber r;
  EXPECT_EQ(r.str(), "EAC0000000000");
  EXPECT_EQ(r.packed(), 0u);
}

TEST(ReceiptNumberTest, MakeRejectsMoreThanTenDigits) {
  EXPECT_THROW(ReceiptNumber::make(Prefix::kEAC, 10'000'000'000ULL), InvalidArgument);
}

TEST(ReceiptNumberTest, RoundTripsThroughStrAndPacked) {
  for (const char* text : {"EAC2590012345", "WAC0000000000", "LIN9999999999", "IOE1234567890",
                           "YSC2500000001", "MSC2491234567", "SRC2612345678"}) {
    auto r = ReceiptNumber::parse(text);
    ASSERT_TRUE(r.has_value()) << text;
    EXPECT_EQ(r->str(), text);
    EXPECT_EQ(ReceiptNumber::parse(r->str()), r);
    ReceiptNumber back = ReceiptNumber::from_packed(r->packed());
    EXPECT_EQ(back, *r);
    EXPECT_EQ(back.str(), text);
  }
}

TEST(ReceiptNumberTest, FromPackedRejectsValuesPackedCannotProduce) {
  const std::uint64_t digit_mask = (std::uint64_t{1} << 34) - 1;
  // A prefix index past the last prefix.
  EXPECT_THROW(ReceiptNumber::from_packed(std::uint64_t{7} << 34), InvalidArgument);
  // Digits that fit in 34 bits but exceed ten decimal digits.
  EXPECT_THROW(ReceiptNumber::from_packed(digit_mask), InvalidArgument);
}

TEST(ReceiptNumberTest, OrdersByPrefixThenDigits) {
  auto a = *ReceiptNumber::parse("EAC2590012345");
  auto b = *ReceiptNumber::parse("EAC2590012346");
  auto c = *ReceiptNumber::parse("WAC0000000001");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);  // EAC sorts before WAC whatever the digits.
  EXPECT_EQ(a, *ReceiptNumber::parse("EAC2590012345"));
  EXPECT_NE(a, b);
}

TEST(ReceiptNumberTest, HashAgreesWithEquality) {
  auto a = *ReceiptNumber::parse("EAC2590012345");
  auto same = *ReceiptNumber::parse("EAC2590012345");
  std::hash<ReceiptNumber> hash;
  EXPECT_EQ(hash(a), hash(same));
  std::unordered_set<ReceiptNumber> set = {a, same, *ReceiptNumber::parse("WAC2590012345"),
                                           *ReceiptNumber::parse("EAC2590012346")};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(set.count(same), 1u);
}

}  // namespace
}  // namespace docket
