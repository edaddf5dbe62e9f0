#pragma once

#include "docket/matching/policy.h"

namespace docket::matching {

/// Docket's policy: the matcher's min-cost flow over equivalence classes.
class MinCostFlowPolicy final : public Policy {
 public:
  std::string_view name() const override { return "min-cost-flow"; }
  RoundPlan plan(Matcher& matcher) override { return matcher.plan_round(); }
};

}  // namespace docket::matching
