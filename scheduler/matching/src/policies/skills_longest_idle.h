#pragma once

#include <chrono>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "docket/matching/eligibility.h"
#include "docket/matching/policy.h"

namespace docket::matching {

/// TaskRouter's default: a skills filter, then the longest-idle worker. Cases are taken by
/// priority, then in order of receipt (TaskRouter's task order); each goes to the eligible
/// officer of its center with room who was given a case the longest time ago (never counts as
/// longest), or back to the officer who sent its RFE when they have room. The skills filter is
/// the hard filter without bullseye relaxation or crossing between centers, which a skills
/// expression cannot express.
///
/// The policy remembers when it last gave each officer a case, so it must see every round of
/// one matcher (the simulator keeps one policy per run).
class SkillsLongestIdlePolicy final : public Policy {
 public:
  std::string_view name() const override { return "skills-longest-idle"; }

  RoundPlan plan(Matcher& m) override {
    const auto t0 = std::chrono::steady_clock::now();
    RoundPlan plan;
    plan.at = m.clock().now();
    const std::int64_t now = plan.at.time_since_epoch().count();
    CaseIndex& index = m.index();
    index.prepare();
    plan.stats.queued = index.queued();
    const auto& officers = m.officers();
    if (last_given_.size() < officers.size()) last_given_.resize(officers.size(), kNever);
    std::vector<int> room(officers.size());
    std::int64_t free_total = 0;
    // Officers with room per (center, skill), longest idle first.
    using Idle = std::pair<std::int64_t, OfficerId>;
    std::unordered_map<std::uint32_t, std::set<Idle>> idle;
    for (OfficerId id = 0; id < officers.size(); ++id) {
      room[id] = officers[id].free_slots();
      if (room[id] <= 0) continue;
      free_total += room[id];
      for (const auto& s : officers[id].skills) {
        idle[(std::uint32_t{officers[id].center} << 16) | s.skill].emplace(last_given_[id], id);
      }
    }
    plan.stats.free_slots = static_cast<std::size_t>(free_total);

    using Head = std::tuple<int, std::uint32_t, std::uint64_t, std::uint32_t>;
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
    std::vector<std::size_t> cursor(index.classes().size());
    auto push = [&](std::uint32_t k) {
      const auto& cls = index.classes()[k];
      if (cursor[k] >= cls.queue.size()) return;
      const QueueEntry& e = cls.queue[cursor[k]];
      heads.emplace(kPriorityCount - static_cast<int>(cls.key.priority), e.received_sec, e.receipt, k);
    };
    for (std::uint32_t k = 0; k < index.classes().size(); ++k) {
      cursor[k] = index.classes()[k].head;
      push(k);
    }
    auto take = [&](OfficerId id) {
      // Re-file the officer under their new idle time in every list they are in, or drop them.
      for (const auto& s : officers[id].skills) {
        auto& set = idle[(std::uint32_t{officers[id].center} << 16) | s.skill];
        set.erase({last_given_[id], id});
        if (room[id] > 1) set.emplace(now, id);
      }
      last_given_[id] = now;
      --room[id];
      --free_total;
    };
    while (!heads.empty() && free_total > 0) {
      const std::uint32_t k = std::get<3>(heads.top());
      heads.pop();
      const auto& cls = index.classes()[k];
      const Case c = index.to_case(cls.queue[cursor[k]].slot);
      const FormPolicy& form = m.catalog().form(c.form);
      const Relaxation strict{};
      OfficerId pick = kNoOfficer;
      if (c.preferred_officer < officers.size() && room[c.preferred_officer] > 0 &&
          check(c, form, officers[c.preferred_officer], c.preferred_officer, strict) ==
              Ineligibility::kEligible) {
        pick = c.preferred_officer;
      } else {
        auto it = idle.find((std::uint32_t{home_office(form, c.center, c.field_office)} << 16) |
                            form.skill);
        if (it != idle.end()) {
          for (const auto& [since, id] : it->second) {
            if (check(c, form, officers[id], id, strict) == Ineligibility::kEligible) {
              pick = id;
              break;
            }
          }
        }
      }
      if (pick == kNoOfficer) continue;  // Nobody at the center can take the class this round.
      Assignment a;
      a.receipt = c.receipt;
      a.officer = pick;
      a.preferred = pick == c.preferred_officer;
      plan.assignments.push_back(a);
      take(pick);
      ++cursor[k];
      push(k);
    }
    plan.stats.assigned = plan.assignments.size();
    plan.stats.assign_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return plan;
  }

 private:
  static constexpr std::int64_t kNever = INT64_MIN;
  std::vector<std::int64_t> last_given_;
};

}  // namespace docket::matching
