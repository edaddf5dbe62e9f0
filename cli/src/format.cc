#include "docket/cli/format.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace docket::cli {
namespace {

// Inserts a comma every three digits of the integer part of `digits` (no sign).
std::string group_digits(const std::string& digits) {
  std::string out;
  const std::size_t n = digits.size();
  out.reserve(n + n / 3);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

bool looks_numeric(const std::string& s) {
  if (s.empty() || s == "-") return false;
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (!((c >= '0' && c <= '9') || c == ',' || c == '.' || c == '%')) return false;
  }
  return true;
}

}  // namespace

std::string format_count(std::int64_t n) {
  // The magnitude of INT64_MIN does not fit in int64, so go through the unsigned type.
  const std::uint64_t mag =
      n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  return (n < 0 ? "-" : "") + group_digits(std::to_string(mag));
}

std::string format_number(double x, int decimals) {
  if (!std::isfinite(x)) return std::isnan(x) ? "nan" : (x < 0 ? "-inf" : "inf");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, decimals), std::fabs(x));
  std::string s(buf);
  const auto dot = s.find('.');
  const std::string whole = s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot);
  const bool negative = x < 0 && s.find_first_not_of("0.") != std::string::npos;
  return (negative ? "-" : "") + group_digits(whole) + frac;
}

std::string format_time(std::int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_seconds t{seconds{unix_seconds}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()));
  return buf;
}

bool is_time_field(std::string_view key) {
  static constexpr std::array<std::string_view, 10> kTimes = {
      "received", "deadline", "expires", "at",          "since",
      "until",    "created",  "applied", "computed_at", "updated"};
  return std::find(kTimes.begin(), kTimes.end(), key) != kTimes.end();
}

std::string cell_text(const nlohmann::json& v, std::string_view key) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      return "-";
    case nlohmann::json::value_t::boolean:
      return v.get<bool>() ? "yes" : "no";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: {
      const auto n = v.get<std::int64_t>();
      // Unix seconds before 1980 are not times Docket deals in; they are plain numbers.
      if (!key.empty() && is_time_field(key) && n > 315'532'800) return format_time(n);
      return format_count(n);
    }
    case nlohmann::json::value_t::number_float:
      return format_number(v.get<double>(), 1);
    case nlohmann::json::value_t::string:
      return v.get<std::string>();
    case nlohmann::json::value_t::object: {
      bool scalars = true;
      for (const auto& [k, x] : v.items()) scalars = scalars && !x.is_structured();
      if (!scalars) return v.dump();
      std::string s;
      for (const auto& [k, x] : v.items()) {
        if (!s.empty()) s += ' ';
        s += k + ":" + (x.is_string() ? x.get<std::string>() : x.dump());
      }
      return s.empty() ? "-" : s;
    }
    case nlohmann::json::value_t::array: {
      bool scalars = true;
      for (const auto& x : v) scalars = scalars && !x.is_structured();
      if (!scalars) return v.dump();
      std::string s;
      for (const auto& x : v) {
        if (!s.empty()) s += ',';
        s += x.is_string() ? x.get<std::string>() : x.dump();
      }
      return s.empty() ? "-" : s;
    }
    default:
      return v.dump();
  }
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size(), "-");
  rows_.push_back(std::move(cells));
}

void Table::set_footer(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  footer_ = std::move(cells);
}

void Table::print(std::ostream& out) const {
  const std::size_t n = headers_.size();
  std::vector<std::size_t> width(n);
  std::vector<bool> numeric(n, true);
  for (std::size_t c = 0; c < n; ++c) {
    width[c] = headers_[c].size();
    bool any = false;
    for (const auto& r : rows_) {
      width[c] = std::max(width[c], r[c].size());
      if (r[c] != "-") {
        any = true;
        numeric[c] = numeric[c] && looks_numeric(r[c]);
      }
    }
    if (!footer_.empty()) width[c] = std::max(width[c], footer_[c].size());
    numeric[c] = numeric[c] && any;
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t c = 0; c < n; ++c) {
      const std::string pad(width[c] - cells[c].size(), ' ');
      s += numeric[c] ? pad + cells[c] : cells[c] + (c + 1 < n ? pad : "");
      if (c + 1 < n) s += "  ";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << '\n';
  };
  line(headers_);
  for (const auto& r : rows_) line(r);
  if (!footer_.empty()) {
    std::size_t total = 0;
    for (std::size_t c = 0; c < n; ++c) total += width[c] + (c + 1 < n ? 2 : 0);
    out << std::string(total, '-') << '\n';
    line(footer_);
  }
}

std::string Table::str() const {
  std::ostringstream s;
  print(s);
  return s.str();
}

Table table_of(const nlohmann::json& rows, std::vector<std::string> columns) {
  if (columns.empty()) {
    for (const auto& r : rows) {
      if (!r.is_object()) continue;
      for (const auto& [k, v] : r.items()) {
        if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
      }
    }
  }
  Table t(columns);
  for (const auto& r : rows) {
    std::vector<std::string> cells;
    for (const auto& c : columns) {
      const auto it = r.is_object() ? r.find(c) : r.end();
      cells.push_back(r.is_object() && it != r.end() ? cell_text(*it, c) : "-");
    }
    t.add_row(std::move(cells));
  }
  return t;
}

void print_object(std::ostream& out, const nlohmann::json& obj,
                  const std::vector<std::string>& first) {
  if (!obj.is_object()) {
    out << cell_text(obj) << '\n';
    return;
  }
  std::size_t width = 0;
  auto is_table = [](const nlohmann::json& v) {
    return v.is_array() && !v.empty() && v.front().is_object();
  };
  for (const auto& [k, v] : obj.items()) {
    if (!is_table(v)) width = std::max(width, k.size());
  }
  std::vector<std::string> order;
  for (const auto& k : first) {
    if (obj.contains(k)) order.push_back(k);
  }
  for (const auto& [k, v] : obj.items()) {
    if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
  }
  for (const auto& k : order) {
    const auto& v = obj[k];
    if (is_table(v)) continue;
    out << k << std::string(width - k.size() + 2, ' ') << cell_text(v, k) << '\n';
  }
  for (const auto& [k, v] : obj.items()) {
    if (!is_table(v)) continue;
    out << '\n' << k << ":\n";
    table_of(v).print(out);
  }
}

}  // namespace docket::cli
