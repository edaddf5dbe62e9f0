#pragma once

#include <cstdint>
#include <string>

namespace docket::rebalance::detail {

/// 1234567 -> "1,234,567", for tables and explanations people read.
inline std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace docket::rebalance::detail
