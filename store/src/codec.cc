#include <charconv>
#include <cstdio>

#include "docket/core/error.h"
#include "docket/store/case_store.h"

namespace docket::store {
namespace {

constexpr int kFields = 22;

void check_text(std::string_view field, const std::string& v, bool list_item = false) {
  if (v.find('|') != std::string::npos || (list_item && v.find(',') != std::string::npos)) {
    throw InvalidArgument("record field " + std::string(field) + " may not contain '|'" +
                          (list_item ? " or ','" : "") + ": \"" + v + "\"");
  }
}

std::int64_t to_int(std::string_view field, std::string_view v) {
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) {
    throw InvalidArgument("record field " + std::string(field) + ": expected an integer, got \"" +
                          std::string(v) + "\"");
  }
  return out;
}

template <typename T>
T must(std::string_view field, std::string_view v, std::optional<T> parsed) {
  if (!parsed) {
    throw InvalidArgument("record field " + std::string(field) + ": unknown value \"" +
                          std::string(v) + "\"");
  }
  return *parsed;
}

}  // namespace

std::string encode(const StoredCase& c) {
  check_text("center", c.center);
  check_text("form", c.form);
  check_text("officer", c.officer, true);
  check_text("field_office", c.field_office);
  check_text("language", c.language);
  check_text("preferred", c.preferred, true);
  check_text("category", c.category);
  check_text("transfer_to", c.transfer_to);
  std::string excluded;
  for (const auto& id : c.excluded) {
    check_text("excluded", id, true);
    excluded += (excluded.empty() ? "" : ",") + id;
  }
  std::string out;
  out.reserve(96 + c.form.size() + c.category.size());
  auto put = [&out](std::string_view v) {
    out += v;
    out += '|';
  };
  put("1");
  put(to_string(c.state));
  put(c.form);
  put(to_string(c.priority));
  put(std::to_string(c.received.time_since_epoch().count()));
  put(std::to_string(c.deadline.time_since_epoch().count()));
  put(c.officer);
  put(std::to_string(c.epoch));
  put(c.field_office);
  put(c.language);
  put(to_string(c.clearance));
  put(std::to_string(c.min_level));
  put(c.senior_review ? "1" : "0");
  put(c.preferred);
  put(excluded);
  put(c.court_date ? docket::to_string(*c.court_date) : "");
  put(c.category);
  put(c.outcome ? to_string(*c.outcome) : "");
  put(c.rfe_out_at ? std::to_string(c.rfe_out_at->time_since_epoch().count()) : "");
  put(c.transfer_to);
  put(c.center);
  out += c.last_audit;  // Last, so that the script can append it to a new record.
  return out;
}

StoredCase decode(ReceiptNumber receipt, std::string_view center, std::string_view record) {
  std::string_view f[kFields];
  int n = 0;
  std::size_t start = 0;
  while (n < kFields) {
    const std::size_t bar = record.find('|', start);
    f[n++] = record.substr(start, bar == std::string_view::npos ? bar : bar - start);
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  // The last field must end the record: a 23rd field is as wrong as a missing one.
  const bool extra = n == kFields && f[kFields - 1].data() + f[kFields - 1].size() != record.data() + record.size();
  if (n != kFields || extra || f[0] != "1") {
    throw InvalidArgument("record of " + receipt.str() + " is not a version-1 record of " +
                          std::to_string(kFields) + " fields");
  }
  StoredCase c;
  c.receipt = receipt;
  c.center = center;
  c.state = must("state", f[1], parse_case_state(f[1]));
  c.form = f[2];
  c.priority = must("priority", f[3], parse_priority(f[3]));
  c.received = TimePoint(Seconds(to_int("received", f[4])));
  c.deadline = TimePoint(Seconds(to_int("deadline", f[5])));
  c.officer = f[6];
  c.epoch = to_int("epoch", f[7]);
  c.field_office = f[8];
  c.language = f[9];
  c.clearance = must("clearance", f[10], parse_clearance(f[10]));
  c.min_level = static_cast<int>(to_int("min_level", f[11]));
  c.senior_review = f[12] == "1";
  c.preferred = f[13];
  for (std::size_t s = 0; s < f[14].size();) {
    const std::size_t comma = f[14].find(',', s);
    c.excluded.emplace_back(f[14].substr(s, comma == std::string_view::npos ? comma : comma - s));
    if (comma == std::string_view::npos) break;
    s = comma + 1;
  }
  if (!f[15].empty()) {
    c.court_date = parse_date(f[15]);
    if (!c.court_date) throw InvalidArgument("record field court_date: expected YYYY-MM-DD, a real day");
  }
  c.category = f[16];
  if (!f[17].empty()) c.outcome = must("outcome", f[17], parse_outcome(f[17]));
  if (!f[18].empty()) c.rfe_out_at = TimePoint(Seconds(to_int("rfe_out_at", f[18])));
  c.transfer_to = f[19];
  if (f[20] != center) {
    throw InvalidArgument("record of " + receipt.str() + " names center " + std::string(f[20]) +
                          " but is stored in " + std::string(center));
  }
  c.last_audit = f[21];
  return c;
}

}  // namespace docket::store
