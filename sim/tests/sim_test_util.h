#pragma once

#include <memory>
#include <string>

#include "docket/config/config.h"
#include "docket/matching/policy.h"
#include "docket/sim/simulator.h"

namespace docket::sim::testing {

/// The national configuration and scenario, loaded once per test binary.
inline const config::NationalConfig& national_config() {
  static const config::NationalConfig cfg = config::load_national_config(
      std::string(DOCKET_SOURCE_DIR) + "/config/national/docket.yaml", {});
  return cfg;
}

inline Scenario national_scenario(double scale, int days) {
  Scenario s = load_scenario(std::string(DOCKET_SOURCE_DIR) + "/sim/scenarios/national.yaml");
  s.scale = scale;
  s.days = days;
  return s;
}

/// The national configuration with the triage cost model in place of deadline-slack, as
/// docket-sim runs "min-cost-flow-triage".
inline const config::NationalConfig& triage_config() {
  static const config::NationalConfig cfg = [] {
    config::NationalConfig c = national_config();
    for (auto& m : c.scheduler.cost_models) {
      if (m.name == "deadline-slack") m.name = "triage";
    }
    return c;
  }();
  return cfg;
}

/// Runs one policy ("<name>" or "<name>+rebalance"; "min-cost-flow-triage" is the min-cost flow
/// with triage) on a scenario, with the national planner when rebalancing. Its statistics go to
/// `planner` when given.
inline RunResult run_policy(const Scenario& s, const std::string& spec, SimOptions opts = {},
                            NationalRebalancerStats* planner = nullptr) {
  std::string name = spec;
  const bool rebalance = name.size() > 10 && name.ends_with("+rebalance");
  if (rebalance) name.resize(name.size() - 10);
  const bool triage = name == "min-cost-flow-triage";
  auto policy = matching::make_policy(triage ? "min-cost-flow" : name).value();
  std::unique_ptr<NationalRebalancer> rebalancer;
  if (rebalance) rebalancer = std::make_unique<NationalRebalancer>(national_rebalance_options(s, national_config().calendar));
  // Triage hands out each deadline bucket's own cases: EDF holds within a bucket, not across a
  // class, so the class-wide check is off for it.
  if (triage) opts.edf_policy.clear();
  Simulator sim(triage ? triage_config() : national_config(), s, *policy, rebalancer.get(), opts);
  RunResult r = sim.run();
  if (planner != nullptr && rebalancer) *planner = rebalancer->stats();
  return r;
}

}  // namespace docket::sim::testing
