#include "docket/core/receipt.h"

#include <array>
#include <cstdio>

#include "docket/core/error.h"

namespace docket {
namespace {

constexpr std::array<std::string_view, ReceiptNumber::kPrefixCount> kPrefixes = {
    "EAC", "WAC", "LIN", "SRC", "MSC", "YSC", "IOE"};
constexpr std::array<std::string_view, ReceiptNumber::kPrefixCount> kSites = {
    "VSC", "CSC", "NSC", "TSC", "NBC", "PSC", "ELIS"};
constexpr std::uint64_t kMaxDigits = 9'999'999'999ULL;

}  // namespace

std::string ReceiptNumber::parse_error(std::string_view text) {
  if (text.size() != 13) {
    return "a receipt number has 13 characters (3 letters, 10 digits), got " +
           std::to_string(text.size());
  }
  bool known = false;
  for (auto p : kPrefixes) known = known || p == text.substr(0, 3);
  if (!known) {
    return "unknown receipt prefix '" + std::string(text.substr(0, 3)) +
           "' (expected EAC, WAC, LIN, SRC, MSC, YSC or IOE)";
  }
  for (std::size_t i = 3; i < 13; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return "receipt digit " + std::to_string(i - 2) + " is '" + std::string(1, text[i]) +
             "', expected 0-9";
    }
  }
  return {};
}

std::optional<ReceiptNumber> ReceiptNumber::parse(std::string_view text) {
  if (text.size() != 13) return std::nullopt;
  int prefix = -1;
  for (int i = 0; i < kPrefixCount; ++i) {
    if (kPrefixes[i] == text.substr(0, 3)) prefix = i;
  }
  if (prefix < 0) return std::nullopt;
  std::uint64_t digits = 0;
  for (std::size_t i = 3; i < 13; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    digits = digits * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return make(static_cast<Prefix>(prefix), digits);
}

ReceiptNumber ReceiptNumber::make(Prefix prefix, std::uint64_t digits) {
  if (digits > kMaxDigits) throw InvalidArgument("receipt digits exceed ten digits");
  if (static_cast<int>(prefix) >= kPrefixCount) throw InvalidArgument("unknown receipt prefix");
  return ReceiptNumber((static_cast<std::uint64_t>(prefix) << kDigitBits) | digits);
}

ReceiptNumber ReceiptNumber::from_packed(std::uint64_t packed) {
  if ((packed >> kDigitBits) >= kPrefixCount) {
    throw InvalidArgument("packed receipt " + std::to_string(packed) + " has no valid prefix");
  }
  return make(static_cast<Prefix>(packed >> kDigitBits),
              packed & ((std::uint64_t{1} << kDigitBits) - 1));
}

std::string ReceiptNumber::str() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.3s%010llu", prefix_text(prefix()).data(),
                static_cast<unsigned long long>(digits()));
  return buf;
}

std::string_view ReceiptNumber::site_code(Prefix p) { return kSites.at(static_cast<int>(p)); }
std::string_view ReceiptNumber::prefix_text(Prefix p) { return kPrefixes.at(static_cast<int>(p)); }

}  // namespace docket
