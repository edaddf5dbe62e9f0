#include "docket/core/catalog.h"

#include <gtest/gtest.h>

#include <string>

#include "docket/core/error.h"

namespace docket {
namespace {

using Prefix = ReceiptNumber::Prefix;

Center make_center(std::string code, std::vector<Prefix> prefixes = {}) {
  Center c;
  c.code = std::move(code);
  c.name = c.code + " name";
  c.timezone = "America/New_York";
  c.receipt_prefixes = std::move(prefixes);
  return c;
}

FormPolicy make_form(std::string code) {
  FormPolicy f;
  f.code = std::move(code);
  return f;
}

TEST(CatalogTest, InterningSkillsGivesDenseStableIds) {
  Catalog cat;
  SkillId i485 = cat.intern_skill("i485-adjudication");
  SkillId n400 = cat.intern_skill("n400-adjudication");
  EXPECT_EQ(i485, 0);
  EXPECT_EQ(n400, 1);
  EXPECT_EQ(cat.intern_skill("i485-adjudication"), i485);
  EXPECT_EQ(cat.skill_count(), 2u);
  EXPECT_EQ(cat.skill_name(n400), "n400-adjudication");
  EXPECT_EQ(cat.find_skill("n400-adjudication"), n400);
}

TEST(CatalogTest, InterningLanguagesGivesDenseStableIds) {
  Catalog cat;
  LanguageId es = cat.intern_language("Spanish");
  LanguageId zh = cat.intern_language("Mandarin");
  EXPECT_EQ(es, 0);
  EXPECT_EQ(zh, 1);
  EXPECT_EQ(cat.intern_language("Spanish"), es);
  EXPECT_EQ(cat.language_count(), 2u);
  EXPECT_EQ(cat.language_name(zh), "Mandarin");
  EXPECT_EQ(cat.find_language("Mandarin"), zh);
}

TEST(CatalogTest, FindOnUnknownNamesIsEmpty) {
  Catalog cat;
  cat.intern_skill("i485-adjudication");
  cat.intern_language("Spanish");
  cat.add_center(make_center("VSC", {Prefix::kEAC}));
  cat.add_form(make_form("I-485"));
  EXPECT_FALSE(cat.find_skill("fraud-detection").has_value());
  EXPECT_FALSE(cat.find_language("Klingon").has_value());
  EXPECT_FALSE(cat.find_center("XSC").has_value());
  EXPECT_FALSE(cat.find_form("I-999").has_value());
  // Lookups are exact: no case folding.
  EXPECT_FALSE(cat.find_center("vsc").has_value());
  EXPECT_FALSE(cat.find_skill("").has_value());
}

TEST(CatalogTest, LanguagesAreLimitedToSixtyFour) {
  Catalog cat;
  for (int i = 0; i < kMaxLanguages; ++i) {
    EXPECT_EQ(cat.intern_language("lang-" + std::to_string(i)), i);
  }
  EXPECT_EQ(cat.language_count(), 64u);
  EXPECT_THROW(cat.intern_language("one-too-many"), InvalidArgument);
  EXPECT_EQ(cat.language_count(), 64u);
  EXPECT_FALSE(cat.find_language("one-too-many").has_value());
  // Languages already known are still found at the limit.
  EXPECT_EQ(cat.intern_language("lang-63"), 63);
}

TEST(CatalogTest, AddCenterAssignsIdsAndPrefixes) {
  Catalog cat;
  CenterId vsc = cat.add_center(make_center("VSC", {Prefix::kEAC}));
  CenterId csc = cat.add_center(make_center("CSC", {Prefix::kWAC}));
  CenterId hart = cat.add_center(make_center("HART"));
  EXPECT_EQ(vsc, 0);
  EXPECT_EQ(csc, 1);
  EXPECT_EQ(hart, 2);
  EXPECT_EQ(cat.center(csc).id, csc);
  EXPECT_EQ(cat.center(csc).code, "CSC");
  EXPECT_EQ(cat.centers().size(), 3u);
  EXPECT_EQ(cat.find_center("HART"), hart);
  EXPECT_EQ(cat.center_for_prefix(Prefix::kEAC), vsc);
  EXPECT_EQ(cat.center_for_prefix(Prefix::kWAC), csc);
  EXPECT_FALSE(cat.center_for_prefix(Prefix::kLIN).has_value());
}

TEST(CatalogTest, CenterForPrefixIsEmptyBeforeAnyCenter) {
  Catalog cat;
  EXPECT_FALSE(cat.center_for_prefix(Prefix::kEAC).has_value());
}

TEST(CatalogTest, DuplicateCenterCodeThrows) {
  Catalog cat;
  cat.add_center(make_center("VSC", {Prefix::kEAC}));
  EXPECT_THROW(cat.add_center(make_center("VSC")), InvalidArgument);
  EXPECT_EQ(cat.centers().size(), 1u);
}

TEST(CatalogTest, TwoCentersClaimingOnePrefixThrows) {
  Catalog cat;
  cat.add_center(make_center("VSC", {Prefix::kEAC}));
  try {
    cat.add_center(make_center("PSC", {Prefix::kEAC}));
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("EAC"), std::string::npos) << what;
    EXPECT_NE(what.find("VSC"), std::string::npos) << what;
    EXPECT_NE(what.find("PSC"), std::string::npos) << what;
  }
  EXPECT_EQ(cat.centers().size(), 1u);
  EXPECT_FALSE(cat.find_center("PSC").has_value());
  EXPECT_EQ(cat.center_for_prefix(Prefix::kEAC), 0);
}

TEST(CatalogTest, AddFormAssignsIdsAndRejectsDuplicates) {
  Catalog cat;
  FormPolicy i129 = make_form("I-129");
  i129.premium_business_days = 15;
  FormId a = cat.add_form(i129);
  FormId b = cat.add_form(make_form("N-400"));
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(cat.form(a).id, a);
  EXPECT_EQ(cat.form(a).premium_business_days, 15);
  EXPECT_EQ(cat.find_form("N-400"), b);
  EXPECT_EQ(cat.forms().size(), 2u);
  EXPECT_THROW(cat.add_form(make_form("I-129")), InvalidArgument);
  EXPECT_EQ(cat.forms().size(), 2u);
}

}  // namespace
}  // namespace docket

