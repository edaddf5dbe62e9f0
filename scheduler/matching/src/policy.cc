#include "docket/matching/policy.h"

#include "policies/fifo_per_center.h"
#include "policies/greedy_edf.h"
#include "policies/min_cost_flow.h"
#include "policies/skills_longest_idle.h"

namespace docket::matching {

Result<std::unique_ptr<Policy>> make_policy(std::string_view name) {
  if (name == "min-cost-flow") return std::unique_ptr<Policy>(new MinCostFlowPolicy());
  if (name == "greedy-edf") return std::unique_ptr<Policy>(new GreedyEdfPolicy());
  if (name == "fifo") return std::unique_ptr<Policy>(new FifoPerCenterPolicy());
  if (name == "skills-longest-idle") return std::unique_ptr<Policy>(new SkillsLongestIdlePolicy());
  std::string known;
  for (const auto& n : policy_names()) known += (known.empty() ? "" : ", ") + n;
  return Result<std::unique_ptr<Policy>>::failure("unknown policy '" + std::string(name) +
                                                  "' (known: " + known + ")");
}

std::vector<std::string> policy_names() { return {"min-cost-flow", "greedy-edf", "fifo", "skills-longest-idle"}; }

}  // namespace docket::matching
