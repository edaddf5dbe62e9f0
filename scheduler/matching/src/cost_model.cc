#include "docket/matching/cost_model.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "cost_models/affinity.h"
#include "cost_models/deadline_slack.h"
#include "cost_models/load_balance.h"
#include "cost_models/skill_fit.h"
#include "cost_models/transfer.h"
#include "cost_models/triage.h"

namespace docket::matching {
namespace {

using Factory = std::function<std::unique_ptr<CostModel>()>;

const std::map<std::string, Factory, std::less<>>& factories() {
  static const std::map<std::string, Factory, std::less<>> kFactories = {
      {"deadline-slack", [] { return std::make_unique<DeadlineSlackCostModel>(); }},
      {"skill-fit", [] { return std::make_unique<SkillFitCostModel>(); }},
      {"transfer", [] { return std::make_unique<TransferCostModel>(); }},
      {"load-balance", [] { return std::make_unique<LoadBalanceCostModel>(); }},
      {"affinity", [] { return std::make_unique<AffinityCostModel>(); }},
      {"triage", [] { return std::make_unique<TriageCostModel>(); }},
  };
  return kFactories;
}

Cost scale(Cost c, double weight) { return std::llround(static_cast<double>(c) * weight); }

}  // namespace

Cost CostModel::unassigned(const CaseNodeView&) const { return 0; }
Cost CostModel::to_group(const CaseNodeView&, const GroupView&) const { return 0; }
Cost CostModel::to_pool(const GroupView&, const PoolView&) const { return 0; }
Cost CostModel::to_preferred(const CaseNodeView&) const { return 0; }
Cost CostModel::load_slot(int, int) const { return 0; }
bool CostModel::serves_buckets_apart() const { return false; }

Result<std::unique_ptr<CostModel>> make_cost_model(std::string_view name) {
  auto it = factories().find(name);
  if (it == factories().end()) {
    std::string known;
    for (const auto& n : cost_model_names()) known += (known.empty() ? "" : ", ") + n;
    return Result<std::unique_ptr<CostModel>>::failure("unknown cost model '" + std::string(name) +
                                                       "' (known: " + known + ")");
  }
  return it->second();
}

std::vector<std::string> cost_model_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories()) names.push_back(name);
  return names;
}

CompositeCostModel::CompositeCostModel(const std::vector<CostModelSpec>& specs) {
  for (const auto& spec : specs) {
    if (!(spec.weight >= 0.0) || !std::isfinite(spec.weight)) {
      throw InvalidArgument("cost model '" + spec.name + "' has weight " +
                            std::to_string(spec.weight) + ", expected a finite value >= 0");
    }
    for (const auto& w : models_) {
      if (w.model->name() == spec.name) {
        throw InvalidArgument("cost model '" + spec.name + "' is listed twice");
      }
    }
    models_.push_back({make_cost_model(spec.name).value(), spec.weight});
  }
}

template <typename F>
Cost CompositeCostModel::sum(F&& f) const {
  Cost total = 0;
  for (const auto& w : models_) total += scale(f(*w.model), w.weight);
  return total;
}

Cost CompositeCostModel::unassigned(const CaseNodeView& node) const {
  return sum([&](const CostModel& m) { return m.unassigned(node); });
}
Cost CompositeCostModel::to_group(const CaseNodeView& node, const GroupView& group) const {
  return sum([&](const CostModel& m) { return m.to_group(node, group); });
}
Cost CompositeCostModel::to_pool(const GroupView& group, const PoolView& pool) const {
  return sum([&](const CostModel& m) { return m.to_pool(group, pool); });
}
Cost CompositeCostModel::to_preferred(const CaseNodeView& node) const {
  return sum([&](const CostModel& m) { return m.to_preferred(node); });
}
Cost CompositeCostModel::load_slot(int load, int capacity) const {
  return sum([&](const CostModel& m) { return m.load_slot(load, capacity); });
}

bool CompositeCostModel::serves_buckets_apart() const {
  return std::any_of(models_.begin(), models_.end(),
                     [](const Weighted& w) { return w.weight > 0 && w.model->serves_buckets_apart(); });
}

std::vector<CompositeCostModel::Term> CompositeCostModel::path_terms(const CaseNodeView& node,
                                                                     const GroupView* group,
                                                                     const PoolView* pool,
                                                                     int load,
                                                                     int capacity) const {
  std::vector<Term> terms;
  for (const auto& w : models_) {
    Cost c = w.model->load_slot(load, capacity);
    if (group != nullptr && pool != nullptr) {
      c += w.model->to_group(node, *group) + w.model->to_pool(*group, *pool);
    } else {
      c += w.model->to_preferred(node);
    }
    terms.push_back({std::string(w.model->name()), scale(c, w.weight)});
  }
  return terms;
}

std::vector<CompositeCostModel::Term> CompositeCostModel::unassigned_terms(
    const CaseNodeView& node) const {
  std::vector<Term> terms;
  for (const auto& w : models_) {
    terms.push_back({std::string(w.model->name()), scale(w.model->unassigned(node), w.weight)});
  }
  return terms;
}

}  // namespace docket::matching
