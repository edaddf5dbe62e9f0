#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/core/clock.h"
#include "docket/matching/matcher.h"

namespace docket::rebalance::testing {

/// 2026-03-02T15:00:00Z, a Monday.
TimePoint epoch();

/// Three service centers (VSC, CSC, NSC), three field offices (FO-KEN and FO-HIA in the Miami
/// district, FO-HOU in Houston) and five forms:
///   I-130  any center, transferable, 1.5 h;     I-765  VSC and CSC only, 0.5 h;
///   N-400  interview, transferable within its district, 2 h (field offices);
///   I-589  interview, not transferable, 6 h (field offices);
///   I-90   not transferable, 0.4 h.
Catalog catalog();

/// A matcher over a catalog (which must outlive it), with a clock at epoch().
struct World {
  explicit World(const Catalog& cat) : clock(epoch()), matcher(cat, matching::Options{}, clock) {}
  ManualClock clock;
  matching::Matcher matcher;
};

/// Fills a world at random: officers at random centers with random certifications among the
/// forms their center may work, presence mostly available; queued cases at centers listed for
/// their forms, interview cases at field offices (their own field office), deadlines from two
/// weeks overdue to twenty weeks ahead, ages up to a year. Deterministic for a seed.
void populate(World& w, std::uint64_t seed, int cases, int officers);

/// Receipt number n as EAC + ten digits.
ReceiptNumber receipt(std::uint64_t n);

}  // namespace docket::rebalance::testing
