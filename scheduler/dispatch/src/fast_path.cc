#include "docket/dispatch/fast_path.h"

#include <tuple>

#include "docket/matching/eligibility.h"

namespace docket::dispatch {

std::size_t ShortQueuePlanner::KeyHash::operator()(const Key& k) const noexcept {
  return matching::ClassKeyHash{}(k.klass) * 31 + static_cast<std::size_t>(k.levels) * 2 +
         (k.cross_center ? 1 : 0);
}

matching::RoundPlan ShortQueuePlanner::plan(matching::Matcher& matcher, std::size_t max_queued) {
  matching::RoundPlan plan;
  const TimePoint now = matcher.clock().now();
  plan.at = now;
  auto& index = matcher.index();
  plan.stats.queued = index.queued();
  if (max_queued == 0 || index.queued() == 0 || index.queued() > max_queued) return plan;
  const auto& catalog = matcher.catalog();
  const auto& officers = matcher.officers();
  if (matcher_ != &matcher || roster_version_ != matcher.roster_version()) {
    standing_.clear();
    matcher_ = &matcher;
    roster_version_ = matcher.roster_version();
  }
  // A call is made for every few cases that come in, and a national roster has thousands of
  // officers: past building a class's standing list (once per roster version), nothing here walks
  // the roster. So the plan does not count free slots (stats.free_slots stays 0), and the slots
  // the last call took are cleared officer by officer (first, so that a call cut short by an
  // exception leaves nothing behind for the next).
  if (taken_.size() != officers.size()) {
    taken_.assign(officers.size(), 0);
  } else {
    for (OfficerId id : touched_) taken_[id] = 0;
  }
  touched_.clear();
  // Officers of each center, whatever their presence and load, to build the lists kept per class.
  std::vector<std::vector<OfficerId>> by_center;
  const auto room = [&](OfficerId id) { return officers[id].free_slots() - taken_[id]; };
  const auto fits = [&](OfficerId id) {
    return room(id) > 0 && officers[id].presence == Presence::kAvailable;
  };
  index.prepare();
  for (auto& klass : index.classes()) {
    if (klass.live == 0) continue;
    const std::vector<OfficerId>* standing = nullptr;
    Key key{klass.key, -1, false};
    for (std::size_t e = klass.head; e < klass.queue.size(); ++e) {
      if (!index.live(klass.queue[e])) continue;
      const std::uint32_t slot = klass.queue[e].slot;
      const Case c = index.to_case(slot);
      const FormPolicy& form = catalog.form(c.form);
      const auto relax =
          matcher.relaxation(form, matching::Matcher::slack_days(index.record(slot).deadline, now));
      const int required = matching::required_level(c, form);
      if (standing == nullptr || key.levels != relax.levels ||
          key.cross_center != relax.cross_center) {
        key.levels = relax.levels;
        key.cross_center = relax.cross_center;
        auto [it, fresh] = standing_.try_emplace(key);
        if (fresh) {
          // Every case of a class shares what check_standing() reads, the relaxation aside.
          const CenterId home = matching::home_office(form, c.center, c.field_office);
          if (by_center.empty()) {
            by_center.resize(catalog.centers().size());
            for (OfficerId id = 0; id < officers.size(); ++id)
              by_center[officers[id].center].push_back(id);
          }
          const auto consider = [&](OfficerId id) {
            if (matching::check_standing(c, form, officers[id], id, relax) ==
                matching::Ineligibility::kEligible)
              it->second.push_back(id);
          };
          if (relax.cross_center || home >= by_center.size()) {
            for (OfficerId id = 0; id < officers.size(); ++id) consider(id);
          } else {
            for (OfficerId id : by_center[home]) consider(id);
          }
        }
        standing = &it->second;
      }
      OfficerId best = kNoOfficer;
      bool preferred = false;
      if (c.preferred_officer != kNoOfficer && c.preferred_officer < officers.size() &&
          fits(c.preferred_officer) &&
          matching::check_standing(c, form, officers[c.preferred_officer], c.preferred_officer,
                                   relax) == matching::Ineligibility::kEligible) {
        best = c.preferred_officer;
        preferred = true;
      } else {
        std::tuple<int, int, OfficerId> best_key{0, 0, kNoOfficer};
        for (OfficerId id : *standing) {
          if (!fits(id)) continue;
          const Officer& o = officers[id];
          // Level relaxation used, then cases held (this plan's included), then id.
          const std::tuple<int, int, OfficerId> k{std::max(0, required - o.level(form.skill)),
                                                  o.capacity - room(id), id};
          if (best == kNoOfficer || k < best_key) {
            best = id;
            best_key = k;
          }
        }
      }
      if (best == kNoOfficer) break;  // Nobody can take it: the rest of its class waits too.
      if (taken_[best]++ == 0) touched_.push_back(best);
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

matching::RoundPlan plan_short_queue(matching::Matcher& matcher, std::size_t max_queued) {
  ShortQueuePlanner planner;
  return planner.plan(matcher, max_queued);
}

}  // namespace docket::dispatch
