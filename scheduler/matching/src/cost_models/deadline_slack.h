#pragma once

#include "docket/matching/cost_model.h"

namespace docket::matching {

/// Urgency: the cost of leaving a case waiting grows as its slack shrinks, so that when
/// capacity is short the cases closest to (or past) their deadline are assigned first.
/// The cost is kScale / (1 + slack days), plus a step per priority level so that at equal slack
/// litigation outranks premium, premium outranks expedite, expedite outranks normal.
class DeadlineSlackCostModel final : public CostModel {
 public:
  static constexpr Cost kScale = 100'000;
  static constexpr Cost kPriorityStep = 2'000;
  std::string_view name() const override { return "deadline-slack"; }
  Cost unassigned(const CaseNodeView& node) const override;
};

}  // namespace docket::matching
