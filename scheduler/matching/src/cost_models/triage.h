#pragma once

#include "docket/matching/cost_model.h"

namespace docket::matching {

/// Tuning of the triage cost model. Where no public figure exists the default is an
/// assumption, and the reason is given.
struct TriageOptions {
  /// Productive officer-hours in a day of slack, to weigh a case's remaining effort against the
  /// time left: three quarters of an eight-hour federal workday (the share the simulator's
  /// officers adjudicate; no public figure).
  static constexpr double DEFAULT_HOURS_PER_SLACK_DAY = 6.0;
  /// How close to its deadline (days of slack) a case that can still be on time must come before
  /// it outranks the cases already late. Further out, late cases go first, so they get every slot
  /// that the cases due within this window leave. Thirty days is the point at which the matcher
  /// already treats a case as urgent (Options::DEFAULT_CROSS_CENTER_SLACK_DAYS lets it cross
  /// centers): a case with more slack can wait a round, a week or a month without missing.
  static constexpr int DEFAULT_ON_TIME_WINDOW_DAYS = 30;

  double hours_per_slack_day = DEFAULT_HOURS_PER_SLACK_DAY;
  int on_time_window_days = DEFAULT_ON_TIME_WINDOW_DAYS;
};

/// Triage: serve the cases that can still make their deadline before the ones that cannot.
///
/// A case node can still be on time when it is not past its deadline and its slack (whole days,
/// counting the day in hand, at hours_per_slack_day) covers its form's mean effort. Leaving one
/// case waiting costs, from most to least urgent:
///
///   1. can be on time, slack under on_time_window_days: kOnTimeBase + kScale / (1 + slack),
///      so that among them the least slack goes first (as deadline-slack orders them);
///   2. cannot be on time (overdue, or too little slack for the effort): kLateBase, the same for
///      every such node, so the flow does not spend capacity on the most overdue first; within a
///      class its bucket hands out earliest deadline first, which for one form is receipt order;
///   3. can be on time, slack at or beyond the window: kScale / (1 + slack).
///
/// Each tier adds kPriorityStep per priority level (litigation, premium, expedite above normal).
/// Late cases are therefore served with what capacity the cases due within the window leave,
/// and that share is the window's to tune: a wider window protects more on-time cases and leaves
/// the late ones less. The rule guarantees them no share when the cases due within the window
/// alone fill every slot (capacity short of receipts); then they wait.
///
/// The model ranks a later deadline bucket of a class above an earlier one, so it asks the
/// matcher to hand out each bucket's own cases (serves_buckets_apart()).
class TriageCostModel final : public CostModel {
 public:
  static constexpr Cost kScale = 100'000;
  static constexpr Cost kPriorityStep = 2'000;
  /// Above kScale + 3 kPriorityStep, so tier 3 never reaches tier 2.
  static constexpr Cost kLateBase = 200'000;
  /// Above kLateBase + 3 kPriorityStep, so tier 2 never reaches tier 1.
  static constexpr Cost kOnTimeBase = 400'000;

  explicit TriageCostModel(TriageOptions options = {});
  std::string_view name() const override { return "triage"; }
  Cost unassigned(const CaseNodeView& node) const override;
  bool serves_buckets_apart() const override { return true; }

  /// Whether the node's cases can still make their deadline (see the class comment).
  bool can_be_on_time(const CaseNodeView& node) const;

 private:
  TriageOptions options_;
};

}  // namespace docket::matching
