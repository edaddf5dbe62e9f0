#pragma once

#include <string>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/matching/matcher.h"
#include "docket/store/case_store.h"

namespace docket::service {

/// Converts a stored case to the matcher's view, resolving names through the catalog and the
/// matcher's roster. A case waiting for QA review becomes a queued case that needs a senior
/// officer other than the ones excluded. Throws InvalidArgument naming the unknown form, center,
/// language or officer.
Case to_case(const store::StoredCase& s, const Catalog& catalog, const matching::Matcher& matcher);

/// Converts the matcher's view of a case to the stored form (for receiving it).
store::StoredCase to_stored(const Case& c, const Catalog& catalog, const matching::Matcher& matcher);

/// What recovery found.
struct RecoveryStats {
  std::size_t cases = 0;        ///< Records read.
  std::size_t queued = 0;       ///< Back in a queue (queued, or waiting for QA review).
  std::size_t held = 0;         ///< Offered or assigned, with their officers' loads restored.
  std::size_t other = 0;        ///< Tracked in another state (received, RFE out, on hold, ...).
  std::size_t decided = 0;      ///< Decided: left in the store, not in the scheduler's memory.
  std::size_t transferred = 0;  ///< Moved away: the destination center holds them.
  std::size_t resumed_transfers = 0;
  std::size_t requeued = 0;     ///< Held by an officer no longer on the roster: lease lapsed.
  std::vector<std::string> rejected;  ///< Records that could not be restored, with the reason.
  double seconds = 0;
  double restore_seconds = 0;  ///< Of which converting and restoring into the matcher.
};

/// Rebuilds the scheduler's in-memory index from the state of record at start: finishes
/// transfers cut short, then scans every center's case hash (HSCAN in chunks, not one case at a
/// time) and restores each live case into the matcher, so that queues keep their order (deadline
/// and receipt time come from the record) and offers and assignments keep their officers.
/// A record that cannot be decoded or restored is listed in `rejected` (and stays in the store
/// untouched); a case held by an officer who has left the roster has its lease lapse (a
/// lease_expiry transition) and is queued again.
RecoveryStats recover(store::CaseStore& store, const Catalog& catalog, matching::Matcher& matcher);

}  // namespace docket::service
