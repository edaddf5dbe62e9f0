#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "docket/core/receipt.h"
#include "docket/core/types.h"

namespace docket {

/// An application or petition, as the scheduler and the store see it.
struct Case {
  ReceiptNumber receipt;
  FormId form = 0;
  std::string category;              ///< Free-form sub-category, e.g. "EB-2" or "IR-1".
  Priority priority = Priority::kNormal;
  TimePoint received{};
  TimePoint deadline{};              ///< Computed from the form policy (see deadline.h).
  std::optional<Date> court_date;    ///< Litigation cases only.
  CenterId center = kNoCenter;       ///< Where the case is now (home center until transferred).
  CenterId field_office = kNoCenter; ///< The applicant's field office, for interview cases.
  LanguageId language = kNoLanguage; ///< Language the officer must speak, if any.
  Clearance clearance = Clearance::kPublicTrust;  ///< Controlled track needs a higher tier.
  std::uint8_t min_level = 0;        ///< Overrides the form's minimum level when nonzero.
  CaseState state = CaseState::kReceived;
  OfficerId officer = kNoOfficer;    ///< The officer holding or offered the case.
  std::uint64_t epoch = 0;           ///< Fencing epoch; bumped whenever ownership changes.
  OfficerId preferred_officer = kNoOfficer;  ///< Affinity, e.g. the officer who sent an RFE.
  std::vector<OfficerId> excluded;   ///< Recusals and separation of duties (never these).
  bool senior_review = false;        ///< A QA review: needs a senior officer, not the decider.
};

}  // namespace docket
