#pragma once

#include <string>
#include <vector>

#include "docket/core/catalog.h"

namespace docket::matching {

/// A cost model switched on for the assignment rounds, with the weight its costs are scaled by.
struct CostModelSpec {
  std::string name;    ///< One of cost_model_names() (cost_model.h).
  double weight = 1.0; ///< Multiplies every cost the model returns; must be >= 0.
};

/// Tuning of the matching engine. Every field has a named default; configuration
/// (config/national/docket.yaml, section `scheduler`) overrides them.
struct Options {
  static constexpr const char* DEFAULT_SOLVER = "lemon-network-simplex";
  static constexpr int DEFAULT_FALLBACK_DEADLINE_DAYS = 180;
  static constexpr int DEFAULT_CROSS_CENTER_SLACK_DAYS = 30;
  static constexpr int DEFAULT_ROUND_INTERVAL_MS = 250;
  static constexpr int DEFAULT_MAX_ROUND_CASES = 0;
  static constexpr bool DEFAULT_COMPACT_GRAPH = true;

  /// Min-cost flow solver for the assignment graph (flow::solver_names()).
  std::string solver = DEFAULT_SOLVER;
  /// Deadline given to cases whose form has no processing goal, in calendar days.
  int fallback_deadline_days = DEFAULT_FALLBACK_DEADLINE_DAYS;
  /// A transferable case whose slack is at most this many days may go to an officer of another
  /// center (at the transfer cost); -1 never matches across centers. Rebalancing moves whole
  /// workloads; this only lets urgent cases spill over.
  int cross_center_slack_days = DEFAULT_CROSS_CENTER_SLACK_DAYS;
  /// Bullseye routing ladder, used for forms that set no ladder of their own.
  std::vector<SkillRelaxation> relaxation = {{14, 1}, {3, 2}};
  /// Upper edges (days of slack) of the deadline buckets that split equivalence classes.
  /// Cases past their deadline fall in the first bucket.
  std::vector<int> slack_bucket_days = {0, 1, 3, 7, 14, 30, 60, 90, 180, 365};
  /// Cost models and weights; the defaults switch every model on with weight 1.
  std::vector<CostModelSpec> cost_models = {{"deadline-slack", 1.0}, {"skill-fit", 1.0},
                                            {"transfer", 1.0},       {"load-balance", 1.0},
                                            {"affinity", 1.0}};
  /// Time between event-driven assignment rounds when events keep arriving.
  int round_interval_ms = DEFAULT_ROUND_INTERVAL_MS;
  /// At most this many cases are assigned in one round; 0 = no limit.
  int max_round_cases = DEFAULT_MAX_ROUND_CASES;
  /// Builds a smaller graph with the same optimum: a class's later deadline buckets are left out
  /// once its earlier ones hold as many cases as the free slots they reach (never for a cost
  /// model that ranks buckets apart), and national groups share their arcs to other centers'
  /// pools through one hub per requirement. Neither changes any round's objective, only which
  /// of several equally good assignments the solver may return; false builds the full graph,
  /// for comparisons.
  bool compact_graph = DEFAULT_COMPACT_GRAPH;
};

}  // namespace docket::matching
