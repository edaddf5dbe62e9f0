#include "docket/cli/case_input.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>

#include "docket/core/error.h"
#include "docket/core/receipt.h"
#include "docket/core/types.h"

namespace docket::cli {
namespace {

enum Field : int {
  kReceipt,
  kForm,
  kPriority,
  kReceived,
  kCenter,
  kFieldOffice,
  kLanguage,
  kCourtDate,
  kCategory,
  kFieldCount
};

std::string& field_of(RawCase& r, int f) {
  switch (f) {
    case kReceipt:
      return r.receipt;
    case kForm:
      return r.form;
    case kPriority:
      return r.priority;
    case kReceived:
      return r.received;
    case kCenter:
      return r.center;
    case kFieldOffice:
      return r.field_office;
    case kLanguage:
      return r.language;
    case kCourtDate:
      return r.court_date;
    default:
      return r.category;
  }
}

// Header names are matched without regard to case, and '-' or ' ' stand for '_', so
// "Field-Office" and "field_office" are one column.
std::string normalize_name(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '-' || c == ' ') c = '_';
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

int field_index(std::string_view name) {
  const auto& names = CaseReader::field_names();
  const auto it = std::find(names.begin(), names.end(), normalize_name(name));
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool skipped(std::string_view line) {
  const auto t = trim(line);
  return t.empty() || t.front() == '#';
}

std::string allowed_list() {
  std::string s;
  for (const auto& n : CaseReader::field_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

int digits_at(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::optional<InputFormat> parse_format(std::string_view name) {
  const auto n = normalize_name(name);
  if (n == "csv") return InputFormat::kCsv;
  if (n == "jsonl" || n == "json" || n == "ndjson") return InputFormat::kJsonLines;
  return std::nullopt;
}

std::optional<InputFormat> format_for_path(std::string_view path) {
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos)
    return std::nullopt;
  return parse_format(path.substr(dot + 1));
}

std::optional<std::int64_t> parse_received(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 12) return std::nullopt;
    return std::stoll(std::string(text));
  }
  const auto date = parse_date(text.substr(0, std::min<std::size_t>(10, text.size())));
  if (!date) return std::nullopt;
  std::int64_t t = std::chrono::sys_days(*date).time_since_epoch() / std::chrono::seconds(1);
  // A bare date means noon UTC: that instant falls on the same calendar day in every zone from
  // UTC-11 to UTC+11, so each center reads it as the day written. Midnight UTC would be the
  // evening before in every U.S. zone, and a business-day clock would start a day early.
  if (text.size() == 10) return t + 12 * 3600;
  // YYYY-MM-DDTHH:MM[:SS][Z], always UTC: a local time would need the center's zone.
  if (text[10] != 'T' && text[10] != ' ') return std::nullopt;
  auto rest = text.substr(11);
  if (!rest.empty() && rest.back() == 'Z') rest.remove_suffix(1);
  const int h = digits_at(rest, 0, 2);
  const int m = rest.size() >= 5 && rest[2] == ':' ? digits_at(rest, 3, 2) : -1;
  int s = 0;
  if (rest.size() == 8 && rest[5] == ':') {
    s = digits_at(rest, 6, 2);
  } else if (rest.size() != 5) {
    return std::nullopt;
  }
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return std::nullopt;
  return t + h * 3600 + m * 60 + s;
}

nlohmann::json make_new_case(const RawCase& raw) {
  nlohmann::json c = nlohmann::json::object();
  const auto receipt = std::string(trim(raw.receipt));
  if (receipt.empty()) throw InvalidArgument("receipt: required");
  if (const auto why = ReceiptNumber::parse_error(receipt); !why.empty())
    throw InvalidArgument("receipt '" + receipt + "': " + why);
  c["receipt"] = receipt;
  const auto form = std::string(trim(raw.form));
  if (form.empty()) throw InvalidArgument("form: required");
  c["form"] = form;
  Priority priority = Priority::kNormal;
  if (const auto p = trim(raw.priority); !p.empty()) {
    const auto parsed = parse_priority(p);
    if (!parsed) {
      throw InvalidArgument("priority: expected normal, expedite, premium or litigation, got '" +
                            std::string(p) + "'");
    }
    priority = *parsed;
    c["priority"] = std::string(to_string(priority));
  }
  if (const auto r = trim(raw.received); !r.empty()) {
    const auto t = parse_received(r);
    if (!t) {
      throw InvalidArgument(
          "received: expected Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (a real day), "
          "got '" +
          std::string(r) + "'");
    }
    c["received"] = *t;
  }
  if (const auto d = trim(raw.court_date); !d.empty()) {
    if (!parse_date(d))
      throw InvalidArgument("court_date: expected YYYY-MM-DD, a real day, got '" + std::string(d) +
                            "'");
    c["court_date"] = std::string(d);
  } else if (priority == Priority::kLitigation) {
    throw InvalidArgument("court_date: required for a litigation case");
  }
  auto copy = [&](const char* key, const std::string& v) {
    if (const auto t = trim(v); !t.empty()) c[key] = std::string(t);
  };
  copy("center", raw.center);
  copy("field_office", raw.field_office);
  copy("language", raw.language);
  copy("category", raw.category);
  return c;
}

std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  std::size_t i = 0;
  for (;;) {
    cur.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) throw InvalidArgument("unterminated quoted field");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cur.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cur.push_back(line[i++]);
      }
      if (i < line.size() && line[i] != ',') throw InvalidArgument("text after a closing quote");
    } else {
      while (i < line.size() && line[i] != ',') cur.push_back(line[i++]);
    }
    out.push_back(cur);
    if (i >= line.size()) break;
    ++i;  // The comma.
  }
  return out;
}

