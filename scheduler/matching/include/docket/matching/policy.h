#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/result.h"
#include "docket/matching/matcher.h"

namespace docket::matching {

/// A way of planning an assignment round over the matcher's queues and officers. Docket's own
/// policy is the min-cost flow; the others are the baselines it is measured against, run on the
/// same state, with the same hard filter, in benchmarks and in the simulator.
class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  /// Plans a round at the matcher's clock; changes no assignment (apply with Matcher::apply).
  virtual RoundPlan plan(Matcher& matcher) = 0;
};

/// Creates a policy by name; an unknown name returns an error listing the known ones.
Result<std::unique_ptr<Policy>> make_policy(std::string_view name);
/// The names make_policy() accepts, Docket's own first.
std::vector<std::string> policy_names();

}  // namespace docket::matching
