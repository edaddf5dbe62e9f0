#pragma once

#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

/// Reading cases for `docketctl submit` and `import`: CSV with a header or JSON lines, each line
/// checked locally and turned into the `<new case>` object of docs/protocol.md section 4, and
/// batching of those objects into `submit` requests under the message size limit.
namespace docket::cli {

enum class InputFormat { kCsv, kJsonLines };

/// The format a file name implies: .csv is CSV; .jsonl, .ndjson and .json are JSON lines.
/// An empty optional for any other name (the caller then asks for --format).
std::optional<InputFormat> format_for_path(std::string_view path);
/// "csv", "jsonl" (also "json", "ndjson"); an empty optional for anything else.
std::optional<InputFormat> parse_format(std::string_view name);

/// The fields of one case as read, before checking. Empty strings are absent fields.
struct RawCase {
  std::string receipt;
  std::string form;
  std::string priority;
  std::string received;  ///< Unix seconds, YYYY-MM-DD (noon UTC) or YYYY-MM-DDTHH:MM[:SS][Z].
  std::string center;
  std::string field_office;
  std::string language;
  std::string court_date;
  std::string category;
};

/// Checks one case and builds its `<new case>` object: the receipt must be a valid receipt
/// number (core/receipt.h), the form present, the priority known, the dates real days, and a
/// litigation case must carry a court date. Absent optional fields are left out of the object,
/// so the scheduler applies its defaults. Throws InvalidArgument naming the field and the value.
nlohmann::json make_new_case(const RawCase& raw);

/// Parses the `received` spellings above into Unix seconds; an empty optional when malformed.
/// A bare date is noon UTC, which is that same date in every U.S. time zone.
std::optional<std::int64_t> parse_received(std::string_view text);

/// One line of input: a case ready to send, or why the line was refused.
struct InputLine {
  std::size_t line = 0;  ///< 1-based line number in the file.
  std::string receipt;   ///< As written, when it could be read (for messages).
  nlohmann::json value;  ///< The `<new case>`; null when `error` is set.
  std::string error;     ///< Empty for a good line.
  bool ok() const { return error.empty(); }
};

/// Reads cases one line at a time, so a file of millions of cases is never held whole.
/// Blank lines and lines starting with '#' are skipped. CSV fields may be double-quoted
/// ("" inside quotes is a quote); a record is one line. A receipt that repeats an earlier line
/// of the same input is refused, naming that line.
class CaseReader {
 public:
  /// `name` is used in messages. For CSV the header is read here: throws InvalidArgument
  /// ("name:line: ...") for an empty input, an unknown or repeated column, or a missing receipt
  /// or form column, since then no line can be read.
  CaseReader(std::istream& in, InputFormat format, std::string name);

  /// The next case or bad line; an empty optional at the end of the input.
  std::optional<InputLine> next();
  const std::string& name() const { return name_; }
  /// Column names accepted in a CSV header and keys accepted in a JSON line.
  static const std::vector<std::string>& field_names();

 private:
  InputLine parse_csv(std::string_view text, std::size_t line);
  InputLine parse_json(std::string_view text, std::size_t line);
  void check_duplicate(InputLine& item);

  std::istream& in_;
  InputFormat format_;
  std::string name_;
  std::size_t line_ = 0;
  std::vector<int> columns_;                             // CSV: field index per column.
  std::unordered_map<std::uint64_t, std::size_t> seen_;  // Packed receipt -> first line.
};

/// Reads a whole text at once: every line, good and bad, in order (tests and small inputs).
std::vector<InputLine> parse_cases(std::string_view text, InputFormat format,
                                   const std::string& name);

/// Splits a CSV record into fields. Throws InvalidArgument for an unterminated quote or text
/// after a closing quote.
std::vector<std::string> split_csv(std::string_view line);

/// Counts the lines of a file that could hold a case (not blank, not '#'), less a CSV header;
/// for the progress bar's total. An empty optional when the file cannot be read.
std::optional<std::size_t> count_case_lines(const std::string& path, InputFormat format);

/// One `submit` request's worth of cases, and the input line of each (the scheduler's
/// `rejected[].index` points into `cases`).
struct Batch {
  nlohmann::json cases = nlohmann::json::array();
  std::vector<std::size_t> lines;
  std::size_t bytes = 0;  ///< The encoded size of the `cases` array.
};

/// Groups cases into batches of at most `max_cases` whose whole REQUEST message stays within
/// `max_message_bytes` (ids, envelope and frames included).
class Batcher {
 public:
  /// The protocol allows up to 10,000 cases per `submit`.
  static constexpr std::size_t kMaxCasesPerSubmit = 10'000;
  /// Room left for the REQUEST envelope and the frames around the `cases` array.
  static constexpr std::size_t kEnvelopeBytes = 256;

  Batcher(std::size_t max_cases, std::size_t max_message_bytes);
  /// Adds a good line. Returns the batch that was full before this case when adding it would
  /// have gone over a limit. Throws InvalidArgument when this one case alone is over the limit.
  std::optional<Batch> add(const InputLine& item);
  /// The batch being filled, if it holds any case.
  std::optional<Batch> flush();

 private:
  std::size_t max_cases_;
  std::size_t max_bytes_;
  Batch current_;
};

}  // namespace docket::cli
