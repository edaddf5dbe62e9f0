#pragma once

#include "docket/matching/policy.h"

namespace docket::matching {

/// Greedy earliest deadline first: takes queued cases in global deadline order and gives each
/// to the first eligible officer with room (lowest sufficient level first, local center before
/// others), until no officer has room. It applies the same hard filter and bullseye relaxation
/// as the min-cost flow, but looks at one case at a time, so an early case can take the only
/// officer a later, harder case could have used.
class GreedyEdfPolicy final : public Policy {
 public:
  std::string_view name() const override { return "greedy-edf"; }
  RoundPlan plan(Matcher& matcher) override;
};

}  // namespace docket::matching
