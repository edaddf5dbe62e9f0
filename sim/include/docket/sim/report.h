#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/sim/simulator.h"

namespace docket::sim {

/// One row of the policy table.
struct Summary {
  std::string label;        ///< Policy, with "+<rebalancer>" when rebalancing.
  std::int64_t due = 0;
  std::int64_t missed = 0;
  double miss_rate = 0;
  double p50_days = 0;      ///< Cycle time of final decisions, all forms and centers.
  double p80_days = 0;
  double utilization = 0;   ///< Worked / productive hours present, all officers.
  double inversions_per_1k = 0;  ///< Receipt-order inversions per 1,000 comparable pairs.
  std::int64_t decided = 0;
  std::int64_t pending_at_end = 0;  ///< Cases still open at the end (received, not decided).
  /// 80th percentile of the open cases' age at the end, days: what a policy that leaves the
  /// oldest cases waiting (triage) pays, and a lower p80 of decided cases does not show.
  double open_p80_days = 0;
  /// 80th percentile over decided cases at their cycle time and open ones at their age so far
  /// (a lower bound on their cycle time).
  double p80_with_open_days = 0;
  double seconds = 0;
};
Summary summarize(const RunResult& run);

/// The table in the terminal: one line per policy, the offline lower bound on misses and each
/// policy's gap to it, then p80 cycle time per form for every policy.
void print_report(std::FILE* out, const std::vector<RunResult>& runs, const Catalog& catalog,
                  std::optional<std::int64_t> lower_bound);

/// Writes summary.csv, cycle_times.csv (per form and center, with ALL rows), backlog.csv (per
/// day and center) and utilization.csv into `dir` (created if needed). Throws IoError.
void write_csv(const std::filesystem::path& dir, const std::vector<RunResult>& runs,
               const Catalog& catalog, std::optional<std::int64_t> lower_bound);

/// Writes gnuplot scripts and their data into `dir` and runs gnuplot on them; returns the PNG
/// files made. Without gnuplot on the PATH, the scripts are left for later and no PNG is
/// returned (not an error: the CSV files carry the same figures).
std::vector<std::filesystem::path> write_plots(const std::filesystem::path& dir,
                                               const std::vector<RunResult>& runs,
                                               const Catalog& catalog);

}  // namespace docket::sim
