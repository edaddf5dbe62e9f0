// OfferWriter: the OFFER text written straight from the index is what the <case> JSON object
// serialises to, so that clients see the same bytes whichever way it was made.

#include "docket/dispatch/offer_writer.h"

#include <gtest/gtest.h>

#include "docket/testing/fixtures.h"

namespace docket::dispatch {
namespace {

using matching::Matcher;

TEST(OfferWriter, WritesWhatTheCaseObjectSerialisesTo) {
  Catalog cat = testing::small_catalog();
  ManualClock clock(testing::test_epoch());
  Matcher m(cat, matching::Options{}, clock);
  auto inst = testing::random_instance(cat, 3, 60, 12, clock.now());
  // An officer id that JSON must escape, to check the quoting.
  inst.officers.front().id = "ISO \"Q\" \\ 1";
  for (auto& o : inst.officers) m.add_officer(o);
  for (auto& c : inst.cases) m.enqueue(c);
  // Offer some cases, so that officers, states and epochs vary.
  auto plan = m.plan_round();
  ASSERT_FALSE(plan.assignments.empty());
  m.apply(plan);
  // A case that comes back to the officer who asked for evidence is "returning".
  const auto back = plan.assignments.front();
  m.index().record(*m.index().find(back.receipt)).preferred = back.officer;
  // And one is held by the officer whose id needs escaping.
  m.index().record(*m.index().find(plan.assignments.back().receipt)).officer = 0;

  OfferWriter writer(cat, m);
  std::size_t checked = 0, held = 0, escaped = 0;
  for (std::uint32_t slot = 0; slot < m.index().slots(); ++slot) {
    const auto& rec = m.index().record(slot);
    if (rec.receipt == 0) continue;
    nlohmann::json expected = case_json(cat, m, slot);
    expected["expires"] = 1'800'000'123;
    std::string text = "[";
    writer.append_case(text, slot, 1'800'000'123);
    text += "]";
    EXPECT_EQ(text, "[" + expected.dump() + "]");
    ASSERT_EQ(nlohmann::json::parse(text).at(0), expected);
    ++checked;
    held += rec.officer != kNoOfficer;
    escaped += text.find("ISO \\\"Q\\\" \\\\ 1") != std::string::npos;
  }
  EXPECT_EQ(checked, inst.cases.size());
  EXPECT_GT(held, 0U);
  EXPECT_GE(escaped, 1U);
}

TEST(OfferWriter, StringsAreQuotedAsMessageBodiesAre) {
  const std::vector<std::string> texts = {"EAC2590000001",     "",
                                          "a \"quoted\" name", "back\\slash",
                                          "tab\there",         "caf\xc3\xa9",
                                          "bad \xff utf-8",    std::string("nul\0byte", 8)};
  for (const auto& text : texts) {
    std::string out;
    append_json_string(out, text);
    EXPECT_EQ(out,
              nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        << text;
  }
  std::string n;
  append_json_number(n, -1'234'567'890'123);
  EXPECT_EQ(n, "-1234567890123");
}

}  // namespace
}  // namespace docket::dispatch
