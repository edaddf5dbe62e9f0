#include "cost_models/affinity.h"

namespace docket::matching {

Cost AffinityCostModel::to_group(const CaseNodeView& node, const GroupView& /*group*/) const {
  return node.has_preferred ? kPenalty : 0;
}

}  // namespace docket::matching
