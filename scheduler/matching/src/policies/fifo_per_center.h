#pragma once

#include <unordered_map>
#include <vector>

#include "docket/matching/policy.h"
#include "policies/receipt_order.h"

namespace docket::matching {

/// The status quo: each center works its own cases first in, first out. Litigation, premium
/// and expedited cases go first (agencies run them as separate queues), then every case in
/// order of receipt, each to the first officer of its center, in roster order, who is
/// certified at the form's level and has room (see plan_in_receipt_order).
class FifoPerCenterPolicy final : public Policy {
 public:
  std::string_view name() const override { return "fifo"; }

  RoundPlan plan(Matcher& m) override {
    const auto& officers = m.officers();
    // Officers with room per (center, skill), in roster order; a cursor skips the full ones.
    std::unordered_map<std::uint32_t, std::vector<OfficerId>> lists;
    std::unordered_map<std::uint32_t, std::size_t> first_with_room;
    auto file = [&](OfficerId id) {
      for (const auto& s : officers[id].skills) {
        lists[(std::uint32_t{officers[id].center} << 16) | s.skill].push_back(id);
      }
    };
    auto pick = [&](const Case& c, const FormPolicy& form, std::uint32_t key,
                    const std::vector<int>& room) {
      auto it = lists.find(key);
      if (it == lists.end()) return kNoOfficer;
      std::size_t& first = first_with_room[key];
      while (first < it->second.size() && room[it->second[first]] <= 0) ++first;
      for (std::size_t i = first; i < it->second.size(); ++i) {
        const OfficerId id = it->second[i];
        if (room[id] > 0 &&
            check(c, form, officers[id], id, Relaxation{}) == Ineligibility::kEligible)
          return id;
      }
      return kNoOfficer;
    };
    return plan_in_receipt_order(m, file, pick, [](OfficerId, const std::vector<int>&) {});
  }
};

}  // namespace docket::matching
