#include "docket/matching/eligibility.h"

#include <algorithm>
#include <array>

namespace docket::matching {

std::string_view to_string(Ineligibility why) {
  static constexpr std::array<std::string_view, kIneligibilityCount> kNames = {
      "eligible", "absent",       "skill",    "level",     "language",
      "clearance", "jurisdiction", "excluded", "not_senior"};
  return kNames.at(static_cast<int>(why));
}

CenterId home_office(const FormPolicy& form, CenterId center, CenterId field_office) {
  return form.interview && field_office != kNoCenter ? field_office : center;
}

int required_level(const Case& c, const FormPolicy& form) {
  return c.min_level != 0 ? c.min_level : form.min_level;
}

Relaxation relaxation_for(int slack_days, const FormPolicy& form,
                          const std::vector<SkillRelaxation>& default_ladder,
                          int cross_center_slack_days) {
  const auto& ladder = form.relaxation.empty() ? default_ladder : form.relaxation;
  Relaxation r;
  for (const auto& step : ladder) {
    if (slack_days <= step.slack_days) r.levels = std::max(r.levels, step.levels);
  }
  r.cross_center = form.transferable && !form.interview && cross_center_slack_days >= 0 &&
                   slack_days <= cross_center_slack_days;
  return r;
}

Ineligibility check(const Case& c, const FormPolicy& form, const Officer& officer, OfficerId id,
                    Relaxation relax) {
  if (officer.presence != Presence::kAvailable) return Ineligibility::kAbsent;
  return check_standing(c, form, officer, id, relax);
}

Ineligibility check_standing(const Case& c, const FormPolicy& form, const Officer& officer,
                             OfficerId id, Relaxation relax) {
  const int level = officer.level(form.skill);
  if (level == 0) return Ineligibility::kSkill;
  if (level < std::max(kMinSkillLevel, required_level(c, form) - relax.levels)) {
    return Ineligibility::kLevel;
  }
  if (!officer.speaks(c.language)) return Ineligibility::kLanguage;
  if (officer.clearance < c.clearance) return Ineligibility::kClearance;
  if (form.interview) {
    if (officer.center != home_office(form, c.center, c.field_office)) return Ineligibility::kJurisdiction;
  } else if (officer.center != c.center) {
    const bool allowed_center =
        form.centers.empty() ||
        std::find(form.centers.begin(), form.centers.end(), officer.center) != form.centers.end();
    if (!relax.cross_center || !allowed_center) return Ineligibility::kJurisdiction;
  }
  if (std::find(c.excluded.begin(), c.excluded.end(), id) != c.excluded.end()) {
    return Ineligibility::kExcluded;
  }
  if (c.senior_review && !officer.senior) return Ineligibility::kNotSenior;
  return Ineligibility::kEligible;
}

}  // namespace docket::matching
