#pragma once

#include <string_view>

#include "docket/core/case.h"
#include "docket/core/catalog.h"
#include "docket/core/officer.h"

namespace docket::matching {

/// Why an officer may not take a case. kEligible means nothing stands in the way.
enum class Ineligibility : std::uint8_t {
  kEligible,
  kAbsent,        ///< The officer is away or offline.
  kSkill,         ///< Not certified for the form.
  kLevel,         ///< Certified, but below the level required (after bullseye relaxation).
  kLanguage,      ///< Does not speak the language the case needs.
  kClearance,     ///< Clearance tier below the case's track.
  kJurisdiction,  ///< Interview case outside its field office, or another center not allowed.
  kExcluded,      ///< Recused, or the deciding officer of a case under QA review.
  kNotSenior,     ///< A QA review needs a senior officer.
};
inline constexpr int kIneligibilityCount = 9;
std::string_view to_string(Ineligibility why);

/// The situation a case is judged in: how far its skill requirement is relaxed, and whether
/// it may leave its center, both of which depend on its slack (bullseye routing).
struct Relaxation {
  int levels = 0;             ///< Levels below the form minimum that are accepted.
  bool cross_center = false;  ///< An officer of another center may take it.
};

/// Where a case is worked: an interview case at the applicant's field office (its center when
/// none is recorded), any other case at its center.
CenterId home_office(const FormPolicy& form, CenterId center, CenterId field_office);

/// The minimum level a case requires before relaxation: the case's override, else the form's.
int required_level(const Case& c, const FormPolicy& form);

/// Relaxation for a case with `slack_days` of slack left, from the form's ladder (or the
/// scheduler-wide one when the form sets none) and the cross-center threshold (-1 = never).
Relaxation relaxation_for(int slack_days, const FormPolicy& form,
                          const std::vector<SkillRelaxation>& default_ladder,
                          int cross_center_slack_days);

/// The hard filter of design.md, the one rule every part of the scheduler agrees on. Presence is
/// checked, capacity is not (the caller knows the officer's load). The first failing reason is
/// returned, in the order of the enum.
Ineligibility check(const Case& c, const FormPolicy& form, const Officer& officer, OfficerId id,
                    Relaxation relax);

/// check() but for presence: what the officer's standing (skills, languages, clearance, center,
/// seniority) and the case's exclusions decide, which changes only with the roster. Never
/// returns kAbsent.
Ineligibility check_standing(const Case& c, const FormPolicy& form, const Officer& officer,
                             OfficerId id, Relaxation relax);

}  // namespace docket::matching
