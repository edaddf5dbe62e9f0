#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/types.h"

/// Officers for `docketctl officer add`: from flags, or from a roster file in the formats of
/// config/README.md ("Officer roster, CSV" and "Officer roster, YAML"), each turned into the
/// `<officer>` object of docs/protocol.md section 4.
namespace docket::cli {

/// The fields of one officer as read, before checking. Empty strings are absent fields.
struct RawOfficer {
  std::string id;
  std::string center;
  std::vector<std::string> skills;  ///< "FORM:LEVEL" each.
  std::vector<std::string> languages;
  std::string clearance;
  std::string capacity;
  std::string presence;
  std::string senior;  ///< "true" or "false".
};

/// Checks one officer and builds its `<officer>`: id and center present, skills FORM:LEVEL
/// with a level of 1-5, clearance, presence and capacity (>= 1) valid when given. Center and
/// skill names are the scheduler's to check. Throws InvalidArgument naming field and value.
nlohmann::json make_officer(const RawOfficer& raw);

/// Parses "I-485:3" into the skills object ({"I-485": 3}), merging into `skills`. Throws
/// InvalidArgument for a missing colon or a level outside `min_level`-5 (`officer update` passes
/// 0, the level that removes a certification).
void add_skill(nlohmann::json& skills, std::string_view text, int min_level = kMinSkillLevel);

/// One officer of a roster file, or why its entry was refused.
struct OfficerLine {
  std::size_t line = 0;  ///< 1-based line of the entry in the file.
  nlohmann::json value;  ///< The `<officer>`; null when `error` is set.
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Every entry of a roster CSV text (header with the columns id, center, skills, languages,
/// clearance, capacity, presence, senior; `;` between skills and between languages). Throws
/// InvalidArgument for a header that lacks id or center or names an unknown column.
std::vector<OfficerLine> parse_officers_csv(std::string_view text, const std::string& name);
/// Every entry of a roster YAML text (top-level key `officers`). Throws InvalidArgument when
/// the text is not YAML or has no `officers` list.
std::vector<OfficerLine> parse_officers_yaml(std::string_view text, const std::string& name);

}  // namespace docket::cli
