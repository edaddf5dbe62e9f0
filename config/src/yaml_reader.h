#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// GCC 12 reports a false -Wdangling-pointer inside yaml-cpp 0.7's inlined node code (the
// header's own temporaries, not ours); silence it for that header alone.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "docket/core/types.h"

/// Typed, located reading of yaml-cpp trees. Every failure is a ConfigError that starts with
/// `file:line:column: field.path:`; values that came from an environment override are reported
/// against their variable instead of a line of the file.
namespace docket::config::detail {

/// The file a tree was read from, plus the paths environment overrides replaced.
class Source {
 public:
  explicit Source(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  /// Records that the value at `path` (and everything under it) came from `variable`.
  void add_override(std::string path, std::string variable);

  /// Records where the key of an empty value is: yaml-cpp marks an empty value at the token
  /// after it, which is the next line, so errors about it point at its key instead.
  void note_empty(const YAML::Node& value, const YAML::Mark& key_mark) const;

  /// "file:line:col: path" (or "VARIABLE: path" for an overridden value).
  std::string where(const YAML::Node& at, std::string_view path) const;
  /// Throws ConfigError "<where>: <what>".
  [[noreturn]] void fail(const YAML::Node& at, std::string_view path, std::string_view what) const;
  /// Throws ConfigError "<where>: expected <expected>, got <what the node holds>".
  [[noreturn]] void expected(const YAML::Node& at, std::string_view path,
                             std::string_view expected) const;

 private:
  std::string file_;
  std::vector<std::pair<std::string, std::string>> overrides_;
  mutable std::vector<std::pair<YAML::Node, YAML::Mark>> empty_;
};

/// Parses YAML text. A syntax error becomes a ConfigError naming file, line and column.
YAML::Node parse_yaml(std::string_view text, const std::string& file);

/// What a node holds, for "got ...": a quoted scalar, "a mapping", "a sequence" or "nothing".
std::string describe(const YAML::Node& node);

/// A non-empty string scalar.
std::string read_string(const Source& src, const YAML::Node& node, std::string_view path);
/// An integer in [min, max]; `expected` describes the range in words.
std::int64_t read_int(const Source& src, const YAML::Node& node, std::string_view path,
                      std::int64_t min, std::int64_t max, std::string_view expected);
/// A finite number in [min, max] (or (min, max] when `min_exclusive`).
double read_double(const Source& src, const YAML::Node& node, std::string_view path, double min,
                   double max, std::string_view expected, bool min_exclusive = false);
bool read_bool(const Source& src, const YAML::Node& node, std::string_view path);
Date read_date(const Source& src, const YAML::Node& node, std::string_view path);
/// One of the spellings `parse` accepts; the message lists `names` when it fails.
template <typename E, typename Parse>
E read_enum(const Source& src, const YAML::Node& node, std::string_view path, Parse parse,
            const std::vector<std::string>& names);

/// The items of a sequence, each with its path "path[i]". A missing (null) node is empty.
std::vector<std::pair<YAML::Node, std::string>> read_sequence(const Source& src,
                                                              const YAML::Node& node,
                                                              std::string_view path);

/// A mapping whose keys must all be among `allowed`; unknown and repeated keys are errors, so a
/// misspelt field never silently falls back to its default.
class MapReader {
 public:
  MapReader(const Source& src, const YAML::Node& node, std::string path,
            std::span<const std::string_view> allowed);

  /// The value of `key`, or a null node when absent.
  YAML::Node get(std::string_view key) const;
  /// The value of `key`; throws "missing required field" when absent or empty.
  YAML::Node require(std::string_view key) const;
  bool has(std::string_view key) const;
  /// The path of a field: "forms[3].goal_days".
  std::string path(std::string_view key) const;
  const YAML::Node& node() const { return node_; }

 private:
  const Source& src_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

template <typename E, typename Parse>
E read_enum(const Source& src, const YAML::Node& node, std::string_view path, Parse parse,
            const std::vector<std::string>& names) {
  std::string expected;
  for (const auto& n : names) expected += (expected.empty() ? "one of " : ", ") + n;
  if (!node.IsScalar()) src.expected(node, path, expected);
  auto value = parse(node.Scalar());
  if (!value) src.expected(node, path, expected);
  return *value;
}

}  // namespace docket::config::detail
