#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "loaders.h"
#include "text.h"

namespace docket::config {
namespace detail {
namespace {

enum Column { kId, kCenter, kSkills, kLanguages, kClearance, kCapacity, kPresence, kSenior };
constexpr std::string_view kColumns[] = {"id",        "center",   "skills",   "languages",
                                         "clearance", "capacity", "presence", "senior"};
constexpr int kColumnCount = 8;
constexpr int kMaxCapacity = 10000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

/// Sorts an officer's skills by id, as Officer::level() expects; returns a skill listed twice.
std::optional<SkillId> sort_skills(std::vector<SkillLevel>& skills) {
  std::sort(skills.begin(), skills.end());
  for (std::size_t i = 1; i < skills.size(); ++i) {
    if (skills[i].skill == skills[i - 1].skill) return skills[i].skill;
  }
  return std::nullopt;
}

LanguageId intern_language(Catalog& catalog, std::string_view name,
                           const std::function<void(const std::string&)>& fail) {
  try {
    return catalog.intern_language(name);
  } catch (const InvalidArgument& e) {
    fail(e.what());
  }
  return kNoLanguage;
}

/// A single pass over the roster text. Fields are string_views into the text (or, for the rare
/// quoted field with doubled quotes, into scratch_), so a row costs no allocation beyond the
/// Officer it produces.
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string_view name, Catalog& catalog)
      : text_(text), name_(name), catalog_(catalog) {}

  std::vector<Officer> read() {
    std::string_view line;
    if (!next_line(line)) fail_line("empty roster: expected a header line " + header_text());
    read_header(line);
    std::size_t estimate = static_cast<std::size_t>(std::count(text_.begin(), text_.end(), '\n'));
    std::vector<Officer> officers;
    officers.reserve(estimate);
    ids_.reserve(estimate);
    while (next_line(line)) {
      split(line);
      if (fields_.size() != columns_.size()) {
        fail_line("expected " + std::to_string(columns_.size()) + " fields, got " +
                  std::to_string(fields_.size()));
      }
      officers.push_back(read_officer());
    }
    return officers;
  }

 private:
  [[noreturn]] void fail_line(const std::string& what) const {
    throw ConfigError(std::string(name_) + ':' + std::to_string(line_no_) + ": " + what);
  }
  [[noreturn]] void fail(Column c, const std::string& what) const {
    fail_line("column " + std::string(kColumns[c]) + ": " + what);
  }
  [[noreturn]] void expected(Column c, std::string_view expected, std::string_view got) const {
    fail(c, "expected " + std::string(expected) + ", got " + quote(got));
  }

  static std::string header_text() {
    std::string h;
    for (auto c : kColumns) h += (h.empty() ? "" : ",") + std::string(c);
    return h;
  }

  /// Advances to the next line that is neither blank nor a '#' comment.
  bool next_line(std::string_view& line) {
    while (pos_ < text_.size()) {
      std::size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      line = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::string_view t = trim(line);
      if (!t.empty() && t.front() != '#') return true;
    }
    return false;
  }

  void split(std::string_view line) {
    fields_.clear();
    std::size_t i = 0;
    while (true) {
      if (i < line.size() && line[i] == '"') {
        std::string value;
        bool escaped = false;
        std::size_t j = i + 1;
        for (;; ++j) {
          if (j >= line.size()) fail_line("unterminated quoted field");
          if (line[j] == '"') {
            if (j + 1 < line.size() && line[j + 1] == '"') {
              escaped = true;
              value += '"';
              ++j;
              continue;
            }
            break;
          }
          value += line[j];
        }
        if (escaped) {
          fields_.push_back(scratch_.emplace_back(std::move(value)));
        } else {
          fields_.push_back(line.substr(i + 1, j - i - 1));
        }
        i = j + 1;
        if (i < line.size() && line[i] != ',') fail_line("text after a closing quote");
      } else {
        std::size_t end = std::min(line.find(',', i), line.size());
        fields_.push_back(trim(line.substr(i, end - i)));
        i = end;
      }
      if (i >= line.size()) break;
      ++i;  // Skip the comma; a trailing comma yields an empty last field.
      if (i == line.size()) {
        fields_.push_back({});
        break;
      }
    }
  }

