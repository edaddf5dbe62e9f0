#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/calendar.h"
#include "docket/core/catalog.h"
#include "docket/core/officer.h"
#include "docket/matching/options.h"

/// Loading of Docket's national configuration: centers, form policies, the officer roster, the
/// business calendar and the scheduler's tuning. The file formats are described in
/// config/README.md. Every function here reports a bad input as a docket::ConfigError whose
/// message reads `file:line:column: field.path: expected ..., got ...`, so an operator can go
/// straight to the offending line.
namespace docket::config {

/// Environment variables, injectable for tests.
using Environment = std::map<std::string, std::string>;

/// The DOCKET_* variables of this process. Never throws.
Environment process_environment();

/// Everything the scheduler needs to know before the first case arrives.
struct NationalConfig {
  Catalog catalog;
  BusinessCalendar calendar;
  matching::Options scheduler;
  std::vector<Officer> officers;  ///< Index in this vector = OfficerId.
  std::filesystem::path source;   ///< The top-level file loaded.
};

/// Loads a national configuration: a top-level YAML file naming (by paths relative to its own
/// directory) the centers, forms and officers files, plus the `calendar` and `scheduler`
/// sections. Variables of `env` named DOCKET_<SECTION>__<KEY> override values of those sections
/// after the file is read; variables without a double underscore are ignored (they belong to
/// other parts of Docket). Throws ConfigError on a missing or malformed file, an invalid value, an
/// unknown key, a dangling reference or a bad override (the message then names the variable).
NationalConfig load_national_config(const std::filesystem::path& file,
                                    const Environment& env = process_environment());

/// Adds the centers of a centers file (top-level key `centers`) to the catalog. Throws
/// ConfigError on any invalid entry, including an unknown time zone or a duplicate code.
void load_centers(const std::filesystem::path& file, Catalog& catalog);

/// Adds the form policies of a forms file (top-level key `forms`) to the catalog, interning
/// their skills. The centers a form names must already be in the catalog. Throws ConfigError.
void load_forms(const std::filesystem::path& file, Catalog& catalog);

/// Loads an officer roster (CSV or YAML by extension) into officers, resolving names through the
/// catalog (skills/languages are interned; centers must exist). Throws ConfigError, also for an
/// extension other than .csv, .yaml or .yml.
std::vector<Officer> load_roster(const std::filesystem::path& file, Catalog& catalog);

/// Parses roster CSV text; `name` is the file name used in error messages. Throws ConfigError.
std::vector<Officer> parse_roster_csv(std::string_view text, std::string_view name,
                                      Catalog& catalog);

/// Parses roster YAML text (top-level key `officers`); `name` is used in error messages. Throws
/// ConfigError.
std::vector<Officer> parse_roster_yaml(std::string_view text, std::string_view name,
                                       Catalog& catalog);

}  // namespace docket::config
