#include "cost_models/transfer.h"

namespace docket::matching {

Cost TransferCostModel::to_pool(const GroupView& group, const PoolView& pool) const {
  return group.national && pool.center != group.center ? kPerTransfer : 0;
}

}  // namespace docket::matching