  void read_header(std::string_view line) {
    split(line);
    columns_.assign(fields_.size(), -1);
    bool seen[kColumnCount] = {};
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      for (int c = 0; c < kColumnCount; ++c) {
        if (fields_[i] == kColumns[c]) columns_[i] = c;
      }
      if (columns_[i] < 0) {
        fail_line("unknown column " + quote(fields_[i]) + " (expected the columns " +
                  header_text() + ")");
      }
      if (seen[columns_[i]]) fail_line("column " + quote(fields_[i]) + " given twice");
      seen[columns_[i]] = true;
    }
    for (int c = 0; c < kColumnCount; ++c) {
      if (!seen[c]) fail_line("missing column " + std::string(kColumns[c]));
    }
  }

  Officer read_officer() {
    std::string_view v[kColumnCount];
    for (std::size_t i = 0; i < fields_.size(); ++i) v[columns_[i]] = fields_[i];
    Officer o;
    if (v[kId].empty()) expected(kId, "an officer id", v[kId]);
    auto [it, inserted] = ids_.emplace(v[kId], line_no_);
    if (!inserted) {
      fail(kId, "duplicate officer id " + quote(v[kId]) + " (first on line " +
                    std::to_string(it->second) + ")");
    }
    o.id = v[kId];
    if (v[kCenter] != last_center_code_ || last_center_ == kNoCenter) {
      auto id = catalog_.find_center(v[kCenter]);
      if (!id) expected(kCenter, "a configured center code", v[kCenter]);
      last_center_code_ = v[kCenter];
      last_center_ = *id;
    }
    o.center = last_center_;
    read_skills(v[kSkills], o);
    read_languages(v[kLanguages], o);
    auto clearance = parse_clearance(v[kClearance]);
    if (!clearance) {
      expected(kClearance, "one of " + join(enum_names<Clearance>(3)), v[kClearance]);
    }
    o.clearance = *clearance;
    auto capacity = parse_int(v[kCapacity]);
    if (!capacity || *capacity < 1 || *capacity > kMaxCapacity) {
      expected(kCapacity, "a positive integer (concurrent cases)", v[kCapacity]);
    }
    o.capacity = static_cast<int>(*capacity);
    auto presence = parse_presence(v[kPresence]);
    if (!presence) expected(kPresence, "one of " + join(enum_names<Presence>(3)), v[kPresence]);
    o.presence = *presence;
    auto senior = parse_bool(v[kSenior]);
    if (!senior) expected(kSenior, "true or false", v[kSenior]);
    o.senior = *senior;
    return o;
  }

  void read_skills(std::string_view text, Officer& o) {
    for (std::string_view rest = text; !trim(rest).empty();) {
      std::size_t semi = std::min(rest.find(';'), rest.size());
      std::string_view item = trim(rest.substr(0, semi));
      rest = semi < rest.size() ? rest.substr(semi + 1) : std::string_view();
      std::size_t colon = item.rfind(':');
      std::string_view skill = colon == std::string_view::npos ? item : trim(item.substr(0, colon));
      if (colon == std::string_view::npos || skill.empty()) {
        expected(kSkills, "SKILL:LEVEL pairs separated by ';' (e.g. I-485:4;N-400:3)", item);
      }
      auto level = parse_int(trim(item.substr(colon + 1)));
      if (!level || *level < kMinSkillLevel || *level > kMaxSkillLevel) {
        expected(kSkills, "a level from 1 to 5 for skill " + quote(skill),
                 trim(item.substr(colon + 1)));
      }
      o.skills.push_back({catalog_.intern_skill(skill), static_cast<std::uint8_t>(*level)});
    }
    if (auto dup = sort_skills(o.skills)) {
      fail(kSkills, "skill " + quote(catalog_.skill_name(*dup)) + " listed twice");
    }
  }

  void read_languages(std::string_view text, Officer& o) {
    for (std::string_view rest = text; !trim(rest).empty();) {
      std::size_t semi = std::min(rest.find(';'), rest.size());
      std::string_view lang = trim(rest.substr(0, semi));
      rest = semi < rest.size() ? rest.substr(semi + 1) : std::string_view();
      if (lang.empty()) expected(kLanguages, "language codes separated by ';'", text);
      LanguageId id =
          intern_language(catalog_, lang, [&](const std::string& e) { fail(kLanguages, e); });
      o.languages |= std::uint64_t{1} << id;
    }
  }

  std::string_view text_;
  std::string_view name_;
  Catalog& catalog_;
  std::size_t pos_ = 0;
  int line_no_ = 0;
  std::vector<int> columns_;  // Column of each field position.
  std::vector<std::string_view> fields_;
  std::deque<std::string> scratch_;
  std::unordered_map<std::string_view, int> ids_;  // Officer id -> line, for duplicates.
  std::string_view last_center_code_;
  CenterId last_center_ = kNoCenter;
};

