#pragma once

#include "docket/matching/cost_model.h"

namespace docket::matching {

/// Load balance: each further case on an officer costs more than the last (convex in the
/// officer's utilization), so a round spreads work over officers instead of filling the first
/// ones found; this is Quincy's trick of pricing each slot of a machine separately.
class LoadBalanceCostModel final : public CostModel {
 public:
  static constexpr Cost kScale = 100;
  std::string_view name() const override { return "load-balance"; }
  Cost load_slot(int load, int capacity) const override;
};

}  // namespace docket::matching
