#include "docket/dispatch/fast_path.h"

#include <tuple>
#include <unordered_map>
#include <vector>

#include "docket/matching/eligibility.h"

namespace docket::dispatch {

matching::RoundPlan plan_short_queue(matching::Matcher& matcher, std::size_t max_queued) {
  matching::RoundPlan plan;
  const TimePoint now = matcher.clock().now();
  plan.at = now;
  auto& index = matcher.index();
  plan.stats.queued = index.queued();
  if (max_queued == 0 || index.queued() == 0 || index.queued() > max_queued) return plan;
  const auto& catalog = matcher.catalog();
  const auto& officers = matcher.officers();
  // Officers with a free slot, by center: a case looks only at its own office unless its
  // slack lets it leave the center.
  std::vector<std::vector<OfficerId>> by_center(catalog.centers().size());
  std::vector<OfficerId> all;
  for (OfficerId id = 0; id < officers.size(); ++id) {
    if (officers[id].free_slots() <= 0) continue;
    by_center[officers[id].center].push_back(id);
    all.push_back(id);
    plan.stats.free_slots += static_cast<std::size_t>(officers[id].free_slots());
  }
  if (all.empty()) return plan;
  std::unordered_map<OfficerId, int> taken;  // Slots this plan has used, by officer.
  const auto room = [&](OfficerId id) {
    auto it = taken.find(id);
    return officers[id].free_slots() - (it == taken.end() ? 0 : it->second);
  };
  index.prepare();
  for (auto& klass : index.classes()) {
    if (klass.live == 0) continue;
    for (std::size_t e = klass.head; e < klass.queue.size(); ++e) {
      if (!index.live(klass.queue[e])) continue;
      const std::uint32_t slot = klass.queue[e].slot;
      const Case c = index.to_case(slot);
      const FormPolicy& form = catalog.form(c.form);
      const auto relax =
          matcher.relaxation(form, matching::Matcher::slack_days(index.record(slot).deadline, now));
      const int required = matching::required_level(c, form);
      const auto fits = [&](OfficerId id) {
        return room(id) > 0 && matching::check(c, form, officers[id], id, relax) ==
                                   matching::Ineligibility::kEligible;
      };
      OfficerId best = kNoOfficer;
      bool preferred = false;
      if (c.preferred_officer != kNoOfficer && c.preferred_officer < officers.size() &&
          fits(c.preferred_officer)) {
        best = c.preferred_officer;
        preferred = true;
      } else {
        const CenterId home = matching::home_office(form, c.center, c.field_office);
        const auto& candidates =
            relax.cross_center || home >= by_center.size() ? all : by_center[home];
        std::tuple<int, int, OfficerId> best_key{0, 0, kNoOfficer};
        for (OfficerId id : candidates) {
          if (!fits(id)) continue;
          const Officer& o = officers[id];
          // Level relaxation used, then cases held (this plan's included), then id.
          const std::tuple<int, int, OfficerId> key{std::max(0, required - o.level(form.skill)),
                                                    o.capacity - room(id), id};
          if (best == kNoOfficer || key < best_key) {
            best = id;
            best_key = key;
          }
        }
      }
      if (best == kNoOfficer) break;  // Nobody can take it: the rest of its class waits too.
      ++taken[best];
      matching::Assignment a;
      a.receipt = c.receipt;
      a.officer = best;
      a.relaxed_levels = std::max(0, required - officers[best].level(form.skill));
      a.cross_center = officers[best].center != c.center;
      a.preferred = preferred;
      plan.assignments.push_back(a);
    }
  }
  return plan;
}

}  // namespace docket::dispatch