constexpr std::string_view kOfficerKeys[] = {"id",        "center",   "skills",   "languages",
                                             "clearance", "capacity", "presence", "senior"};

Officer read_yaml_officer(const Source& src, const YAML::Node& node, const std::string& path,
                          Catalog& catalog) {
  MapReader m(src, node, path, kOfficerKeys);
  Officer o;
  o.id = read_string(src, m.require("id"), m.path("id"));
  YAML::Node center = m.require("center");
  auto center_id = catalog.find_center(read_string(src, center, m.path("center")));
  if (!center_id) src.expected(center, m.path("center"), "a configured center code");
  o.center = *center_id;
  YAML::Node skills = m.get("skills");
  if (skills.IsDefined() && !skills.IsNull()) {
    if (!skills.IsMap()) src.expected(skills, m.path("skills"), "a mapping of skill to level");
    for (auto it = skills.begin(); it != skills.end(); ++it) {
      std::string name = read_string(src, it->first, m.path("skills"));
      std::string skill_path = m.path("skills") + '.' + name;
      auto level = read_int(src, it->second, skill_path, kMinSkillLevel, kMaxSkillLevel,
                            "a skill level from 1 to 5");
      o.skills.push_back({catalog.intern_skill(name), static_cast<std::uint8_t>(level)});
    }
    if (auto dup = sort_skills(o.skills)) {
      src.fail(skills, m.path("skills"),
               "skill " + quote(catalog.skill_name(*dup)) + " listed twice");
    }
  }
  for (const auto& [item, item_path] :
       read_sequence(src, m.get("languages"), m.path("languages"))) {
    std::string lang = read_string(src, item, item_path);
    LanguageId id =
        intern_language(catalog, lang, [&](const std::string& e) { src.fail(item, item_path, e); });
    o.languages |= std::uint64_t{1} << id;
  }
  if (m.has("clearance")) {
    o.clearance = read_enum<Clearance>(src, m.get("clearance"), m.path("clearance"),
                                       parse_clearance, enum_names<Clearance>(3));
  }
  o.capacity = static_cast<int>(read_int(src, m.require("capacity"), m.path("capacity"), 1,
                                         kMaxCapacity, "a positive integer (concurrent cases)"));
  if (m.has("presence")) {
    o.presence = read_enum<Presence>(src, m.get("presence"), m.path("presence"), parse_presence,
                                     enum_names<Presence>(3));
  }
  if (m.has("senior")) o.senior = read_bool(src, m.get("senior"), m.path("senior"));
  return o;
}

}  // namespace

std::vector<Officer> parse_roster(std::string_view text, const std::filesystem::path& file,
                                  const std::string& name, Catalog& catalog) {
  std::string ext = file.extension().string();
  if (ext == ".csv") return parse_roster_csv(text, name, catalog);
  if (ext == ".yaml" || ext == ".yml") return parse_roster_yaml(text, name, catalog);
  throw ConfigError(name + ": unknown roster format " + quote(ext) +
                    " (expected a .csv, .yaml or .yml file)");
}

}  // namespace detail

std::vector<Officer> parse_roster_csv(std::string_view text, std::string_view name,
                                      Catalog& catalog) {
  return detail::CsvReader(text, name, catalog).read();
}

std::vector<Officer> parse_roster_yaml(std::string_view text, std::string_view name,
                                       Catalog& catalog) {
  detail::Source src{std::string(name)};
  YAML::Node root = detail::parse_yaml(text, src.file());
  static constexpr std::string_view kTop[] = {"officers"};
  detail::MapReader top(src, root, "", kTop);
  auto items = detail::read_sequence(src, top.require("officers"), "officers");
  std::vector<Officer> officers;
  officers.reserve(items.size());
  std::unordered_map<std::string, std::size_t> ids;
  for (const auto& [item, path] : items) {
    officers.push_back(detail::read_yaml_officer(src, item, path, catalog));
    auto [it, inserted] = ids.emplace(officers.back().id, ids.size());
    if (!inserted) {
      src.fail(item, path + ".id",
               "duplicate officer id " + detail::quote(officers.back().id) +
                   " (first at officers[" + std::to_string(it->second) + "])");
    }
  }
  return officers;
}

std::vector<Officer> load_roster(const std::filesystem::path& file, Catalog& catalog) {
  return detail::parse_roster(detail::read_text_file(file), file, file.string(), catalog);
}

}  // namespace docket::config
