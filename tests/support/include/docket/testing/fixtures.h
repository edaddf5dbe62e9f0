#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "docket/core/case.h"
#include "docket/core/catalog.h"
#include "docket/core/clock.h"
#include "docket/core/officer.h"

namespace docket::testing {

/// 2026-03-02T15:00:00Z, a Monday: the instant tests start at.
TimePoint test_epoch();

/// A small catalog with two service centers (VSC, CSC), a field office (FO-HOU) and four forms:
/// I-130 (skill i130, level 2), I-129 (skill i129, level 3, premium 15 business days),
/// I-485 (skill i485, level 3, interview), N-400 (skill n400, level 2, interview).
/// Languages: es, zh.
Catalog small_catalog();

/// Builds a case. Receipt numbers are EAC + `n` zero-padded; the deadline is `received + days`.
Case make_case(const Catalog& cat, std::uint64_t n, std::string_view form, std::string_view center,
               TimePoint received, int deadline_days, Priority priority = Priority::kNormal);

/// Builds an officer: skills as {"i130", 3}, ...
Officer make_officer(const Catalog& cat, std::string id, std::string_view center,
                     std::vector<std::pair<std::string, int>> skills, int capacity = 1);

/// A reproducible random instance over small_catalog(): cases with random forms, centers,
/// priorities, languages and deadlines around `now`; officers with random skills, levels,
/// languages, capacities, loads and presence.
struct RandomInstance {
  std::vector<Case> cases;
  std::vector<Officer> officers;
};
RandomInstance random_instance(const Catalog& cat, std::uint64_t seed, int cases, int officers,
                               TimePoint now);

}  // namespace docket::testing
