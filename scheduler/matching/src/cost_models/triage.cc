#include "cost_models/triage.h"

#include <algorithm>

#include "docket/core/error.h"

namespace docket::matching {

TriageCostModel::TriageCostModel(TriageOptions options) : options_(options) {
  if (!(options_.hours_per_slack_day > 0)) {
    throw InvalidArgument("triage: hours_per_slack_day must be > 0, got " +
                          std::to_string(options_.hours_per_slack_day));
  }
  if (options_.on_time_window_days < 0) {
    throw InvalidArgument("triage: on_time_window_days must be >= 0, got " +
                          std::to_string(options_.on_time_window_days));
  }
}

bool TriageCostModel::can_be_on_time(const CaseNodeView& node) const {
  if (node.overdue) return false;
  const double effort = node.form != nullptr ? node.form->effort_hours : 0.0;
  const double hours_left = (std::max(0, node.slack_days) + 1) * options_.hours_per_slack_day;
  return effort <= hours_left;
}

Cost TriageCostModel::unassigned(const CaseNodeView& node) const {
  const Cost priority = kPriorityStep * static_cast<Cost>(node.priority);
  if (!can_be_on_time(node)) return kLateBase + priority;
  const Cost slack = std::max(0, node.slack_days);
  const Cost urgency = kScale / (1 + slack) + priority;
  return slack < options_.on_time_window_days ? kOnTimeBase + urgency : urgency;
}

}  // namespace docket::matching
