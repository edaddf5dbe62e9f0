#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace docket {

/// Instants are UTC seconds. Local dates (business days) are computed per center in its time zone.
using TimePoint = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;
using Date = std::chrono::year_month_day;

/// Dense ids handed out by the Catalog and the officer roster. Dense ids keep the scheduler's
/// per-case memory small and let hot loops index vectors instead of hashing strings.
using SkillId = std::uint16_t;
using LanguageId = std::uint8_t;
using CenterId = std::uint16_t;
using FormId = std::uint16_t;
using OfficerId = std::uint32_t;

inline constexpr CenterId kNoCenter = std::numeric_limits<CenterId>::max();
inline constexpr OfficerId kNoOfficer = std::numeric_limits<OfficerId>::max();
inline constexpr LanguageId kNoLanguage = std::numeric_limits<LanguageId>::max();
/// Languages are held as a 64-bit set, so at most 64 languages can be configured.
inline constexpr int kMaxLanguages = 64;
inline constexpr int kMinSkillLevel = 1;
inline constexpr int kMaxSkillLevel = 5;

/// Case priority. The order is meaningful: a later value is more urgent at equal deadline.
enum class Priority : std::uint8_t { kNormal = 0, kExpedite = 1, kPremium = 2, kLitigation = 3 };
inline constexpr int kPriorityCount = 4;

/// The case lifecycle of design.md. Every case is in exactly one of these states.
enum class CaseState : std::uint8_t {
  kReceived,
  kQueued,
  kOffered,
  kAssigned,
  kRfePending,
  kOnHold,
  kTransferred,
  kQaReview,
  kDecided,
};
inline constexpr int kCaseStateCount = 9;

enum class Presence : std::uint8_t { kAvailable, kAway, kOffline };

enum class CenterKind : std::uint8_t {
  kServiceCenter,
  kBenefitsCenter,
  kFieldOffice,
  kAsylumOffice,
};

/// Security clearance tiers, ordered: a higher tier may handle everything a lower one may.
enum class Clearance : std::uint8_t { kPublicTrust = 0, kSecret = 1, kTopSecret = 2 };

/// Decision outcomes an officer records.
enum class Outcome : std::uint8_t { kApprove, kDeny, kRequestEvidence, kRefer, kTransfer };

std::string_view to_string(Priority p);
std::string_view to_string(CaseState s);
std::string_view to_string(Presence p);
std::string_view to_string(CenterKind k);
std::string_view to_string(Clearance c);
std::string_view to_string(Outcome o);

/// Parsers accept the to_string() spelling (lower case, '_' or '-' between words) and return
/// an empty optional for anything else, so callers can report the bad value in context.
std::optional<Priority> parse_priority(std::string_view s);
std::optional<CaseState> parse_case_state(std::string_view s);
std::optional<Presence> parse_presence(std::string_view s);
std::optional<CenterKind> parse_center_kind(std::string_view s);
std::optional<Clearance> parse_clearance(std::string_view s);
std::optional<Outcome> parse_outcome(std::string_view s);

/// A date as YYYY-MM-DD (ISO 8601), the one spelling Docket reads and writes.
std::string to_string(Date d);
/// Accepts exactly YYYY-MM-DD naming a real calendar day; an empty optional for anything else.
std::optional<Date> parse_date(std::string_view s);

}  // namespace docket
