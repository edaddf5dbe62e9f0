#pragma once

#include <cstddef>

#include "docket/matching/matcher.h"

namespace docket::dispatch {

/// Plans offers for a short queue without building the round's graph (docs/architecture.md,
/// "Dispatch"): every queued case, class by class in earliest-deadline order, goes to an officer
/// who passes the hard filter (matching::check, with the relaxation the round would grant it)
/// and has a free slot: its preferred officer when that one qualifies, else the one who needs the
/// least relaxation of level, then the least loaded, then the lowest id. A class stops at its
/// first case nobody can take, so that no later case of the class overtakes it (invariant 4).
///
/// It changes nothing: the plan is applied like a round's (Matcher::apply). It costs
/// O(queued cases x officers of their office), so the caller keeps it for short queues and
/// leaves the global optimum to the full round (Matcher::plan_round) when the queue is long.
/// Returns no assignment when `max_queued` is 0 or more than `max_queued` cases are queued.
matching::RoundPlan plan_short_queue(matching::Matcher& matcher, std::size_t max_queued);

}  // namespace docket::dispatch
