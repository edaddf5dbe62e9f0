#pragma once

#include <chrono>
#include <queue>
#include <tuple>
#include <vector>

#include "docket/matching/eligibility.h"
#include "docket/matching/matcher.h"

namespace docket::matching {

/// The round shared by the status-quo baselines (FIFO per center, skills + longest idle): the
/// classes' heads are merged by priority (litigation, premium, expedite, normal), then receipt
/// time, then receipt number; each case goes back to the officer who sent its RFE when they are
/// eligible and have room, else to `pick(c, form, key, room)`, where `key` is
/// (home office << 16 | skill) and `room` the officers' free slots this round. No bullseye
/// relaxation and no crossing between centers: the status quo has neither.
///
/// `file(id)` is called once for each officer with room before the round, so the policy can
/// build its own lists; `take(id, room)` when an officer is given a case, before their room
/// shrinks.
/// Within one of the matcher's classes cases are taken in the class's queue order.
template <typename File, typename Pick, typename Take>
RoundPlan plan_in_receipt_order(Matcher& m, File&& file, Pick&& pick, Take&& take) {
  const auto t0 = std::chrono::steady_clock::now();
  RoundPlan plan;
  plan.at = m.clock().now();
  CaseIndex& index = m.index();
  index.prepare();
  plan.stats.queued = index.queued();
  const auto& officers = m.officers();
  std::vector<int> room(officers.size());
  std::int64_t free_total = 0;
  for (OfficerId id = 0; id < officers.size(); ++id) {
    room[id] = officers[id].free_slots();
    if (room[id] <= 0) continue;
    free_total += room[id];
    file(id);
  }
  plan.stats.free_slots = static_cast<std::size_t>(free_total);

  using Head = std::tuple<int, std::uint32_t, std::uint64_t, std::uint32_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  std::vector<std::size_t> cursor(index.classes().size());
  auto push = [&](std::uint32_t k) {
    const auto& cls = index.classes()[k];
    if (cursor[k] >= cls.queue.size()) return;
    const QueueEntry& e = cls.queue[cursor[k]];
    heads.emplace(kPriorityCount - static_cast<int>(cls.key.priority), e.received_sec, e.receipt,
                  k);
  };
  for (std::uint32_t k = 0; k < index.classes().size(); ++k) {
    cursor[k] = index.classes()[k].head;
    push(k);
  }
  const Relaxation strict{};
  while (!heads.empty() && free_total > 0) {
    const std::uint32_t k = std::get<3>(heads.top());
    heads.pop();
    const auto& cls = index.classes()[k];
    const Case c = index.to_case(cls.queue[cursor[k]].slot);
    const FormPolicy& form = m.catalog().form(c.form);
    OfficerId chosen = kNoOfficer;
    if (c.preferred_officer < officers.size() && room[c.preferred_officer] > 0 &&
        check(c, form, officers[c.preferred_officer], c.preferred_officer, strict) ==
            Ineligibility::kEligible) {
      chosen = c.preferred_officer;
    } else {
      const std::uint32_t key =
          (std::uint32_t{home_office(form, c.center, c.field_office)} << 16) | form.skill;
      chosen = pick(c, form, key, room);
    }
    if (chosen == kNoOfficer) continue;  // Nobody at the center can take the class this round.
    Assignment a;
    a.receipt = c.receipt;
    a.officer = chosen;
    a.preferred = chosen == c.preferred_officer;
    plan.assignments.push_back(a);
    take(chosen, room);
    --room[chosen];
    --free_total;
    ++cursor[k];
    push(k);
  }
  plan.stats.assigned = plan.assignments.size();
  plan.stats.assign_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return plan;
}

}  // namespace docket::matching
