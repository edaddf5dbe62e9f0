#include "cost_models/skill_fit.h"

namespace docket::matching {

Cost SkillFitCostModel::to_pool(const GroupView& group, const PoolView& pool) const {
  if (pool.level < group.required_level) {
    return kPerLevelBelow * (group.required_level - pool.level);
  }
  return kPerLevelAbove * (pool.level - group.required_level);
}

}  // namespace docket::matching
