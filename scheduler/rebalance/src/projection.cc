#include "projection.h"

#include <algorithm>
#include <cmath>

namespace docket::rebalance::detail {

std::int64_t weekly_cases(double rate, int w) {
  return static_cast<std::int64_t>(std::floor((w + 1) * rate + 1e-9) - std::floor(w * rate + 1e-9));
}

Projection project(const Pool& pool, std::size_t ages, int horizon, double rate) {
  const std::size_t dues = static_cast<std::size_t>(horizon) + 2;
  Projection out;
  // Processing time in weeks (age now + weeks until decided) -> cases.
  std::vector<double> proc(ages + static_cast<std::size_t>(horizon) + 2, 0.0);
  std::vector<std::int64_t> left(dues, 0);
  for (std::size_t u = 0; u < dues; ++u) {
    for (std::size_t a = 0; a < ages; ++a) left[u] += pool.counts[u * ages + a];
    out.backlog += left[u];
  }
  const std::vector<std::int64_t> total = left;
  auto spread = [&](std::size_t u, double x, std::size_t shift) {
    if (x <= 0) return;
    const double per = x / static_cast<double>(total[u]);
    for (std::size_t a = 0; a < ages; ++a) {
      if (const std::int64_t n = pool.counts[u * ages + a]; n > 0) proc[a + shift] += per * static_cast<double>(n);
    }
  };
  std::size_t u = 0;
  for (int w = 0; w < horizon; ++w) {
    std::int64_t cap = weekly_cases(rate, w);
    while (cap > 0 && u < dues) {
      if (left[u] == 0) {
        ++u;
        continue;
      }
      const std::int64_t x = std::min(cap, left[u]);
      const std::int64_t k = static_cast<std::int64_t>(std::max<std::size_t>(u, 1) - 1);
      if (u == 0 || w > k) out.misses += x;
      out.late_weeks += x * std::max<std::int64_t>(0, w - k);
      spread(u, static_cast<double>(x), static_cast<std::size_t>(w) + 1);
      left[u] -= x;
      cap -= x;
    }
  }
  for (std::size_t v = 0; v < dues; ++v) {
    if (left[v] == 0) continue;
    const std::int64_t k = static_cast<std::int64_t>(std::max<std::size_t>(v, 1) - 1);
    out.remaining += left[v];
    if (v <= static_cast<std::size_t>(horizon)) out.misses += left[v];
    out.late_weeks += left[v] * std::max<std::int64_t>(0, horizon - k);
    spread(v, static_cast<double>(left[v]), static_cast<std::size_t>(horizon));
  }
  if (out.backlog > 0) {
    const double target = 0.8 * static_cast<double>(out.backlog);
    double seen = 0;
    for (std::size_t b = 0; b < proc.size(); ++b) {
      seen += proc[b];
      if (seen >= target - 1e-6) {
        out.p80_days = static_cast<double>(b) * 7.0;
        break;
      }
    }
  }
  return out;
}

}  // namespace docket::rebalance::detail
