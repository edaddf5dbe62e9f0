#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/types.h"
#include "docket/matching/matcher.h"
#include "docket/metrics/agency.h"
#include "docket/rebalance/options.h"
#include "docket/rebalance/plan.h"
#include "docket/store/case_store.h"
#include "docket/store/redis.h"

namespace docket::rebalance {

struct RebalanceMetrics;

/// What an apply (or resume) did.
struct ApplyReport {
  std::string plan_id;
  std::int64_t moved = 0;    ///< Cases this call moved (or found moved and completed).
  std::int64_t already = 0;  ///< Cases the journal showed done before this call.
  /// Cases left where they are: no longer queued at the source (decided, offered, on hold,
  /// moved elsewhere), with the reason for each, "<receipt>: <why>".
  std::vector<std::string> skipped;
  bool complete = false;     ///< Every case of the plan is done or skipped.
};

/// The Redis key of a plan's apply journal: "<store prefix>:rebalance:<plan id>", a hash holding
/// the plan ("plan"), its status ("status": applying, done) and one field per case handled
/// (receipt -> "done" or "skip:<why>").
std::string journal_key(const store::CaseStore& store, std::string_view plan_id);

/// Applies a plan. Each case moves with CaseStore::transfer (two idempotent steps, audited with
/// the plan's id, idempotency key "rebalance:<plan id>:<receipt>"); then the matcher withdraws it
/// from the source queue and queues it at the destination (an interview case's field office
/// follows it); then the journal records it. Cases no longer queued at their source are skipped.
/// Applying a plan twice moves nothing the second time. Throws InvalidArgument for a plan that
/// names an unknown center or form, or a stale one (created more than max_plan_age_seconds ago
/// by the matcher's clock, and never started); IoError when Redis fails (resume() then finishes).
///
/// With `agency`, each case the matcher moves is reported as AgencyMetrics documents a move:
/// (queued -> transferred) at the source, then (transferred -> queued) at the destination, so
/// that docket_backlog_cases follows the index center by center.
ApplyReport apply(const Plan& plan, store::CaseStore& store, store::RedisConnection& redis,
                  matching::Matcher& matcher, const Options& options = {},
                  RebalanceMetrics* metrics = nullptr, metrics::AgencyMetrics* agency = nullptr);

/// Finishes an apply cut short (a crash, a lost connection): the plan comes from its journal,
/// cases the journal shows done are brought into the matcher if it does not have them at their
/// destination yet, and the rest are moved as apply() does. Exactly once: the store's idempotency
/// keys and state checks make a repeated step answer instead of reapplying. Throws
/// InvalidArgument when no journal exists for the id. `agency` as for apply().
ApplyReport resume(std::string_view plan_id, store::CaseStore& store, store::RedisConnection& redis,
                   matching::Matcher& matcher, const Options& options = {},
                   RebalanceMetrics* metrics = nullptr, metrics::AgencyMetrics* agency = nullptr);

/// Ids of plans whose journal says they were started and not finished (for recovery at start).
std::vector<std::string> unfinished_plans(const store::CaseStore& store,
                                          store::RedisConnection& redis);

/// A drained center: the plan (kind "drain") and what applying it did.
struct DrainCenterReport {
  Plan plan;
  ApplyReport applied;
};

/// Drains a center: plans with the center's capacity at zero and every case that may leave
/// leaving (Options::drain_centers plus this one), then applies the plan. Cases that cannot leave
/// (interview cases with no other office in their district, forms that may not move) stay and
/// are counted as stranded. Offered and assigned cases stay with their officers (the dispatcher's
/// `drain --officer` returns an officer's). Throws InvalidArgument for an unknown center, and what
/// plan() and apply() throw. `agency` as for apply().
DrainCenterReport drain_center(std::string_view center, store::CaseStore& store,
                               store::RedisConnection& redis, matching::Matcher& matcher,
                               Options options = {}, RebalanceMetrics* metrics = nullptr,
                               metrics::AgencyMetrics* agency = nullptr);

}  // namespace docket::rebalance
