#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>

#include "docket/core/catalog.h"
#include "docket/worker/behaviour.h"

namespace docket::worker {

struct SimulatedOptions {
  static constexpr std::uint64_t DEFAULT_SEED = 1;
  /// 1 = real time; 3600 = one hour of officer effort per second.
  static constexpr double DEFAULT_TIME_SCALE = 1.0;
  static constexpr double DEFAULT_DECLINE_SHARE = 0.0;
  /// Shape of the lognormal effort: the standard deviation of log(hours). 0.5 puts the middle
  /// 90% of cases between 0.44x and 2.3x the median, a spread assumed for routine adjudication.
  static constexpr double DEFAULT_EFFORT_SIGMA = 0.5;
  /// Used for a form whose policy has no approval share in the configuration (an assumption:
  /// about the national approval rate across forms).
  static constexpr double DEFAULT_APPROVAL_SHARE = 0.9;
  /// Share of non-QA decisions referred to the fraud/national-security unit (an assumption; no
  /// public figure exists).
  static constexpr double DEFAULT_REFER_SHARE = 0.005;
  /// Share of non-QA decisions transferred to another center adjudicating the form. 0 by
  /// default: transfers are management's tool (rebalancing), rarely an officer's.
  static constexpr double DEFAULT_TRANSFER_SHARE = 0.0;
  /// Mean effort for a form the configuration does not know.
  static constexpr double DEFAULT_EFFORT_HOURS = 1.0;

  std::uint64_t seed = DEFAULT_SEED;
  double time_scale = DEFAULT_TIME_SCALE;
  bool effort_zero = false;  ///< Decide at once (load tests).
  double decline_share = DEFAULT_DECLINE_SHARE;
  double effort_sigma = DEFAULT_EFFORT_SIGMA;
  double default_approval_share = DEFAULT_APPROVAL_SHARE;
  double refer_share = DEFAULT_REFER_SHARE;
  double transfer_share = DEFAULT_TRANSFER_SHARE;
  double default_effort_hours = DEFAULT_EFFORT_HOURS;
};

/// The simulated officer's choices, drawn from the form policies of the configuration. Every
/// draw depends only on the seed and the case (its receipt; for a decline also the offer's
/// epoch), never on the order in which cases arrive, so a run with many officers is reproducible
/// for a seed.
///
/// Outcomes, for an ordinary case: `rfe` with the form's rfe_rate; else `refer` and `transfer`
/// with their shares; else `approve` with the form's approval share, `deny` otherwise. A case
/// returning from an RFE is not sent a second RFE; a QA case is approved (the decision stands)
/// with the approval share, else denied. The approval share of the configuration is the share of
/// completions approved, so it is applied to the cases actually decided.
class OfficerModel {
 public:
  /// Throws InvalidArgument when a share is outside 0-1, time_scale is not positive, or
  /// effort_sigma is negative.
  OfficerModel(const Catalog& catalog, SimulatedOptions options);

  bool declines(const Case& c) const;
  /// Effort in officer hours: lognormal with the form's mean effort_hours.
  double effort_hours(const Case& c) const;
  /// The wall time the effort takes after --time-scale (zero with effort_zero).
  Millis effort_time(const Case& c) const;
  Decision decision(const Case& c) const;
  const SimulatedOptions& options() const { return options_; }

 private:
  std::mt19937_64 rng(const Case& c, std::uint64_t salt) const;
  const FormPolicy* form(const std::string& code) const;

  const Catalog& catalog_;
  SimulatedOptions options_;
};

/// Officers who accept their offers (or decline a share of them), work their cases one at a time
/// for the drawn effort, and decide them.
class SimulatedBehaviour final : public Behaviour {
 public:
  /// Throws as OfficerModel does.
  SimulatedBehaviour(const Catalog& catalog, SimulatedOptions options);
  void on_event(Desk& desk, const Event& event) override;
  Millis tick(Desk& desk) override;
  /// Cases waiting or being worked, for tests.
  std::size_t backlog() const;

 private:
  struct OfficerWork {
    std::deque<std::string> waiting;
    std::string current;
    Millis finish{0};
  };
  void start_next(Desk& desk, const std::string& officer);
  void forget(const std::string& receipt);

  OfficerModel model_;
  std::map<std::string, OfficerWork> work_;
  std::map<std::string, std::string> officer_of_;  ///< Receipt -> officer, for cases held.
  std::multimap<Millis, std::string> due_;         ///< Finish time -> officer.
};

}  // namespace docket::worker
