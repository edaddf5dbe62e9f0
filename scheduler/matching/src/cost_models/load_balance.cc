#include "cost_models/load_balance.h"

#include <algorithm>

namespace docket::matching {

Cost LoadBalanceCostModel::load_slot(int load, int capacity) const {
  // Utilization after taking the case, squared: (load + 1)^2 / capacity^2, scaled.
  const Cost c = std::max(1, capacity);
  const Cost u = static_cast<Cost>(load) + 1;
  return kScale * u * u / (c * c);
}

}  // namespace docket::matching
