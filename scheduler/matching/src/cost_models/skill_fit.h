#pragma once

#include "docket/matching/cost_model.h"

namespace docket::matching {

/// Skill fit: an officer far above the required level costs a little more (keep senior officers
/// for the work only they can do), and an officer below the form's own minimum, eligible only
/// through bullseye relaxation, costs much more (a last resort before a deadline is missed).
class SkillFitCostModel final : public CostModel {
 public:
  static constexpr Cost kPerLevelAbove = 10;
  static constexpr Cost kPerLevelBelow = 400;
  std::string_view name() const override { return "skill-fit"; }
  Cost to_pool(const GroupView& group, const PoolView& pool) const override;
};

}  // namespace docket::matching
