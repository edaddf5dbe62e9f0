#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/types.h"

/// Small text routines shared by the YAML and CSV readers. The parse_* functions are strict: they
/// accept the whole input or nothing, so "12abc" is never read as 12.
namespace docket::config::detail {

/// Reads a whole file. Throws ConfigError naming the file (and `referrer`, a "file:line:col:
/// field" prefix of whoever named it, when not empty) if it cannot be read.
std::string read_text_file(const std::filesystem::path& file, std::string_view referrer = {});

std::optional<std::int64_t> parse_int(std::string_view s);
std::optional<double> parse_double(std::string_view s);
/// Accepts true/false only.
std::optional<bool> parse_bool(std::string_view s);

/// The value in double quotes, with control characters escaped and long values shortened, for
/// "got ..." in messages.
std::string quote(std::string_view s);
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

/// The spellings of every value of an enum with `count` values, for "expected one of ...".
template <typename E>
std::vector<std::string> enum_names(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.emplace_back(to_string(static_cast<E>(i)));
  return names;
}

}  // namespace docket::config::detail
