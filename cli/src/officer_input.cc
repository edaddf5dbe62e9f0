#include "docket/cli/officer_input.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "docket/cli/case_input.h"
#include "docket/core/error.h"
#include "docket/core/types.h"

namespace docket::cli {
namespace {

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto end = std::min(s.find(';', start), s.size());
    if (auto item = trimmed(s.substr(start, end - start)); !item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

const std::vector<std::string>& roster_columns() {
  static const std::vector<std::string> kColumns = {
      "id", "center", "skills", "languages", "clearance", "capacity", "presence", "senior"};
  return kColumns;
}

}  // namespace

void add_skill(nlohmann::json& skills, std::string_view text, int min_level) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    throw InvalidArgument("skill '" + std::string(text) + "': expected FORM:LEVEL, e.g. I-485:3");
  }
  const auto name = trimmed(text.substr(0, colon));
  const auto level = to_int(trimmed(text.substr(colon + 1)));
  if (!level || *level < min_level || *level > kMaxSkillLevel) {
    throw InvalidArgument("skill '" + std::string(text) + "': the level must be " +
                          std::to_string(min_level) + "-5");
  }
  skills[name] = *level;
}

nlohmann::json make_officer(const RawOfficer& raw) {
  nlohmann::json o = nlohmann::json::object();
  const auto id = trimmed(raw.id);
  if (id.empty()) throw InvalidArgument("id: required");
  o["officer"] = id;
  const auto center = trimmed(raw.center);
  if (center.empty()) throw InvalidArgument("center: required");
  o["center"] = center;
  nlohmann::json skills = nlohmann::json::object();
  for (const auto& s : raw.skills) add_skill(skills, s);
  o["skills"] = skills;
  o["languages"] = raw.languages;
  if (const auto c = trimmed(raw.clearance); !c.empty()) {
    const auto parsed = parse_clearance(c);
    if (!parsed)
      throw InvalidArgument("clearance: expected public_trust, secret or top_secret, got '" + c +
                            "'");
    o["clearance"] = std::string(to_string(*parsed));
  }
  if (const auto c = trimmed(raw.capacity); !c.empty()) {
    const auto n = to_int(c);
    if (!n || *n < 1) throw InvalidArgument("capacity: expected an integer >= 1, got '" + c + "'");
    o["capacity"] = *n;
  }
  if (const auto p = trimmed(raw.presence); !p.empty()) {
    const auto parsed = parse_presence(p);
    if (!parsed)
      throw InvalidArgument("presence: expected available, away or offline, got '" + p + "'");
    o["presence"] = std::string(to_string(*parsed));
  }
  if (const auto s = trimmed(raw.senior); !s.empty()) {
    if (s != "true" && s != "false")
      throw InvalidArgument("senior: expected true or false, got '" + s + "'");
    o["senior"] = s == "true";
  }
  return o;
}

std::vector<OfficerLine> parse_officers_csv(std::string_view text, const std::string& name) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::size_t n = 0;
  std::vector<int> columns;
  std::vector<OfficerLine> out;
  while (std::getline(in, line)) {
    ++n;
    const auto t = trimmed(line);
    if (t.empty() || t.front() == '#') continue;
    if (columns.empty()) {
      const auto where = name + ":" + std::to_string(n) + ": ";
      for (const auto& col : split_csv(t)) {
        const auto& names = roster_columns();
        const auto it = std::find(names.begin(), names.end(), trimmed(col));
        if (it == names.end())
          throw InvalidArgument(where + "unknown column '" + trimmed(col) + "'");
        columns.push_back(static_cast<int>(it - names.begin()));
      }
      for (int required : {0, 1}) {
        if (std::find(columns.begin(), columns.end(), required) == columns.end())
          throw InvalidArgument(where + "the header has no '" + roster_columns()[required] +
                                "' column");
      }
      continue;
    }
    OfficerLine item;
    item.line = n;
    try {
      const auto cells = split_csv(t);
      if (cells.size() != columns.size()) {
        throw InvalidArgument("expected " + std::to_string(columns.size()) +
                              " fields as in the header, got " + std::to_string(cells.size()));
      }
      RawOfficer raw;
      for (std::size_t i = 0; i < cells.size(); ++i) {
        switch (columns[i]) {
          case 0:
            raw.id = cells[i];
            break;
          case 1:
            raw.center = cells[i];
            break;
          case 2:
            raw.skills = split_list(cells[i]);
            break;
          case 3:
            raw.languages = split_list(cells[i]);
            break;
          case 4:
            raw.clearance = cells[i];
            break;
          case 5:
            raw.capacity = cells[i];
            break;
          case 6:
            raw.presence = cells[i];
            break;
          default:
            raw.senior = cells[i];
            break;
        }
      }
      item.value = make_officer(raw);
    } catch (const InvalidArgument& e) {
      item.error = e.what();
    }
    out.push_back(std::move(item));
  }
  if (columns.empty()) throw InvalidArgument(name + ": no header line (an empty file?)");
  return out;
}

std::vector<OfficerLine> parse_officers_yaml(std::string_view text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw InvalidArgument(name + ":" + std::to_string(e.mark.line + 1) + ": not YAML: " + e.msg);
  }
  const auto list = root.IsMap() ? root["officers"] : YAML::Node();
  if (!list || !list.IsSequence())
    throw InvalidArgument(name + ": expected a top-level 'officers' list");
  std::vector<OfficerLine> out;
  for (const auto& entry : list) {
    OfficerLine item;
    item.line = static_cast<std::size_t>(entry.Mark().line + 1);
    try {
      if (!entry.IsMap()) throw InvalidArgument("expected a mapping of officer fields");
      RawOfficer raw;
      for (const auto& kv : entry) {
        const auto key = kv.first.as<std::string>();
        const auto& v = kv.second;
        auto scalar = [&]() {
          if (!v.IsScalar()) throw InvalidArgument(key + ": expected a single value");
          return v.as<std::string>();
        };
        if (key == "id") {
          raw.id = scalar();
        } else if (key == "center") {
          raw.center = scalar();
        } else if (key == "skills") {
          if (!v.IsMap()) throw InvalidArgument("skills: expected a mapping FORM: LEVEL");
          for (const auto& s : v)
            raw.skills.push_back(s.first.as<std::string>() + ":" + s.second.as<std::string>());
        } else if (key == "languages") {
          if (!v.IsSequence()) throw InvalidArgument("languages: expected a list");
          for (const auto& l : v) raw.languages.push_back(l.as<std::string>());
        } else if (key == "clearance") {
          raw.clearance = scalar();
        } else if (key == "capacity") {
          raw.capacity = scalar();
        } else if (key == "presence") {
          raw.presence = scalar();
        } else if (key == "senior") {
          raw.senior = scalar();
        } else {
          throw InvalidArgument("unknown field '" + key + "'");
        }
      }
      item.value = make_officer(raw);
    } catch (const InvalidArgument& e) {
      item.error = e.what();
    } catch (const YAML::Exception& e) {
      item.error = e.msg;
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace docket::cli
