#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "docket/matching/matcher.h"

namespace docket::dispatch {

/// Plans offers for a short queue without building the round's graph (docs/architecture.md,
/// "Dispatch"): every queued case, class by class in earliest-deadline order, goes to an officer
/// who passes the hard filter (matching::check, with the relaxation the round would grant it)
/// and has a free slot: its preferred officer when that one qualifies, else the one who needs the
/// least relaxation of level, then the least loaded, then the lowest id. A class stops at its
/// first case nobody can take, so that no later case of the class overtakes it (invariant 4).
///
/// It changes nothing: the plan is applied like a round's (Matcher::apply). A planner keeps,
/// from one call to the next, the officers whose standing (matching::check_standing) admits each
/// class at each relaxation, until the roster changes (Matcher::roster_version); presence and
/// load are checked at every call. So a case costs O(officers who could take it) instead of
/// O(officers of its office), and the caller still keeps it for short queues, leaving the global
/// optimum to the full round (Matcher::plan_round) when the queue is long. Past building a class's
/// standing list, a call does not walk the roster, so its plan's stats.free_slots is 0 (not
/// counted).
class ShortQueuePlanner {
 public:
  /// Returns no assignment when `max_queued` is 0 or more than `max_queued` cases are queued.
  matching::RoundPlan plan(matching::Matcher& matcher, std::size_t max_queued);

 private:
  struct Key {
    matching::ClassKey klass;
    int levels = 0;
    bool cross_center = false;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  std::unordered_map<Key, std::vector<OfficerId>, KeyHash> standing_;
  std::uint64_t roster_version_ = 0;
  const matching::Matcher* matcher_ = nullptr;
  std::vector<int> taken_;          // Slots the last plan used, by officer (0 for the others).
  std::vector<OfficerId> touched_;  // Officers whose taken_ the last plan made non-zero.
};

/// One plan with a planner of its own (nothing kept between calls).
matching::RoundPlan plan_short_queue(matching::Matcher& matcher, std::size_t max_queued);

}  // namespace docket::dispatch
