#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/core/result.h"
#include "docket/matching/eligibility.h"
#include "docket/matching/options.h"

namespace docket::matching {

using Cost = std::int64_t;

/// A set of queued cases that are interchangeable for this round: one equivalence class (form,
/// center, priority, language, clearance, ...) cut to one deadline bucket.
struct CaseNodeView {
  const FormPolicy* form = nullptr;
  Priority priority = Priority::kNormal;
  CenterId center = kNoCenter;
  int slack_days = 0;            ///< Slack of the most urgent case the node may hold.
  /// Every case of the node is past its deadline (the first deadline bucket, when its edge is
  /// 0 days). slack_days is 0 then, as it is for cases due within the day, so a model that
  /// must tell late cases from urgent ones reads this.
  bool overdue = false;
  Relaxation relax;              ///< Bullseye relaxation in force for the node.
  bool has_preferred = false;    ///< The cases prefer one officer (affinity).
  std::int64_t cases = 0;
};

/// The officers a case node may go to, as one requirement: a skill at a minimum level, either at
/// one center (local) or at any allowed center (national, for cases allowed to cross).
struct GroupView {
  bool national = false;
  CenterId center = kNoCenter;   ///< The local center, or the case's home center if national.
  SkillId skill = 0;
  int min_level = 1;             ///< After relaxation.
  int required_level = 1;        ///< Before relaxation.
};

/// Officers at one center holding one skill at exactly one level.
struct PoolView {
  CenterId center = kNoCenter;
  SkillId skill = 0;
  int level = 1;
};

/// A cost model prices the arcs of the assignment graph (Firmament's cost-model interface).
/// Each method returns the cost per case of one arc kind; the default is 0, so a model only
/// overrides what it cares about. Costs must be >= 0 and at most kMaxModelCost: the graph
/// builder prices "unassigned" above every assignment path, so that a round assigns as many
/// cases as capacity allows and urgency decides who waits.
///
/// The compact graph (Options::compact_graph) relies on two more rules, which every model here
/// keeps: urgency is priced by unassigned() alone, so to_group() does not depend on the node's
/// deadline bucket (slack, overdue, relaxation) and to_pool() not on the group's relaxed
/// min_level; and to_pool() prices every pool of a center other than the group's alike whatever
/// the group's center (the national hubs check this rule as they are built and fall back to
/// direct arcs when it fails; the first is not checked).
class CostModel {
 public:
  static constexpr Cost kMaxModelCost = 1'000'000;

  virtual ~CostModel() = default;
  virtual std::string_view name() const = 0;
  /// Extra cost of leaving one case of the node unassigned this round (urgency).
  virtual Cost unassigned(const CaseNodeView& node) const;
  /// Cost of sending one case of the node into a group.
  virtual Cost to_group(const CaseNodeView& node, const GroupView& group) const;
  /// Cost of one case of a group going to an officer of a pool.
  virtual Cost to_pool(const GroupView& group, const PoolView& pool) const;
  /// Cost of one case of the node going straight to the officer it prefers.
  virtual Cost to_preferred(const CaseNodeView& node) const;
  /// Cost of an officer's slot at `load` (0-based: the officer already holds `load` cases) out of
  /// `capacity`. Costs rising with load spread work across officers.
  virtual Cost load_slot(int load, int capacity) const;
  /// Whether the model may rank a later deadline bucket of a class above an earlier one (as
  /// triage ranks cases that can still be on time above late ones). The matcher then hands out
  /// each bucket node's flow from that bucket's own cases, earliest deadline first within the
  /// bucket (design.md's equivalence class includes the deadline bucket), instead of from the
  /// class's earliest cases. Default: false.
  virtual bool serves_buckets_apart() const;
};

/// Creates a cost model by name; an unknown name returns an error listing the known names.
Result<std::unique_ptr<CostModel>> make_cost_model(std::string_view name);
/// The names make_cost_model() accepts.
std::vector<std::string> cost_model_names();

/// The weighted sum of several cost models; what the graph builder prices arcs with.
class CompositeCostModel final : public CostModel {
 public:
  /// Builds the models named in specs. Throws InvalidArgument on an unknown name, a negative
  /// weight, or a name listed twice.
  explicit CompositeCostModel(const std::vector<CostModelSpec>& specs);

  std::string_view name() const override { return "composite"; }
  Cost unassigned(const CaseNodeView& node) const override;
  Cost to_group(const CaseNodeView& node, const GroupView& group) const override;
  Cost to_pool(const GroupView& group, const PoolView& pool) const override;
  Cost to_preferred(const CaseNodeView& node) const override;
  Cost load_slot(int load, int capacity) const override;
  /// True if any model with a positive weight serves buckets apart.
  bool serves_buckets_apart() const override;

  /// One model's weighted share of a cost, for explain.
  struct Term {
    std::string model;
    Cost cost;
  };
  /// The per-model terms of a whole assignment path (node -> group -> pool -> slot), or of
  /// the direct path to a preferred officer when group and pool are null.
  std::vector<Term> path_terms(const CaseNodeView& node, const GroupView* group,
                               const PoolView* pool, int load, int capacity) const;
  std::vector<Term> unassigned_terms(const CaseNodeView& node) const;

 private:
  struct Weighted {
    std::unique_ptr<CostModel> model;
    double weight;
  };
  template <typename F>
  Cost sum(F&& f) const;
  std::vector<Weighted> models_;
};

}  // namespace docket::matching
