#include "docket/workload/arrivals.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <string>

#include "docket/core/error.h"

namespace docket::workload {

std::array<double, 12> monthly_factors(const MonthlySwingOptions& options) {
  const double lo = options.min_factor;
  const double hi = options.max_factor;
  if (!(lo > 0 && lo <= 1 && hi >= 1)) {
    throw InvalidArgument("monthly swing: expected 0 < min_factor <= 1 <= max_factor, got " +
                          std::to_string(lo) + " and " + std::to_string(hi));
  }
  std::array<double, 12> f{};
  if (lo == hi) {
    f.fill(1.0);
    return f;
  }
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> draw(lo, hi);
  // Two months carry the published extremes; the ten others are drawn between them and then
  // moved towards the nearer extreme just enough that the twelve average exactly 1.
  f[0] = lo;
  f[1] = hi;
  for (std::size_t m = 2; m < 12; ++m) f[m] = draw(rng);
  const double rest_target = 12.0 - lo - hi;
  double rest = std::accumulate(f.begin() + 2, f.end(), 0.0);
  for (int pass = 0; pass < 64 && std::abs(rest - rest_target) > 1e-12; ++pass) {
    const double gap = rest_target - rest;
    double room = 0;
    for (std::size_t m = 2; m < 12; ++m) room += gap > 0 ? hi - f[m] : f[m] - lo;
    if (room <= 0) break;
    for (std::size_t m = 2; m < 12; ++m) {
      f[m] += gap * (gap > 0 ? hi - f[m] : f[m] - lo) / room;
    }
    rest = std::accumulate(f.begin() + 2, f.end(), 0.0);
  }
  std::shuffle(f.begin(), f.end(), rng);
  return f;
}

std::vector<Officer> proportional_roster(const std::vector<Officer>& roster, std::size_t n) {
  if (roster.empty()) throw InvalidArgument("cannot resize an empty roster");
  if (n == 0) throw InvalidArgument("a roster needs at least one officer");
  std::vector<Officer> out;
  out.reserve(n);
  const std::size_t size = roster.size();
  const std::size_t copies = n / size;
  for (std::size_t k = 0; k < copies; ++k) {
    for (const auto& o : roster) {
      out.push_back(o);
      if (k > 0) out.back().id += "-r" + std::to_string(k);
    }
  }
  const std::size_t rest = n - copies * size;
  for (std::size_t i = 0; i < rest; ++i) {
    // Strided so that each center keeps its share of the partial copy.
    out.push_back(roster[i * size / rest]);
    if (copies > 0) out.back().id += "-r" + std::to_string(copies);
  }
  return out;
}

}  // namespace docket::workload