namespace docket {
namespace {

TEST(CatalogPrefixTest, RefusedCenterLeavesNoPrefixBehind) {
  Catalog cat;
  cat.add_center({kNoCenter, "VSC", "Vermont", CenterKind::kServiceCenter, "America/New_York", "",
                  {ReceiptNumber::Prefix::kEAC}});
  EXPECT_THROW(cat.add_center({kNoCenter, "PSC", "Potomac", CenterKind::kServiceCenter,
                               "America/New_York", "",
                               {ReceiptNumber::Prefix::kYSC, ReceiptNumber::Prefix::kEAC}}),
               InvalidArgument);
  EXPECT_FALSE(cat.center_for_prefix(ReceiptNumber::Prefix::kYSC).has_value());
  EXPECT_THROW(cat.add_center({kNoCenter, "NSC", "Nebraska", CenterKind::kServiceCenter,
                               "America/Chicago", "",
                               {ReceiptNumber::Prefix::kLIN, ReceiptNumber::Prefix::kLIN}}),
               InvalidArgument);
  EXPECT_NO_THROW(cat.add_center({kNoCenter, "PSC", "Potomac", CenterKind::kServiceCenter,
                                  "America/New_York", "", {ReceiptNumber::Prefix::kYSC}}));
}

TEST(ReceiptPackedTest, FromPackedRejectsImpossiblePrefix) {
  EXPECT_THROW(ReceiptNumber::from_packed((std::uint64_t{256} << 34) | 42), InvalidArgument);
  EXPECT_THROW(ReceiptNumber::from_packed(std::uint64_t{7} << 34), InvalidArgument);
}

}  // namespace
}  // namespace docket
