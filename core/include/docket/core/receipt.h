#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace docket {

/// A USCIS receipt number: three letters naming the receiving site, then ten digits
/// (two for the fiscal year, three for the workday, five for the sequence), e.g. EAC2590012345.
///
/// Held as one 64-bit value so that the scheduler can index millions of them cheaply.
class ReceiptNumber {
 public:
  /// The receipt prefixes Docket knows, with the site that uses each
  /// (../shared/data/uscis_sites.csv). IOE is USCIS' online filing system (ELIS).
  enum class Prefix : std::uint8_t { kEAC, kWAC, kLIN, kSRC, kMSC, kYSC, kIOE };
  static constexpr int kPrefixCount = 7;

  /// EAC0000000000, a placeholder that no real case carries.
  ReceiptNumber() = default;

  /// Parses and validates a receipt number. Returns an empty optional when the text is not
  /// exactly three known prefix letters followed by ten digits; see parse_error() for why.
  static std::optional<ReceiptNumber> parse(std::string_view text);
  /// Says what is wrong with text, or returns an empty string when it is a valid receipt number.
  static std::string parse_error(std::string_view text);
  /// Builds a receipt number from its parts. Throws InvalidArgument if digits > 9,999,999,999.
  static ReceiptNumber make(Prefix prefix, std::uint64_t digits);
  /// Rebuilds a receipt number from packed(). Throws InvalidArgument on a value packed() cannot
  /// produce.
  static ReceiptNumber from_packed(std::uint64_t packed);

  Prefix prefix() const { return static_cast<Prefix>(packed_ >> kDigitBits); }
  std::uint64_t digits() const { return packed_ & ((std::uint64_t{1} << kDigitBits) - 1); }
  /// The two-digit fiscal year the receipt was issued in (e.g. 25 for FY2025).
  int fiscal_year() const { return static_cast<int>(digits() / 100'000'000ULL); }
  std::uint64_t packed() const { return packed_; }
  std::string str() const;

  /// The site code (VSC, CSC, NSC, TSC, NBC, PSC) whose prefix this is, or "ELIS" for IOE.
  static std::string_view site_code(Prefix p);
  static std::string_view prefix_text(Prefix p);

  auto operator<=>(const ReceiptNumber&) const = default;

 private:
  static constexpr int kDigitBits = 34;  // 10^10 < 2^34
  explicit ReceiptNumber(std::uint64_t packed) : packed_(packed) {}
  std::uint64_t packed_ = 0;
};

}  // namespace docket

template <>
struct std::hash<docket::ReceiptNumber> {
  std::size_t operator()(const docket::ReceiptNumber& r) const noexcept {
    return std::hash<std::uint64_t>{}(r.packed());
  }
};
