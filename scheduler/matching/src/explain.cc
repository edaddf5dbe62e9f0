#include <algorithm>
#include <array>
#include <sstream>

#include "docket/matching/matcher.h"

namespace docket::matching {
namespace {

std::string plural(int n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

Explanation Matcher::explain(ReceiptNumber r) {
  using Verdict = Explanation::Verdict;
  Explanation e;
  e.receipt = r.str();
  const auto slot = index_.find(r);
  if (!slot) {
    e.verdict = Verdict::kUnknownCase;
    e.summary = e.receipt + " is not known to this scheduler.";
    return e;
  }
  const Case c = index_.to_case(*slot);
  const FormPolicy& form = catalog_.form(c.form);
  const TimePoint now = clock_.now();
  e.state = c.state;
  e.form = form.code;
  e.center = catalog_.center(c.center).code;
  e.slack_days = slack_days(c.deadline.time_since_epoch().count(), now);
  e.required_level = required_level(c, form);
  e.relaxation = relaxation(form, e.slack_days);

  // Census of the hard filter over every officer.
  std::array<int, kIneligibilityCount> rejected{};
  int eligible_absent = 0;
  for (OfficerId id = 0; id < officers_.size(); ++id) {
    const Officer& o = officers_[id];
    if (o.removed) continue;  // Off the roster for good: not a reason the case waits.
    ++e.officers_total;
    Ineligibility why = check(c, form, o, id, e.relaxation);
    if (why == Ineligibility::kAbsent) {
      Officer present = o;
      present.presence = Presence::kAvailable;
      if (check(c, form, present, id, e.relaxation) == Ineligibility::kEligible) ++eligible_absent;
    }
    ++rejected[static_cast<int>(why)];
    if (why == Ineligibility::kEligible) {
      ++e.officers_eligible;
      if (o.load < o.capacity) ++e.officers_with_room;
    }
  }
  for (int i = 1; i < kIneligibilityCount; ++i) {
    if (rejected[i] > 0) {
      e.rejected_by.emplace_back(std::string(to_string(static_cast<Ineligibility>(i))),
                                 rejected[i]);
    }
  }

  CaseNodeView node;
  node.form = &form;
  node.priority = c.priority;
  node.center = c.center;
  node.slack_days = static_cast<int>(std::clamp<std::int64_t>(e.slack_days, 0, 1'000'000));
  node.overdue = c.deadline <= now;
  node.relax = e.relaxation;
  node.has_preferred = prefers(c.preferred_officer);
  node.cases = 1;
  e.unassigned_terms = costs_.unassigned_terms(node);

  std::ostringstream s;
  if (c.state != CaseState::kQueued) {
    e.verdict = Verdict::kNotQueued;
    if (c.officer != kNoOfficer && c.officer < officers_.size()) {
      const Officer& o = officers_[c.officer];
      e.officer = o.id;
      auto offer = std::find_if(last_offers_.begin(), last_offers_.end(),
                                [&](const Assignment& a) { return a.receipt.packed() == r.packed(); });
      if (offer != last_offers_.end() && offer->officer == c.officer) {
        const Assignment& a = *offer;
        e.verdict = Verdict::kAssigned;
        const int level = o.level(form.skill);
        GroupView group{a.cross_center, c.center, form.skill,
                        std::max(kMinSkillLevel, e.required_level - e.relaxation.levels),
                        e.required_level};
        PoolView pool{o.center, form.skill, level};
        const int load_before = std::max(0, o.load - 1);
        e.cost_terms = a.preferred ? costs_.path_terms(node, nullptr, nullptr, load_before, o.capacity)
                                   : costs_.path_terms(node, &group, &pool, load_before, o.capacity);
        s << e.receipt << " was offered to " << o.id << " (" << catalog_.center(o.center).code
          << ", level " << level << " in " << catalog_.skill_name(form.skill) << ", load "
          << load_before << "/" << o.capacity << ")";
        if (a.preferred) s << ", the officer it prefers";
        if (a.cross_center) s << ", across centers because its deadline is near";
        if (a.relaxed_levels > 0) {
          s << ", " << plural(a.relaxed_levels, "level", "levels")
            << " below the usual requirement because its deadline is near";
        }
        s << "; path cost " << a.cost << " against a higher cost for leaving it waiting; "
          << plural(e.officers_eligible, "officer was", "officers were") << " eligible.";
        e.summary = s.str();
        return e;
      }
      s << e.receipt << " is " << to_string(c.state) << " with " << o.id << ".";
    } else {
      s << e.receipt << " is " << to_string(c.state) << ", not waiting for an officer.";
    }
    e.summary = s.str();
    return e;
  }

  e.queue_position = index_.position(*slot);
  e.class_size = index_.classes()[index_.record(*slot).klass].live;
  if (e.officers_eligible == 0 && eligible_absent == 0) {
    e.verdict = Verdict::kNoEligibleOfficer;
    s << "No officer may take " << e.receipt << " (" << form.code << ", level "
      << e.required_level - e.relaxation.levels << "+ in " << catalog_.skill_name(form.skill)
      << "):";
    for (const auto& [why, n] : e.rejected_by) s << " " << n << " " << why << ";";
    s << " it waits until such an officer is added or its deadline relaxes the requirement.";
  } else if (e.officers_eligible == 0) {
    e.verdict = Verdict::kNonePresent;
    s << plural(eligible_absent, "officer", "officers") << " could take " << e.receipt
      << " but none is available now.";
  } else if (e.officers_with_room == 0) {
    e.verdict = Verdict::kAllAtCapacity;
    s << "All " << plural(e.officers_eligible, "eligible officer is", "eligible officers are")
      << " at capacity; " << e.receipt << " is number " << e.queue_position << " of "
      << e.class_size << " in its class.";
  } else {
    for (const Assignment& a : last_offers_) {
      Case other = c;
      if (check(other, form, officers_[a.officer], a.officer, e.relaxation) ==
          Ineligibility::kEligible) {
        ++e.outranked_by;
      }
    }
    if (e.outranked_by > 0) {
      e.verdict = Verdict::kOutranked;
      s << e.receipt << " was outranked: the last round gave "
        << plural(e.outranked_by, "case", "cases")
        << " with earlier deadlines or higher priority to officers it could use; it is number "
        << e.queue_position << " of " << e.class_size << " in its class.";
    } else {
      e.verdict = Verdict::kNotYetPlanned;
      s << e.receipt << " has " << plural(e.officers_with_room, "eligible officer", "eligible officers")
        << " with room; the next round will consider it.";
    }
  }
  e.summary = s.str();
  return e;
}

}  // namespace docket::matching
