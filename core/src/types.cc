#include "docket/core/types.h"

#include <array>
#include <cstdio>
#include <string>

namespace docket {
namespace {

template <typename E, std::size_t N>
std::optional<E> parse_enum(std::string_view s, const std::array<std::string_view, N>& names) {
  std::string norm(s);
  for (char& ch : norm) {
    if (ch == '-') ch = '_';
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == norm) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, kPriorityCount> kPriorityNames = {
    "normal", "expedite", "premium", "litigation"};
constexpr std::array<std::string_view, kCaseStateCount> kStateNames = {
    "received", "queued",  "offered",   "assigned", "rfe_pending",
    "on_hold",  "transferred", "qa_review", "decided"};
constexpr std::array<std::string_view, 3> kPresenceNames = {"available", "away", "offline"};
constexpr std::array<std::string_view, 4> kCenterKindNames = {
    "service_center", "benefits_center", "field_office", "asylum_office"};
constexpr std::array<std::string_view, 3> kClearanceNames = {"public_trust", "secret",
                                                              "top_secret"};
constexpr std::array<std::string_view, 5> kOutcomeNames = {"approve", "deny", "request_evidence",
                                                            "refer", "transfer"};

}  // namespace

std::string_view to_string(Priority p) { return kPriorityNames.at(static_cast<int>(p)); }
std::string_view to_string(CaseState s) { return kStateNames.at(static_cast<int>(s)); }
std::string_view to_string(Presence p) { return kPresenceNames.at(static_cast<int>(p)); }
std::string_view to_string(CenterKind k) { return kCenterKindNames.at(static_cast<int>(k)); }
std::string_view to_string(Clearance c) { return kClearanceNames.at(static_cast<int>(c)); }
std::string_view to_string(Outcome o) { return kOutcomeNames.at(static_cast<int>(o)); }

std::optional<Priority> parse_priority(std::string_view s) {
  return parse_enum<Priority>(s, kPriorityNames);
}
std::optional<CaseState> parse_case_state(std::string_view s) {
  return parse_enum<CaseState>(s, kStateNames);
}
std::optional<Presence> parse_presence(std::string_view s) {
  return parse_enum<Presence>(s, kPresenceNames);
}
std::optional<CenterKind> parse_center_kind(std::string_view s) {
  return parse_enum<CenterKind>(s, kCenterKindNames);
}
std::optional<Clearance> parse_clearance(std::string_view s) {
  return parse_enum<Clearance>(s, kClearanceNames);
}
std::optional<Outcome> parse_outcome(std::string_view s) {
  return parse_enum<Outcome>(s, kOutcomeNames);
}

std::string to_string(Date d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (s[i] - '0');
    }
  }
  const Date date{std::chrono::year{parts[0]}, std::chrono::month{static_cast<unsigned>(parts[1])},
                  std::chrono::day{static_cast<unsigned>(parts[2])}};
  if (!date.ok()) return std::nullopt;
  return date;
}

}  // namespace docket
