#pragma once

#include <string_view>
#include <vector>

#include "docket/core/case.h"
#include "docket/core/catalog.h"
#include "docket/matching/matcher.h"
#include "docket/store/case_store.h"

namespace docket::service {

/// The `import` transitions that import_cases() records, one per case, in order: for a caller
/// that sends them ahead (CaseStore::send) and reads the answers later.
std::vector<store::Transition> import_transitions(const Catalog& catalog,
                                                  const matching::Matcher& matcher,
                                                  const std::vector<Case>& cases,
                                                  std::string_view actor);

/// Imports cases straight into their queues in the state of record: one `import` transition each,
/// batched and pipelined by the store. A receipt already stored answers kDuplicate and changes
/// nothing, so an interrupted import can simply be run again. Returns one result per case, in
/// order. Throws IoError when Redis cannot be reached.
std::vector<store::TransitionResult> import_cases(store::CaseStore& store, const Catalog& catalog,
                                                  const matching::Matcher& matcher,
                                                  const std::vector<Case>& cases,
                                                  std::string_view actor = "import");

}  // namespace docket::service
