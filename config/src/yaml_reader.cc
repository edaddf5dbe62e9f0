#include "yaml_reader.h"

#include <cmath>

#include "docket/core/error.h"
#include "text.h"

namespace docket::config::detail {
namespace {

bool covers(std::string_view prefix, std::string_view path) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

}  // namespace

void Source::add_override(std::string path, std::string variable) {
  overrides_.emplace_back(std::move(path), std::move(variable));
}

void Source::note_empty(const YAML::Node& value, const YAML::Mark& key_mark) const {
  empty_.emplace_back(value, key_mark);
}

std::string Source::where(const YAML::Node& at, std::string_view path) const {
  for (const auto& [prefix, variable] : overrides_) {
    if (covers(prefix, path)) return "environment variable " + variable + ": " + std::string(path);
  }
  std::string out = file_;
  YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  if (at.IsDefined() && at.IsNull()) {
    for (const auto& [value, key_mark] : empty_) {
      if (value.is(at)) mark = key_mark;
    }
  }
  if (!mark.is_null()) {
    out += ':' + std::to_string(mark.line + 1) + ':' + std::to_string(mark.column + 1);
  }
  if (!path.empty()) out += ": " + std::string(path);
  return out;
}

void Source::fail(const YAML::Node& at, std::string_view path, std::string_view what) const {
  throw ConfigError(where(at, path) + ": " + std::string(what));
}

void Source::expected(const YAML::Node& at, std::string_view path,
                      std::string_view expected) const {
  fail(at, path, "expected " + std::string(expected) + ", got " + describe(at));
}

YAML::Node parse_yaml(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string where = file;
    if (!e.mark.is_null()) {
      where += ':' + std::to_string(e.mark.line + 1) + ':' + std::to_string(e.mark.column + 1);
    }
    throw ConfigError(where + ": malformed YAML: " + e.msg);
  }
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsScalar()) return quote(node.Scalar());
  if (node.IsMap()) return "a mapping";
  return "a sequence";
}

std::string read_string(const Source& src, const YAML::Node& node, std::string_view path) {
  if (!node.IsScalar() || node.Scalar().empty()) src.expected(node, path, "a non-empty string");
  return node.Scalar();
}

std::int64_t read_int(const Source& src, const YAML::Node& node, std::string_view path,
                      std::int64_t min, std::int64_t max, std::string_view expected) {
  auto v = node.IsScalar() ? parse_int(node.Scalar()) : std::nullopt;
  if (!v || *v < min || *v > max) src.expected(node, path, expected);
  return *v;
}

double read_double(const Source& src, const YAML::Node& node, std::string_view path, double min,
                   double max, std::string_view expected, bool min_exclusive) {
  auto v = node.IsScalar() ? parse_double(node.Scalar()) : std::nullopt;
  if (!v || !std::isfinite(*v) || *v < min || (min_exclusive && *v == min) || *v > max) {
    src.expected(node, path, expected);
  }
  return *v;
}

bool read_bool(const Source& src, const YAML::Node& node, std::string_view path) {
  auto v = node.IsScalar() ? parse_bool(node.Scalar()) : std::nullopt;
  if (!v) src.expected(node, path, "true or false");
  return *v;
}

Date read_date(const Source& src, const YAML::Node& node, std::string_view path) {
  auto v = node.IsScalar() ? parse_date(node.Scalar()) : std::nullopt;
  if (!v) src.expected(node, path, "a calendar date YYYY-MM-DD");
  return *v;
}

std::vector<std::pair<YAML::Node, std::string>> read_sequence(const Source& src,
                                                              const YAML::Node& node,
                                                              std::string_view path) {
  std::vector<std::pair<YAML::Node, std::string>> items;
  if (!node.IsDefined() || node.IsNull()) return items;
  if (!node.IsSequence()) src.expected(node, path, "a list");
  items.reserve(node.size());
  for (std::size_t i = 0; i < node.size(); ++i) {
    items.emplace_back(node[i], std::string(path) + '[' + std::to_string(i) + ']');
  }
  return items;
}

MapReader::MapReader(const Source& src, const YAML::Node& node, std::string path,
                     std::span<const std::string_view> allowed)
    : src_(src), node_(node), path_(std::move(path)) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) src.expected(node, path_, "a mapping");
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A copy: it->first lives in a proxy that dies with this statement (yaml-cpp iterators).
    const YAML::Node key = it->first;
    if (!key.IsScalar()) src.expected(key, path_, "a field name");
    const std::string& name = key.Scalar();
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) {
      std::vector<std::string> names(allowed.begin(), allowed.end());
      src.fail(key, this->path(name), "unknown field (allowed: " + join(names) + ")");
    }
    for (const auto& [seen, value] : entries_) {
      if (seen == name) src.fail(key, this->path(name), "field given twice");
    }
    if (it->second.IsNull()) src.note_empty(it->second, key.Mark());
    entries_.emplace_back(name, it->second);
  }
}

YAML::Node MapReader::get(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return value;
  }
  return YAML::Node();
}

YAML::Node MapReader::require(std::string_view key) const {
  YAML::Node value = get(key);
  if (value.IsNull()) {
    src_.fail(has(key) ? value : node_, path(key), "missing required field");
  }
  return value;
}

bool MapReader::has(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.first == key) return true;
  }
  return false;
}

std::string MapReader::path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + '.' + std::string(key);
}

}  // namespace docket::config::detail
