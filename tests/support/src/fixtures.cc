#include "docket/testing/fixtures.h"

#include <cstdio>

namespace docket::testing {

using std::chrono::days;

TimePoint test_epoch() {
  return std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + std::chrono::hours(15);
}

Catalog small_catalog() {
  Catalog cat;
  cat.intern_language("es");
  cat.intern_language("zh");
  cat.add_center({kNoCenter, "VSC", "Vermont Service Center", CenterKind::kServiceCenter,
                  "America/New_York", "", {ReceiptNumber::Prefix::kEAC}});
  cat.add_center({kNoCenter, "CSC", "California Service Center", CenterKind::kServiceCenter,
                  "America/Los_Angeles", "", {ReceiptNumber::Prefix::kWAC}});
  cat.add_center({kNoCenter, "FO-HOU", "Houston Field Office", CenterKind::kFieldOffice,
                  "America/Chicago", "Houston", {}});
  auto form = [&](std::string code, std::string skill, int level, int goal, bool interview) {
    FormPolicy f;
    f.code = code;
    f.skill = cat.intern_skill(skill);
    f.min_level = level;
    f.goal_days = goal;
    f.interview = interview;
    f.transferable = !interview;
    return f;
  };
  cat.add_form(form("I-130", "i130", 2, 180, false));
  FormPolicy i129 = form("I-129", "i129", 3, 60, false);
  i129.premium_business_days = 15;
  cat.add_form(i129);
  cat.add_form(form("I-485", "i485", 3, 180, true));
  cat.add_form(form("N-400", "n400", 2, 180, true));
  return cat;
}

Case make_case(const Catalog& cat, std::uint64_t n, std::string_view form, std::string_view center,
               TimePoint received, int deadline_days, Priority priority) {
  Case c;
  c.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n);
  c.form = cat.find_form(form).value();
  c.center = cat.find_center(center).value();
  if (cat.form(c.form).interview) c.field_office = c.center;
  c.received = received;
  c.deadline = received + days(deadline_days);
  c.priority = priority;
  c.state = CaseState::kQueued;
  return c;
}

Officer make_officer(const Catalog& cat, std::string id, std::string_view center,
                     std::vector<std::pair<std::string, int>> skills, int capacity) {
  Officer o;
  o.id = std::move(id);
  o.center = cat.find_center(center).value();
  for (const auto& [name, level] : skills) {
    o.skills.push_back({cat.find_skill(name).value(), static_cast<std::uint8_t>(level)});
  }
  std::sort(o.skills.begin(), o.skills.end());
  o.capacity = capacity;
  return o;
}

RandomInstance random_instance(const Catalog& cat, std::uint64_t seed, int cases, int officers,
                               TimePoint now) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  RandomInstance inst;
  const int centers = static_cast<int>(cat.centers().size());
  const int forms = static_cast<int>(cat.forms().size());
  for (int i = 0; i < officers; ++i) {
    Officer o;
    o.id = "ISO-" + std::to_string(seed) + "-" + std::to_string(i);
    o.center = static_cast<CenterId>(uniform(0, centers - 1));
    for (int f = 0; f < forms; ++f) {
      if (chance(0.5)) {
        o.skills.push_back({cat.form(static_cast<FormId>(f)).skill,
                            static_cast<std::uint8_t>(uniform(1, 5))});
      }
    }
    std::sort(o.skills.begin(), o.skills.end());
    o.skills.erase(std::unique(o.skills.begin(), o.skills.end(),
                               [](auto& a, auto& b) { return a.skill == b.skill; }),
                   o.skills.end());
    for (std::size_t l = 0; l < cat.language_count(); ++l) {
      if (chance(0.3)) o.languages |= std::uint64_t{1} << l;
    }
    o.clearance = chance(0.2) ? Clearance::kSecret : Clearance::kPublicTrust;
    o.senior = chance(0.3);
    o.capacity = uniform(1, 3);
    o.load = uniform(0, o.capacity - 1);
    o.presence = chance(0.9) ? Presence::kAvailable : Presence::kAway;
    inst.officers.push_back(std::move(o));
  }
  for (int i = 0; i < cases; ++i) {
    Case c;
    c.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC,
                                    seed % 1000 * 1'000'000 + static_cast<std::uint64_t>(i));
    c.form = static_cast<FormId>(uniform(0, forms - 1));
    c.center = static_cast<CenterId>(uniform(0, centers - 1));
    if (cat.form(c.form).interview) c.field_office = c.center;
    c.priority = static_cast<Priority>(uniform(0, 3));
    c.received = now - days(uniform(0, 400));
    c.deadline = now + days(uniform(-30, 200)) + std::chrono::hours(uniform(0, 23));
    c.language = chance(0.2) ? static_cast<LanguageId>(uniform(0, 1)) : kNoLanguage;
    c.clearance = chance(0.1) ? Clearance::kSecret : Clearance::kPublicTrust;
    if (chance(0.05) && officers > 0) {
      c.excluded.push_back(static_cast<OfficerId>(uniform(0, officers - 1)));
      c.senior_review = true;
    }
    if (chance(0.05) && officers > 0) {
      c.preferred_officer = static_cast<OfficerId>(uniform(0, officers - 1));
    }
    c.state = CaseState::kQueued;
    inst.cases.push_back(std::move(c));
  }
  return inst;
}

}  // namespace docket::testing
