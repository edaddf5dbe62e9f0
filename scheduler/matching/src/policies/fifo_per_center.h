#pragma once

#include <algorithm>
#include <chrono>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "docket/matching/eligibility.h"
#include "docket/matching/policy.h"

namespace docket::matching {

/// The status quo: each center works its own cases first in, first out. Litigation, premium
/// and expedited cases go first (agencies run them as separate queues), then every case in
/// order of receipt, each to the first officer of its center, in roster order, who is
/// certified at the form's level and has room; a case waiting for the officer who sent its RFE
/// goes back to them when they have room. No bullseye relaxation and no crossing between
/// centers: the status quo has neither.
///
/// Within one of the matcher's classes cases are taken in the class's queue order (deadline,
/// then receipt), which is receipt order for every priority but litigation, whose deadlines
/// follow court dates.
class FifoPerCenterPolicy final : public Policy {
 public:
  std::string_view name() const override { return "fifo"; }

  RoundPlan plan(Matcher& m) override {
    const auto t0 = std::chrono::steady_clock::now();
    RoundPlan plan;
    plan.at = m.clock().now();
    CaseIndex& index = m.index();
    index.prepare();
    plan.stats.queued = index.queued();
    const auto& officers = m.officers();
    std::vector<int> room(officers.size());
    std::int64_t free_total = 0;
    // Officers with room per (center, skill), in roster order.
    std::unordered_map<std::uint32_t, std::vector<OfficerId>> lists;
    for (OfficerId id = 0; id < officers.size(); ++id) {
      room[id] = officers[id].free_slots();
      if (room[id] <= 0) continue;
      free_total += room[id];
      for (const auto& s : officers[id].skills) {
        lists[(std::uint32_t{officers[id].center} << 16) | s.skill].push_back(id);
      }
    }
    plan.stats.free_slots = static_cast<std::size_t>(free_total);
    std::unordered_map<std::uint32_t, std::size_t> first_with_room;

    // Class heads merged by (priority first, then receipt time, then receipt number).
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
        const std::uint32_t key =
            (std::uint32_t{home_office(form, c.center, c.field_office)} << 16) | form.skill;
        auto it = lists.find(key);
        if (it != lists.end()) {
          std::size_t& first = first_with_room[key];
          while (first < it->second.size() && room[it->second[first]] <= 0) ++first;
          for (std::size_t i = first; i < it->second.size(); ++i) {
            const OfficerId id = it->second[i];
            if (room[id] > 0 && check(c, form, officers[id], id, strict) == Ineligibility::kEligible) {
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
      --room[pick];
      --free_total;
      ++cursor[k];
      push(k);
    }
    plan.stats.assigned = plan.assignments.size();
    plan.stats.assign_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return plan;
  }
};

}  // namespace docket::matching
