#pragma once

#include "docket/matching/cost_model.h"

namespace docket::matching {

/// Affinity: a case that returns from a request for evidence prefers the officer who sent it,
/// who already knows the file. Going anywhere else costs kPenalty per case; the direct arc to
/// the preferred officer costs nothing.
class AffinityCostModel final : public CostModel {
 public:
  static constexpr Cost kPenalty = 500;
  std::string_view name() const override { return "affinity"; }
  Cost to_group(const CaseNodeView& node, const GroupView& group) const override;
};

}  // namespace docket::matching
