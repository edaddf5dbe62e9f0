#pragma once

#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "docket/matching/policy.h"
#include "policies/receipt_order.h"

namespace docket::matching {

/// TaskRouter's default: a skills filter, then the longest-idle worker. Cases are taken by
/// priority, then in order of receipt (TaskRouter's task order); each goes to the eligible
/// officer of its center with room who was given a case the longest time ago (never counts as
/// longest), or back to the officer who sent its RFE when they have room. The skills filter is
/// the hard filter without bullseye relaxation or crossing between centers, which a skills
/// expression cannot express (see plan_in_receipt_order).
///
/// The policy remembers when it last gave each officer a case, so it must see every round of
/// one matcher (the simulator keeps one policy per run).
class SkillsLongestIdlePolicy final : public Policy {
 public:
  std::string_view name() const override { return "skills-longest-idle"; }

  RoundPlan plan(Matcher& m) override {
    const auto& officers = m.officers();
    const std::int64_t now = m.clock().now().time_since_epoch().count();
    if (last_given_.size() < officers.size()) last_given_.resize(officers.size(), kNever);
    // Officers with room per (center, skill), longest idle first.
    using Idle = std::pair<std::int64_t, OfficerId>;
    std::unordered_map<std::uint32_t, std::set<Idle>> idle;
    auto file = [&](OfficerId id) {
      for (const auto& s : officers[id].skills) {
        idle[(std::uint32_t{officers[id].center} << 16) | s.skill].emplace(last_given_[id], id);
      }
    };
    auto pick = [&](const Case& c, const FormPolicy& form, std::uint32_t key,
                    const std::vector<int>&) {
      auto it = idle.find(key);
      if (it == idle.end()) return kNoOfficer;
      for (const auto& [since, id] : it->second) {
        if (check(c, form, officers[id], id, Relaxation{}) == Ineligibility::kEligible) return id;
      }
      return kNoOfficer;
    };
    auto take = [&](OfficerId id, const std::vector<int>& room) {
      // Re-file the officer under their new idle time in every list they are in, or drop them
      // when this case fills their last slot.
      const bool room_left = room[id] > 1;
      for (const auto& s : officers[id].skills) {
        auto& set = idle[(std::uint32_t{officers[id].center} << 16) | s.skill];
        set.erase({last_given_[id], id});
        if (room_left) set.emplace(now, id);
      }
      last_given_[id] = now;
    };
    return plan_in_receipt_order(m, file, pick, take);
  }

 private:
  static constexpr std::int64_t kNever = INT64_MIN;
  std::vector<std::int64_t> last_given_;
};

}  // namespace docket::matching
