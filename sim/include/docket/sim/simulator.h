#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "docket/config/config.h"
#include "docket/matching/policy.h"
#include "docket/sim/rebalancer.h"
#include "docket/sim/scenario.h"

namespace docket::sim {

/// Cycle times (receipt to final decision) in half-day bins, for exact-enough quantiles
/// without keeping every case.
class CycleHistogram {
 public:
  static constexpr double BIN_DAYS = 0.5;
  static constexpr std::size_t BINS = 8'000;  ///< Up to 4,000 days; longer ones go in the last.
  void add(double days);
  std::int64_t count() const { return count_; }
  /// The q-quantile in days (upper edge of its bin); 0 when empty.
  double quantile(double q) const;
  void merge(const CycleHistogram& other);

 private:
  std::vector<std::uint32_t> bins_;
  std::int64_t count_ = 0;
};

/// A case the offline lower bound counts: one whose deadline falls in the simulated year, with
/// the least officer effort it needs before its final decision.
struct BoundJob {
  std::int64_t deadline = 0;  ///< Unix seconds.
  float effort_hours = 0;
};

/// What one run measured.
struct RunResult {
  std::string policy;
  std::string rebalancer;  ///< Empty without rebalancing.
  TimePoint start{};
  int days = 0;
  std::size_t officers = 0;
  // Volumes.
  std::int64_t backlog_at_start = 0;
  std::int64_t received = 0;            ///< New receipts during the run.
  std::int64_t decided = 0;             ///< Final decisions (after QA review where sampled).
  std::int64_t approved = 0;
  std::int64_t pending_at_end = 0;
  std::int64_t rfes = 0;
  std::int64_t rfe_same_officer = 0;    ///< RFE responses re-reviewed by the officer who sent it.
  std::int64_t qa_reviews = 0;
  std::int64_t transfers = 0;
  std::int64_t transfers_refused = 0;
  std::int64_t offers = 0;
  std::int64_t cross_center_offers = 0;
  std::int64_t rounds = 0;
  // Deadlines: a case counts when its deadline falls in [start, end).
  std::int64_t due = 0;
  std::int64_t missed = 0;              ///< Decided after the deadline, or still pending at end.
  std::int64_t overdue_at_start = 0;    ///< Backlog already past its deadline at the start.
  double miss_rate() const { return due > 0 ? static_cast<double>(missed) / static_cast<double>(due) : 0; }
  // Fairness: pairs of cases of one class (form, center, priority, language, clearance)
  // received on different days, and those of them first taken up out of receipt order.
  std::int64_t fairness_pairs = 0;
  std::int64_t inversions = 0;
  // Cycle times by (form, center) of the final decision.
  std::map<std::pair<FormId, CenterId>, CycleHistogram> cycle;
  // Age at the end of the run of the cases still open (received, not finally decided), in days.
  CycleHistogram open_age;
  // Pending cases (received, not finally decided) per center at the end of each day.
  std::vector<std::vector<std::int64_t>> backlog_by_day;  ///< [day][center]
  // Officer time per center, in hours: present and productive, and spent on cases.
  std::vector<double> available_hours;
  std::vector<double> worked_hours;
  std::vector<int> officers_by_center;
  // Invariant checks (SimOptions::check_invariants).
  std::int64_t invariant_checks = 0;
  std::int64_t invariant_violations = 0;
  std::vector<std::string> violation_samples;  ///< The first few, for the test log.
  // Offline lower bound inputs (policy-independent: same seed, same jobs and capacity).
  std::vector<BoundJob> bound_jobs;
  std::vector<double> capacity_hours;   ///< Cumulative productive officer-hours at each tick end.
  int tick_minutes = 60;
  // Timing, wall seconds.
  double seconds_total = 0;
  double seconds_rounds = 0;
  /// Wall seconds the workload generator took. It runs on a second thread beside the
  /// simulation, so this overlaps the other figures.
  double seconds_generate = 0;
  /// Wall seconds the simulation waited for generated cases (the part of seconds_generate
  /// that did not overlap).
  double seconds_wait_generate = 0;
  /// CPU seconds (user + system) of the process during run(); unlike wall time, it does not
  /// grow when other work shares the machine.
  double cpu_seconds_total = 0;
  double cpu_seconds_rounds = 0;  ///< CPU seconds of the thread in the rounds.
  // What the rounds cost, summed over rounds (RoundStats of the matcher's policy).
  double seconds_round_build = 0;
  double seconds_round_solve = 0;
  double seconds_round_assign = 0;
  std::int64_t sum_case_nodes = 0;
  std::int64_t sum_saturated_nodes = 0;  ///< Case nodes left out because their class was saturated.
  std::int64_t sum_officer_classes = 0;
  std::int64_t sum_graph_arcs = 0;
  std::int64_t max_graph_arcs = 0;
  std::int64_t unplaced = 0;  ///< RoundStats::unplaced, summed.
};

/// How a run is instrumented (not what is simulated: that is the Scenario).
struct SimOptions {
  /// Check every offer of every round against the invariants of design.md (one case, one
  /// officer; no officer above capacity; no ineligible officer; for Docket's policy, EDF within
  /// each class). Costs a few times the round; for tests.
  bool check_invariants = false;
  /// Name of the policy whose offers must be EDF within a class (Docket's own).
  std::string edf_policy = "min-cost-flow";
  /// Keep the jobs and capacity curve of the offline lower bound in the result.
  bool record_bound = false;
  /// Print a progress line every this many simulated days to stderr; 0 = quiet.
  int progress_days = 0;
  /// If set, one CSV line per round is written here: simulated time, queued cases, free slots,
  /// graph size and the milliseconds of each phase (for profiling the rounds).
  std::string round_log;
};

/// A discrete-event simulation of the national system in virtual time: receipts and a backlog
/// from the calibrated generator, officers working cases at their forms' effort during their
/// centers' business days (minus leave), RFE round trips back to the officer who sent them, QA
/// review of sampled decisions by a different, senior officer, and transfers between centers.
/// Assignment rounds use the scheduler's own matching::Matcher and a matching::Policy.
///
/// Time advances in ticks of min(60, round_minutes) minutes on a ManualClock; a round runs every
/// round_minutes while any center is in its working hours. Randomness comes from hashes of the
/// receipt (effort, RFE, response delay, QA sampling, outcome) and of officer and day (leave),
/// so every policy faces the same cases, outcomes and staffing, and a run is deterministic for a
/// seed.
///
/// run() makes the backlog and the receipts on a second thread while it simulates; the
/// generator is called in the same order with the same arguments either way, so the thread
/// changes when cases are made, not which.
class Simulator {
 public:
  /// `policy` plans the rounds; `rebalancer` (may be null) runs every rebalance_interval_days.
  /// Throws ConfigError or InvalidArgument for a scenario the configuration cannot serve.
  Simulator(const config::NationalConfig& config, const Scenario& scenario,
            matching::Policy& policy, Rebalancer* rebalancer, SimOptions options = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  RunResult run();

  /// The roster size the scenario calls for at its scale (from `officers` or the staffing
  /// ratio), and the expected annual officer-hours of the receipts it sizes it from.
  static std::size_t roster_size(const config::NationalConfig& config, const Scenario& scenario,
                                 double* annual_effort_hours = nullptr);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// The fewest deadline misses any policy could reach on the run's cases: the jobs of
/// RunResult::bound_jobs on one machine whose capacity is all officers' productive hours pooled
/// (skills, jurisdictions, receipt dates, RFE waits and round timing all relaxed), solved exactly
/// by Moore-Hodgson. Every relaxation only lowers it, so it is a valid lower bound.
std::int64_t lower_bound_misses(const RunResult& run);

}  // namespace docket::sim
