#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "docket/core/types.h"

namespace docket {

/// A certification and the proficiency (1-5) an officer holds in it.
struct SkillLevel {
  SkillId skill = 0;
  std::uint8_t level = 0;
  auto operator<=>(const SkillLevel&) const = default;
};

/// An Immigration Services Officer as the scheduler sees them.
struct Officer {
  std::string id;                    ///< External id, unique: "ISO-VSC-00001".
  CenterId center = kNoCenter;       ///< Where the officer works.
  std::vector<SkillLevel> skills;    ///< Sorted by skill id, one entry per skill.
  std::uint64_t languages = 0;       ///< Bit i set = speaks the language with id i.
  Clearance clearance = Clearance::kPublicTrust;
  int capacity = 1;                  ///< Concurrent cases the officer may hold.
  Presence presence = Presence::kAvailable;
  bool senior = false;               ///< May review other officers' decisions (QA).
  int load = 0;                      ///< Cases currently offered to or held by the officer.
  /// Taken off the roster (officer.remove): offline for good. The id stays, so that the cases'
  /// histories still name the officer and the id is not given to someone else.
  bool removed = false;

  /// The officer's level in a skill, or 0 if not certified.
  int level(SkillId skill) const {
    auto it = std::lower_bound(skills.begin(), skills.end(), SkillLevel{skill, 0},
                               [](const SkillLevel& a, const SkillLevel& b) { return a.skill < b.skill; });
    return it != skills.end() && it->skill == skill ? it->level : 0;
  }
  bool speaks(LanguageId lang) const {
    return lang == kNoLanguage || (languages >> lang & 1U) != 0;
  }
  int free_slots() const {
    return presence == Presence::kAvailable ? std::max(0, capacity - load) : 0;
  }
};

}  // namespace docket
