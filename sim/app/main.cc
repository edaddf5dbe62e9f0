// docket-sim: what-if simulation of the national system in virtual time.
//
// Runs one or more assignment policies on the same calibrated scenario (same cases, outcomes and
// staffing) and reports deadline misses, cycle times, backlog, utilization, fairness and the gap
// to an offline lower bound, as a terminal table, CSV files and gnuplot PNGs.
//
// Exit codes: 0 done, 1 bad scenario, configuration or arguments, 2 an internal error.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "docket/matching/policy.h"
#include "docket/sim/report.h"
#include "docket/sim/scenario.h"
#include "docket/sim/simulator.h"

namespace docket::sim {
namespace {

constexpr const char* kRebalanceSuffix = "+rebalance";
// Docket's policy with triage: the min-cost flow with the "triage" cost model in place of
// "deadline-slack" (scheduler/matching/src/cost_models/triage.h).
constexpr const char* kTriage = "min-cost-flow-triage";
constexpr const char* kAllPolicies =
    "fifo,skills-longest-idle,greedy-edf,min-cost-flow,min-cost-flow+rebalance,min-cost-flow-triage,"
    "min-cost-flow-triage+rebalance";

struct Args {
  std::string scenario = "sim/scenarios/national.yaml";
  std::string policies = "all";
  std::string out = "out/sim";
  std::optional<double> scale;
  std::optional<int> days;
  std::optional<std::uint64_t> seed;
  std::optional<int> round_minutes;
  std::optional<std::int64_t> officers;
  std::optional<double> staffing;
  bool plots = true;
  bool check = false;
  int progress = 0;
  std::string round_log;
};

struct PolicySpec {
  std::string name;    ///< As given to --policy, without +rebalance.
  std::string policy;  ///< The matching::Policy it runs.
  bool triage = false;
  bool rebalance = false;
};

// The scheduler's configuration with the triage cost model in place of deadline-slack (at the
// same weight), or added if deadline-slack is not configured.
config::NationalConfig with_triage(config::NationalConfig cfg) {
  auto& models = cfg.scheduler.cost_models;
  auto it = std::find_if(models.begin(), models.end(), [](const auto& m) { return m.name == "deadline-slack"; });
  if (it != models.end()) {
    it->name = "triage";
  } else if (std::none_of(models.begin(), models.end(), [](const auto& m) { return m.name == "triage"; })) {
    models.push_back({"triage", 1.0});
  }
  return cfg;
}

std::vector<PolicySpec> parse_policies(const std::string& text) {
  std::vector<PolicySpec> out;
  std::stringstream ss(text == "all" ? kAllPolicies : text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    PolicySpec p;
    const std::string suffix = kRebalanceSuffix;
    if (item.size() > suffix.size() && item.compare(item.size() - suffix.size(), suffix.size(), suffix) == 0) {
      p.rebalance = true;
      item.resize(item.size() - suffix.size());
    }
    p.name = item;
    p.triage = item == kTriage;
    p.policy = p.triage ? "min-cost-flow" : item;
    if (auto made = matching::make_policy(p.policy); !made.ok()) {
      throw InvalidArgument("--policy: " + made.error() + ", or " + kTriage + " (the min-cost flow with triage); append " +
                            suffix + " for national rebalancing, or use 'all'");
    }
    out.push_back(p);
  }
  if (out.empty()) throw InvalidArgument("--policy: no policy named");
  return out;
}

int run(const Args& args) {
  Scenario sc = load_scenario(args.scenario);
  if (args.scale) sc.scale = *args.scale;
  if (args.days) sc.days = *args.days;
  if (args.seed) sc.seed = *args.seed;
  if (args.round_minutes) sc.round_minutes = *args.round_minutes;
  if (args.officers) sc.officers = *args.officers;
  if (args.staffing) sc.staffing_ratio = *args.staffing;
  validate(sc);
  const auto specs = parse_policies(args.policies);
  const config::NationalConfig cfg = config::load_national_config(sc.config);
  double effort = 0;
  const std::size_t roster = Simulator::roster_size(cfg, sc, &effort);
  std::printf("docket-sim: %s, scale %.3g, %d days from %s, seed %llu, rounds every %d min\n", args.scenario.c_str(),
              sc.scale, sc.days, to_string(sc.start).c_str(), static_cast<unsigned long long>(sc.seed),
              sc.round_minutes);
  std::printf("roster: %zu officers for %.0f expected officer-hours of receipts a year (staffing ratio %.2f)\n",
              roster, effort, sc.staffing_ratio);
  std::fflush(stdout);

  std::vector<RunResult> runs;
  std::optional<std::int64_t> bound;
  const config::NationalConfig triage_cfg = with_triage(cfg);
  for (const auto& spec : specs) {
    auto policy = matching::make_policy(spec.policy).value();
    std::unique_ptr<NationalRebalancer> rebalancer;
    if (spec.rebalance) rebalancer = std::make_unique<NationalRebalancer>(national_rebalance_options(sc, cfg.calendar));
    SimOptions opts;
    opts.check_invariants = args.check;
    // Triage hands out each deadline bucket's own cases (EDF within the bucket, not within the
    // whole class), so the class-wide EDF check does not apply to it.
    if (spec.triage) opts.edf_policy.clear();
    opts.record_bound = !bound.has_value();
    opts.progress_days = args.progress;
    if (!args.round_log.empty()) {
      opts.round_log = specs.size() == 1 ? args.round_log : args.round_log + "." + spec.name + (spec.rebalance ? kRebalanceSuffix : "");
    }
    Simulator sim(spec.triage ? triage_cfg : cfg, sc, *policy, rebalancer.get(), opts);
    RunResult r = sim.run();
    r.policy = spec.name;
    if (!bound) bound = lower_bound_misses(r);
    r.bound_jobs.clear();
    r.bound_jobs.shrink_to_fit();
    std::printf("  %-32s %.1f s (generation %.1f s, rounds %.1f s), missed %lld of %lld due\n",
                (spec.name + (spec.rebalance ? kRebalanceSuffix : "")).c_str(), r.seconds_total, r.seconds_generate,
                r.seconds_rounds, static_cast<long long>(r.missed), static_cast<long long>(r.due));
    if (r.rounds > 0) {
      const double n = static_cast<double>(r.rounds);
      std::printf("    %.1f s CPU (rounds %.1f s); %lld rounds, per round %.1f ms (build %.1f, solve %.1f, assign %.1f), mean %.0f case "
                  "nodes (%.0f more left out, saturated), %.0f officer classes, %.0f arcs (max %lld), %lld unplaced\n",
                  r.cpu_seconds_total, r.cpu_seconds_rounds, static_cast<long long>(r.rounds), 1e3 * r.seconds_rounds / n,
                  1e3 * r.seconds_round_build / n, 1e3 * r.seconds_round_solve / n, 1e3 * r.seconds_round_assign / n,
                  static_cast<double>(r.sum_case_nodes) / n, static_cast<double>(r.sum_saturated_nodes) / n,
                  static_cast<double>(r.sum_officer_classes) / n,
                  static_cast<double>(r.sum_graph_arcs) / n, static_cast<long long>(r.max_graph_arcs),
                  static_cast<long long>(r.unplaced));
    }
    if (rebalancer) {
      const NationalRebalancerStats& st = rebalancer->stats();
      std::printf("    national planner: %lld plans (%.1f h a week per officer present), %lld cases moved, %lld transfers "
                  "refused by the simulator, %.2f s in plan() (slowest %.3f s, %lld arcs at most)\n",
                  static_cast<long long>(st.plans), rebalancer->options().officer_hours_per_week,
                  static_cast<long long>(st.moved), static_cast<long long>(r.transfers_refused), st.seconds,
                  st.max_seconds, static_cast<long long>(st.max_graph_arcs));
    }
    if (args.check) {
      std::printf("    invariants: %lld checks, %lld violations\n", static_cast<long long>(r.invariant_checks),
                  static_cast<long long>(r.invariant_violations));
      for (const auto& v : r.violation_samples) std::printf("      %s\n", v.c_str());
    }
    std::fflush(stdout);
    runs.push_back(std::move(r));
  }
  print_report(stdout, runs, cfg.catalog, bound);
  write_csv(args.out, runs, cfg.catalog, bound);
  std::printf("\nCSV: %s/{summary,cycle_times,backlog,utilization}.csv\n", args.out.c_str());
  if (args.plots) {
    const auto pngs = write_plots(args.out, runs, cfg.catalog);
    if (pngs.empty()) {
      std::printf("plots: gnuplot not found; scripts left in %s\n", args.out.c_str());
    } else {
      for (const auto& p : pngs) std::printf("plot: %s\n", p.c_str());
    }
  }
  for (const auto& r : runs) {
    if (r.invariant_violations > 0) return 2;
  }
  return 0;
}

}  // namespace
}  // namespace docket::sim

