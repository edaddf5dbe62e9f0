#pragma once

#include "docket/matching/cost_model.h"

namespace docket::matching {

/// Transfer cost: moving a case to another center means a transfer notice to the applicant and
/// a file shipment, so an officer of the case's own center is preferred whenever one is free.
class TransferCostModel final : public CostModel {
 public:
  static constexpr Cost kPerTransfer = 1'000;
  std::string_view name() const override { return "transfer"; }
  Cost to_pool(const GroupView& group, const PoolView& pool) const override;
};

}  // namespace docket::matching
