#include "cost_models/deadline_slack.h"

#include <algorithm>

namespace docket::matching {

Cost DeadlineSlackCostModel::unassigned(const CaseNodeView& node) const {
  const Cost slack = std::max(0, node.slack_days);
  return kScale / (1 + slack) + kPriorityStep * static_cast<Cost>(node.priority);
}

}  // namespace docket::matching