const std::vector<std::string>& CaseReader::field_names() {
  static const std::vector<std::string> kNames = {"receipt",  "form",       "priority",
                                                  "received", "center",     "field_office",
                                                  "language", "court_date", "category"};
  return kNames;
}

CaseReader::CaseReader(std::istream& in, InputFormat format, std::string name)
    : in_(in), format_(format), name_(std::move(name)) {
  if (format_ != InputFormat::kCsv) return;
  std::string header;
  while (std::getline(in_, header)) {
    ++line_;
    if (!skipped(header)) break;
    header.clear();
  }
  if (skipped(header)) throw InvalidArgument(name_ + ": no header line (an empty file?)");
  const auto where = name_ + ":" + std::to_string(line_) + ": ";
  std::vector<std::string> cols;
  try {
    cols = split_csv(trim(header));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(where + "header: " + e.what());
  }
  for (const auto& col : cols) {
    const int f = field_index(trim(col));
    if (f < 0) {
      throw InvalidArgument(where + "unknown column '" + std::string(trim(col)) + "' (expected " +
                            allowed_list() + ")");
    }
    if (std::find(columns_.begin(), columns_.end(), f) != columns_.end())
      throw InvalidArgument(where + "column '" + field_names()[f] + "' appears twice");
    columns_.push_back(f);
  }
  for (int required : {kReceipt, kForm}) {
    if (std::find(columns_.begin(), columns_.end(), required) == columns_.end())
      throw InvalidArgument(where + "the header has no '" + field_names()[required] + "' column");
  }
}

std::optional<InputLine> CaseReader::next() {
  std::string text;
  while (std::getline(in_, text)) {
    ++line_;
    if (skipped(text)) continue;
    InputLine item =
        format_ == InputFormat::kCsv ? parse_csv(trim(text), line_) : parse_json(trim(text), line_);
    if (item.ok()) check_duplicate(item);
    return item;
  }
  return std::nullopt;
}