int main(int argc, char** argv) {
  using namespace docket;
  sim::Args args;
  CLI::App app{"docket-sim: what-if simulation of assignment policies on a calibrated national scenario"};
  app.add_option("--scenario", args.scenario, "Scenario file (YAML)")->capture_default_str();
  app.add_option("--policy", args.policies,
                 "Comma-separated policies (fifo, skills-longest-idle, greedy-edf, min-cost-flow, "
                 "min-cost-flow-triage; append +rebalance for the national planner), or 'all'")
      ->capture_default_str();
  app.add_option("--out", args.out, "Directory for CSV files and plots")->capture_default_str();
  app.add_option("--scale", args.scale, "Multiply receipts, backlog and roster (1 = national)");
  app.add_option("--days", args.days, "Days to simulate");
  app.add_option("--seed", args.seed, "Seed of the scenario");
  app.add_option("--round-minutes", args.round_minutes, "Minutes between assignment rounds");
  app.add_option("--officers", args.officers, "Roster size at scale 1 (overrides the staffing ratio)");
  app.add_option("--staffing", args.staffing, "Officer-hours per expected hour of receipt effort");
  app.add_flag("!--no-plots", args.plots, "Skip the gnuplot PNGs");
  app.add_flag("--check-invariants", args.check, "Check every offer against the invariants (slow)");
  app.add_option("--progress", args.progress, "Print progress every N simulated days to stderr");
  app.add_option("--round-log", args.round_log,
                 "Write one CSV line per round (graph size, milliseconds per phase) to this file; with several "
                 "policies, one file per policy with its name appended");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    return sim::run(args);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "docket-sim: configuration error: %s\n", e.what());
    return 1;
  } catch (const InvalidArgument& e) {
    std::fprintf(stderr, "docket-sim: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "docket-sim: internal error: %s\n", e.what());
    return 2;
  }
}
