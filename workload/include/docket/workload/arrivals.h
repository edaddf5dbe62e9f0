#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "docket/core/officer.h"

namespace docket::workload {

/// How receipts spread over the months of a year. The data gives one monthly figure: I-765
/// receipts ranged from 222k to 528k a month in FY2025 (SOURCES.md), around a mean of 406k
/// (4,877,645 / 12). Which month is high and which low is not in the data.
struct MonthlySwingOptions {
  /// 222,000 / (4,877,645 / 12): the lowest I-765 month relative to the mean month.
  static constexpr double DEFAULT_MIN_FACTOR = 0.546;
  /// 528,000 / (4,877,645 / 12): the highest I-765 month relative to the mean month.
  static constexpr double DEFAULT_MAX_FACTOR = 1.299;

  double min_factor = DEFAULT_MIN_FACTOR;
  double max_factor = DEFAULT_MAX_FACTOR;
  /// The order of high and low months is unknown, so it is drawn with this seed.
  std::uint64_t seed = 1;
};

/// Twelve factors, one per calendar month (index 0 = January), whose mean is exactly 1 (so an
/// annual total is kept), whose smallest is min_factor and whose largest is max_factor (the
/// published range). The ten other months are drawn uniformly between the two and rescaled
/// around 1 so that the mean holds; the order of the months is drawn with the seed, because the
/// data does not say which months are high. Throws InvalidArgument unless
/// 0 < min_factor <= 1 <= max_factor.
std::array<double, 12> monthly_factors(const MonthlySwingOptions& options);

/// A roster of exactly n officers in the proportions of `roster`: n below the roster's size
/// takes an evenly strided sample (so that every center keeps its share, which the first n
/// would not: the sample roster is sorted by center); n above it repeats the whole roster with
/// fresh ids ("<id>-r<k>") and fills the rest with a strided sample. Throws InvalidArgument if
/// the roster is empty or n is 0.
std::vector<Officer> proportional_roster(const std::vector<Officer>& roster, std::size_t n);

}  // namespace docket::workload