InputLine CaseReader::parse_csv(std::string_view text, std::size_t line) {
  InputLine item;
  item.line = line;
  try {
    const auto cells = split_csv(text);
    RawCase raw;
    for (std::size_t i = 0; i < std::min(cells.size(), columns_.size()); ++i)
      field_of(raw, columns_[i]) = cells[i];
    item.receipt = std::string(trim(raw.receipt));
    if (cells.size() != columns_.size()) {
      throw InvalidArgument("expected " + std::to_string(columns_.size()) +
                            " fields as in the header, got " + std::to_string(cells.size()));
    }
    item.value = make_new_case(raw);
  } catch (const InvalidArgument& e) {
    item.error = e.what();
    item.value = nullptr;
  }
  return item;
}

InputLine CaseReader::parse_json(std::string_view text, std::size_t line) {
  InputLine item;
  item.line = line;
  try {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      // nlohmann's message starts with its own error id; what follows says where and why.
      std::string why = e.what();
      if (const auto colon = why.find(": "); colon != std::string::npos)
        why = why.substr(colon + 2);
      throw InvalidArgument("not JSON: " + why);
    }
    if (!j.is_object())
      throw InvalidArgument("expected a JSON object, got " + std::string(j.type_name()));
    RawCase raw;
    for (const auto& [k, v] : j.items()) {
      const int f = field_index(k);
      if (f < 0)
        throw InvalidArgument("unknown field '" + k + "' (expected " + allowed_list() + ")");
      if (v.is_null()) continue;
      if (f == kReceived && v.is_number_integer()) {
        if (v.get<std::int64_t>() < 0) throw InvalidArgument("received: negative time " + v.dump());
        field_of(raw, f) = std::to_string(v.get<std::int64_t>());
        continue;
      }
      if (!v.is_string())
        throw InvalidArgument(k + ": expected a string, got " + std::string(v.type_name()));
      field_of(raw, f) = v.get<std::string>();
    }
    item.receipt = std::string(trim(raw.receipt));
    item.value = make_new_case(raw);
  } catch (const InvalidArgument& e) {
    item.error = e.what();
    item.value = nullptr;
  }
  return item;
}

void CaseReader::check_duplicate(InputLine& item) {
  const auto r = ReceiptNumber::parse(item.receipt);
  if (!r) return;
  const auto [it, fresh] = seen_.emplace(r->packed(), item.line);
  if (fresh) return;
  item.error = "receipt " + item.receipt + " repeats line " + std::to_string(it->second);
  item.value = nullptr;
}

std::vector<InputLine> parse_cases(std::string_view text, InputFormat format,
                                   const std::string& name) {
  std::istringstream in{std::string(text)};
  CaseReader reader(in, format, name);
  std::vector<InputLine> out;
  while (auto item = reader.next()) out.push_back(std::move(*item));
  return out;
}

std::optional<std::size_t> count_case_lines(const std::string& path, InputFormat format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) n += skipped(line) ? 0 : 1;
  if (format == InputFormat::kCsv && n > 0) --n;
  return n;
}

Batcher::Batcher(std::size_t max_cases, std::size_t max_message_bytes)
    : max_cases_(std::clamp<std::size_t>(max_cases, 1, kMaxCasesPerSubmit)),
      max_bytes_(max_message_bytes > kEnvelopeBytes ? max_message_bytes - kEnvelopeBytes : 1) {}

std::optional<Batch> Batcher::add(const InputLine& item) {
  const std::size_t size = item.value.dump().size();
  // "[]" around the array, and a comma before every case but the first.
  if (size + 2 > max_bytes_) {
    throw InvalidArgument("case of " + std::to_string(size) + " bytes is over the message limit");
  }
  std::optional<Batch> full;
  const std::size_t with = current_.bytes + size + (current_.lines.empty() ? 2 : 1);
  if (!current_.lines.empty() && (current_.lines.size() >= max_cases_ || with > max_bytes_)) {
    full = std::move(current_);
    current_ = Batch{};
  }
  current_.bytes += size + (current_.lines.empty() ? 2 : 1);
  current_.cases.push_back(item.value);
  current_.lines.push_back(item.line);
  return full;
}

std::optional<Batch> Batcher::flush() {
  if (current_.lines.empty()) return std::nullopt;
  Batch out = std::move(current_);
  current_ = Batch{};
  return out;
}

}  // namespace docket::cli
