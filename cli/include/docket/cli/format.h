#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

/// Formatting for people: numbers with thousands separators, times, aligned tables.
namespace docket::cli {

/// 1234567 -> "1,234,567"; -1234 -> "-1,234".
std::string format_count(std::int64_t n);
/// A number with `decimals` digits after the point and separators before it: 12345.678 ->
/// "12,345.7".
std::string format_number(double x, int decimals = 1);
/// Unix seconds as "YYYY-MM-DD HH:MM" UTC, the zone every Docket time is in.
std::string format_time(std::int64_t unix_seconds);

/// Whether a JSON field of this name holds Unix seconds (received, deadline, at, ...), so that
/// tables show it as a time.
bool is_time_field(std::string_view key);

/// One cell's text for a JSON value: integers with separators, other numbers with one decimal,
/// booleans as yes/no, null as "-", strings as they are, `key` naming a time field as a time,
/// and arrays and objects as compact text ("I-485:3 N-400:2" for an object of scalars).
std::string cell_text(const nlohmann::json& v, std::string_view key = {});

/// A table with a header row. Columns whose every cell is a number are right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  /// A rule and then this row (totals), set apart from the data rows.
  void set_footer(std::vector<std::string> cells);
  std::size_t rows() const { return rows_.size(); }
  /// Writes the table, columns separated by two spaces, no trailing spaces.
  void print(std::ostream& out) const;
  std::string str() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::string> footer_;
};

/// A table built from an array of objects: one column per key (in key order, as JSON objects
/// hold them) unless `columns` names them; keys missing from a row show "-".
Table table_of(const nlohmann::json& rows, std::vector<std::string> columns = {});

/// "key  value" lines for the fields of an object, keys aligned, the keys of `first` first and
/// then the others in key order; nested arrays of objects follow as tables under a heading.
void print_object(std::ostream& out, const nlohmann::json& obj,
                  const std::vector<std::string>& first = {});

}  // namespace docket::cli
