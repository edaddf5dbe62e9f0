#include "docket/matching/policy.h"

#include "policies/greedy_edf.h"
#include "policies/min_cost_flow.h"

namespace docket::matching {

Result<std::unique_ptr<Policy>> make_policy(std::string_view name) {
  if (name == "min-cost-flow") return std::unique_ptr<Policy>(new MinCostFlowPolicy());
  if (name == "greedy-edf") return std::unique_ptr<Policy>(new GreedyEdfPolicy());
  std::string known;
  for (const auto& n : policy_names()) known += (known.empty() ? "" : ", ") + n;
  return Result<std::unique_ptr<Policy>>::failure("unknown policy '" + std::string(name) +
                                                  "' (known: " + known + ")");
}

std::vector<std::string> policy_names() { return {"min-cost-flow", "greedy-edf"}; }

}  // namespace docket::matching
