#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/core/officer.h"
#include "yaml_reader.h"

/// The parsers behind the public load_* functions, taking text already read so that the
/// national loader can name the line that referred to a file when that file cannot be read.
namespace docket::config::detail {

void parse_centers(std::string_view text, const std::string& name, Catalog& catalog);
void parse_forms(std::string_view text, const std::string& name, Catalog& catalog);
/// Dispatches on the extension of `file` (.csv, .yaml, .yml); `name` is used in messages.
std::vector<Officer> parse_roster(std::string_view text, const std::filesystem::path& file,
                                  const std::string& name, Catalog& catalog);

/// A bullseye ladder: a list of {slack_days, levels}, slack_days strictly decreasing.
std::vector<SkillRelaxation> read_relaxation(const Source& src, const YAML::Node& node,
                                             std::string_view path);

}  // namespace docket::config::detail
