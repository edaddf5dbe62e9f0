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

/// Runs one policy ("<name>" or "<name>+rebalance") on a scenario.
inline RunResult run_policy(const Scenario& s, const std::string& spec, SimOptions opts = {}) {
  std::string name = spec;
  const bool rebalance = name.size() > 10 && name.ends_with("+rebalance");
  if (rebalance) name.resize(name.size() - 10);
  auto policy = matching::make_policy(name).value();
  auto rebalancer = rebalance ? make_load_rebalancer() : nullptr;
  Simulator sim(national_config(), s, *policy, rebalancer.get(), opts);
  return sim.run();
}

}  // namespace docket::sim::testing
