#include "docket/sim/simulator.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "docket/core/error.h"
#include "sim_test_util.h"

namespace docket::sim {
namespace {

using testing::national_config;
using testing::national_scenario;
using testing::run_policy;

TEST(SimulatorTest, DeterministicForASeed) {
  const Scenario s = national_scenario(0.005, 15);
  const RunResult a = run_policy(s, "min-cost-flow");
  const RunResult b = run_policy(s, "min-cost-flow");
  ASSERT_GT(a.decided, 0);
  EXPECT_EQ(a.decided, b.decided);
  EXPECT_EQ(a.missed, b.missed);
  EXPECT_EQ(a.due, b.due);
  EXPECT_EQ(a.offers, b.offers);
  EXPECT_EQ(a.rfes, b.rfes);
  EXPECT_EQ(a.qa_reviews, b.qa_reviews);
  EXPECT_EQ(a.inversions, b.inversions);
  EXPECT_EQ(a.backlog_by_day, b.backlog_by_day);
  EXPECT_EQ(a.worked_hours, b.worked_hours);
  Scenario other = s;
  other.seed = 2;
  EXPECT_NE(run_policy(other, "min-cost-flow").backlog_by_day, a.backlog_by_day);
}

// design.md's invariants on every offer of every round: one case, one officer; no officer above
// capacity; no ineligible officer (matching::check); EDF within a class for Docket's policy.
void expect_invariants(const std::string& name) {
  const Scenario s = national_scenario(0.005, 10);
  SimOptions opts;
  opts.check_invariants = true;
  NationalRebalancerStats planner;
  const RunResult r = run_policy(s, name, opts, &planner);
  EXPECT_GT(r.invariant_checks, 1000) << name;
  EXPECT_EQ(r.invariant_violations, 0) << name << ": " << (r.violation_samples.empty() ? "" : r.violation_samples[0]);
  EXPECT_GT(r.decided, 0) << name;
  if (name.ends_with("+rebalance")) {
    // The scheduler's own planner ran (every 7 days: days 0 and 7) and its moves were carried
    // out; a move the simulator refuses is counted, not lost.
    EXPECT_EQ(r.rebalancer, "national");
    EXPECT_EQ(planner.plans, 2) << name;
    EXPECT_GT(r.transfers, 0) << name;
    EXPECT_EQ(r.transfers + r.transfers_refused, planner.moved) << name;
    EXPECT_EQ(r.transfers_refused, 0) << name;
  }
}

TEST(SimulatorTest, BaselinesHonourTheInvariants) {
  for (const auto& name : matching::policy_names()) {
    if (name != "min-cost-flow") expect_invariants(name);
  }
}

// Fails while the matcher shares one national requirement group between forms of one skill
// whose allowed centers differ (e.g. I-485-ASY and I-485-EMP): the flow then reaches officers
// at centers the case's form does not allow. See docs/simulation.md, "Findings".
TEST(SimulatorTest, DocketPolicyHonoursTheInvariants) {
  expect_invariants("min-cost-flow");
  expect_invariants("min-cost-flow+rebalance");
}

TEST(SimulatorTest, DocketTriagePolicyHonoursTheInvariants) {
  expect_invariants("min-cost-flow-triage");
  expect_invariants("min-cost-flow-triage+rebalance");
}

TEST(SimulatorTest, NationalRebalancerPlansAtTheMatchersClockOnly) {
  const Catalog& cat = national_config().catalog;
  ManualClock clock(TimePoint(std::chrono::seconds(1'759'305'600)));
  matching::Matcher m(cat, national_config().scheduler, clock);
  NationalRebalancer rb(national_rebalance_options(national_scenario(0.01, 30), national_config().calendar));
  EXPECT_TRUE(rb.plan(m, clock.now()).empty());  // Nothing queued, nothing to move.
  EXPECT_EQ(rb.stats().plans, 1);
  EXPECT_THROW(rb.plan(m, clock.now() + std::chrono::hours(1)), InvalidArgument);
  rebalance::Options bad;
  bad.solver = "abacus";
  EXPECT_THROW(NationalRebalancer{bad}, InvalidArgument);
}

TEST(SimulatorTest, NationalRebalancerCapacityIsTheSimulatedOfficersTime) {
  // Six productive hours a business day (three quarters of eight) over the business days of an
  // average week of the period: about 30 hours, less the federal holidays.
  const Scenario s = national_scenario(0.01, 365);
  const double h = national_rebalance_options(s, national_config().calendar).officer_hours_per_week;
  EXPECT_LT(h, 30.0);
  EXPECT_GT(h, 28.0);
}

TEST(SimulatorTest, CasesAreConservedAndTheBoundHolds) {
  const Scenario s = national_scenario(0.005, 30);
  SimOptions opts;
  opts.record_bound = true;
  const RunResult r = run_policy(s, "fifo", opts);
  std::int64_t pending_end = 0;
  for (auto p : r.backlog_by_day.back()) pending_end += p;
  EXPECT_EQ(r.backlog_at_start + r.received, r.decided + pending_end);
  EXPECT_EQ(pending_end, r.pending_at_end);
  EXPECT_EQ(r.backlog_by_day.size(), 31U);
  EXPECT_LE(lower_bound_misses(r), r.missed);
  EXPECT_GT(r.rfes, 0);
  EXPECT_GT(r.qa_reviews, 0);
}

TEST(SimulatorTest, LowerBoundIsMooreHodgsonOnPooledCapacity) {
  RunResult r;
  r.start = TimePoint(std::chrono::seconds(0));
  r.tick_minutes = 60;
  r.capacity_hours = {1, 2, 3, 4, 5, 6};  // One officer-hour per tick.
  // Due after 2, 3, 3 and 6 hours with efforts 2, 2, 1, 1: the first 2-hour job must go.
  r.bound_jobs = {{2 * 3600, 2.0F}, {3 * 3600, 2.0F}, {3 * 3600, 1.0F}, {6 * 3600, 1.0F}};
  EXPECT_EQ(lower_bound_misses(r), 1);
  r.capacity_hours = {10, 20, 30, 40, 50, 60};
  EXPECT_EQ(lower_bound_misses(r), 0);
}

// On the calibrated mix at 1/100 scale, with the backlog cut to 2M (a what-if in which deadlines
// can still be met), Docket's min-cost flow misses at least 5% fewer deadlines than FIFO per
// center and decides at least 1% more cases. See docs/simulation.md for the full-backlog year.
TEST(SimulatorTest, DocketBeatsFifoOnASmallCalibratedScenario) {
  Scenario s = national_scenario(0.01, 90);
  s.backlog = 2'000'000;
  const RunResult fifo = run_policy(s, "fifo");
  const RunResult flow = run_policy(s, "min-cost-flow");
  ASSERT_GT(fifo.due, 1000);
  EXPECT_LE(static_cast<double>(flow.missed), 0.95 * static_cast<double>(fifo.missed))
      << "flow " << flow.missed << " vs fifo " << fifo.missed;
  EXPECT_GE(static_cast<double>(flow.decided), 1.01 * static_cast<double>(fifo.decided))
      << "flow " << flow.decided << " vs fifo " << fifo.decided;
}

// On the calibrated scenario itself (full backlog, 63% of it already late) at 1/100 scale over
// 60 days, Docket's flow with triage misses at most half the deadlines FIFO per center misses
// (measured: 4,772 against 13,306, 0.36) and decides cases with a lower 80th-percentile cycle
// time, while leaving more of the oldest cases open (the price docs/simulation.md reports).
TEST(SimulatorTest, DocketTriageHalvesFifosMissesOnTheCalibratedScenario) {
  const Scenario s = national_scenario(0.01, 60);
  const RunResult fifo = run_policy(s, "fifo");
  const RunResult triage = run_policy(s, "min-cost-flow-triage");
  ASSERT_GT(fifo.due, 1000);
  EXPECT_LE(static_cast<double>(triage.missed), 0.5 * static_cast<double>(fifo.missed))
      << "triage " << triage.missed << " vs fifo " << fifo.missed;
  CycleHistogram a, b;
  for (const auto& [key, h] : fifo.cycle) a.merge(h);
  for (const auto& [key, h] : triage.cycle) b.merge(h);
  EXPECT_LT(b.quantile(0.8), a.quantile(0.8));
  EXPECT_GT(triage.open_age.quantile(0.8), fifo.open_age.quantile(0.8));
  EXPECT_EQ(triage.open_age.count(), triage.pending_at_end);
}

TEST(SimulatorTest, FastSmokeYear) {
  const Scenario s = national_scenario(0.002, 365);
  const RunResult r = run_policy(s, "min-cost-flow");
  EXPECT_EQ(r.backlog_by_day.size(), 366U);
  EXPECT_NEAR(static_cast<double>(r.received), 0.002 * 12'938'465, 0.002 * 12'938'465 * 0.01);
  EXPECT_GT(r.decided, r.received / 2);
  double avail = 0, worked = 0;
  for (std::size_t c = 0; c < r.available_hours.size(); ++c) {
    avail += r.available_hours[c];
    worked += r.worked_hours[c];
  }
  EXPECT_GT(worked / avail, 0.5);
  EXPECT_LE(worked, avail + 1e-6);
}

TEST(SimulatorTest, RosterFollowsTheStaffingRatio) {
  Scenario s = national_scenario(1.0, 365);
  double effort = 0;
  const std::size_t n = Simulator::roster_size(national_config(), s, &effort);
  EXPECT_GT(effort, 1e6);
  s.staffing_ratio = 2.0;
  EXPECT_NEAR(static_cast<double>(Simulator::roster_size(national_config(), s)), 2.0 * static_cast<double>(n), 2);
  s.officers = 5000;
  s.scale = 0.1;
  EXPECT_EQ(Simulator::roster_size(national_config(), s), 500U);
}

TEST(SimulatorTest, ProgramRefusesBadInputWithExitOne) {
  const std::string bin = DOCKET_SIM_BIN;
  const std::string scenario = std::string(DOCKET_SOURCE_DIR) + "/sim/scenarios/national.yaml";
  auto exit_code = [](const std::string& cmd) {
    const int status = std::system((cmd + " > /dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(exit_code(bin + " --scenario " + scenario + " --policy coin-toss"), 1);
  EXPECT_EQ(exit_code(bin + " --scenario /nonexistent.yaml"), 1);
  EXPECT_EQ(exit_code(bin + " --scenario " + scenario + " --scale -3"), 1);
  EXPECT_EQ(exit_code(bin + " --scenario " + scenario + " --round-minutes 7"), 1);
}

}  // namespace
}  // namespace docket::sim
