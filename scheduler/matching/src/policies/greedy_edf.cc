#include "policies/greedy_edf.h"

#include <algorithm>
#include <chrono>
#include <queue>
#include <unordered_map>

namespace docket::matching {

RoundPlan GreedyEdfPolicy::plan(Matcher& m) {
  const auto t0 = std::chrono::steady_clock::now();
  RoundPlan plan;
  plan.at = m.clock().now();
  CaseIndex& index = m.index();
  index.prepare();
  plan.stats.queued = index.queued();

  // Officers with room, listed per (center, skill) by ascending level.
  const auto& officers = m.officers();
  std::vector<int> room(officers.size());
  std::int64_t free_total = 0;
  std::unordered_map<std::uint32_t, std::vector<OfficerId>> lists;
  for (OfficerId id = 0; id < officers.size(); ++id) {
    room[id] = officers[id].free_slots();
    if (room[id] <= 0) continue;
    free_total += room[id];
    for (const auto& s : officers[id].skills) {
      lists[(std::uint32_t{officers[id].center} << 16) | s.skill].push_back(id);
    }
  }
  for (auto& [key, list] : lists) {
    const SkillId skill = static_cast<SkillId>(key & 0xffff);
    std::stable_sort(list.begin(), list.end(), [&](OfficerId a, OfficerId b) {
      return officers[a].level(skill) < officers[b].level(skill);
    });
  }
  plan.stats.free_slots = static_cast<std::size_t>(free_total);

  auto try_center = [&](const Case& c, const FormPolicy& form, Relaxation relax,
                        CenterId center) -> OfficerId {
    auto it = lists.find((std::uint32_t{center} << 16) | form.skill);
    if (it == lists.end()) return kNoOfficer;
    for (OfficerId id : it->second) {
      if (room[id] > 0 && check(c, form, officers[id], id, relax) == Ineligibility::kEligible) {
        return id;
      }
    }
    return kNoOfficer;
  };

  // Global deadline order: a k-way merge of the class queues. A class whose head case finds no
  // officer is dropped for the round: its later cases are no more relaxed, and room only shrinks.
  using Head = std::pair<QueueEntry, std::uint32_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  std::vector<std::size_t> cursor(index.classes().size());
  for (std::uint32_t k = 0; k < index.classes().size(); ++k) {
    const auto& cls = index.classes()[k];
    cursor[k] = cls.head;
    if (cls.head < cls.queue.size()) heads.emplace(cls.queue[cls.head], k);
  }
  while (!heads.empty() && free_total > 0) {
    const auto [entry, k] = heads.top();
    heads.pop();
    const Case c = index.to_case(entry.slot);
    const FormPolicy& form = m.catalog().form(c.form);
    const Relaxation relax =
        m.relaxation(form, Matcher::slack_days(c.deadline.time_since_epoch().count(), plan.at));
    const CenterId home = home_office(form, c.center, c.field_office);
    OfficerId pick = try_center(c, form, relax, home);
    if (pick == kNoOfficer && relax.cross_center) {
      for (const auto& center : m.catalog().centers()) {
        if (center.id == home) continue;
        pick = try_center(c, form, relax, center.id);
        if (pick != kNoOfficer) break;
      }
    }
    if (pick == kNoOfficer) continue;  // Drop the class for this round.
    Assignment a;
    a.receipt = c.receipt;
    a.officer = pick;
    a.relaxed_levels = std::max(0, required_level(c, form) - officers[pick].level(form.skill));
    a.cross_center = officers[pick].center != home;
    plan.assignments.push_back(a);
    --room[pick];
    --free_total;
    const auto& cls = index.classes()[k];
    if (++cursor[k] < cls.queue.size()) heads.emplace(cls.queue[cursor[k]], k);
  }
  plan.stats.assigned = plan.assignments.size();
  plan.stats.assign_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return plan;
}

}  // namespace docket::matching
