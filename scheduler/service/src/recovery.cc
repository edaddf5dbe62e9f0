#include "docket/service/recovery.h"

#include <chrono>

#include "docket/core/error.h"

namespace docket::service {
namespace {

CenterId center_id(const Catalog& catalog, const std::string& code, std::string_view what) {
  auto id = catalog.find_center(code);
  if (!id) throw InvalidArgument("unknown " + std::string(what) + " '" + code + "'");
  return *id;
}

OfficerId officer_id(const matching::Matcher& m, const std::string& name) {
  if (name.empty()) return kNoOfficer;
  auto id = m.find_officer(name);
  if (!id) throw InvalidArgument("unknown officer '" + name + "'");
  return *id;
}

}  // namespace

Case to_case(const store::StoredCase& s, const Catalog& catalog, const matching::Matcher& m) {
  Case c;
  c.receipt = s.receipt;
  auto form = catalog.find_form(s.form);
  if (!form) throw InvalidArgument("unknown form '" + s.form + "'");
  c.form = *form;
  c.category = s.category;
  c.priority = s.priority;
  c.received = s.received;
  c.deadline = s.deadline;
  c.court_date = s.court_date;
  c.center = center_id(catalog, s.center, "center");
  if (!s.field_office.empty()) c.field_office = center_id(catalog, s.field_office, "field office");
  if (!s.language.empty()) {
    auto lang = catalog.find_language(s.language);
    if (!lang) throw InvalidArgument("unknown language '" + s.language + "'");
    c.language = *lang;
  }
  c.clearance = s.clearance;
  c.min_level = static_cast<std::uint8_t>(s.min_level);
  c.state = s.state == CaseState::kQaReview ? CaseState::kQueued : s.state;
  c.senior_review = s.senior_review;
  c.officer = officer_id(m, s.officer);
  c.epoch = static_cast<std::uint64_t>(s.epoch);
  // An officer who has left the roster can no longer be preferred or excluded: skip, not fail.
  if (auto p = m.find_officer(s.preferred)) c.preferred_officer = *p;
  for (const auto& name : s.excluded) {
    if (auto id = m.find_officer(name)) c.excluded.push_back(*id);
  }
  return c;
}

store::StoredCase to_stored(const Case& c, const Catalog& catalog, const matching::Matcher& m) {
  store::StoredCase s;
  s.receipt = c.receipt;
  s.center = catalog.center(c.center).code;
  s.state = c.state;
  s.form = catalog.form(c.form).code;
  s.priority = c.priority;
  s.received = c.received;
  s.deadline = c.deadline;
  if (c.officer != kNoOfficer) s.officer = m.officer(c.officer).id;
  s.epoch = static_cast<std::int64_t>(c.epoch);
  if (c.field_office != kNoCenter) s.field_office = catalog.center(c.field_office).code;
  if (c.language != kNoLanguage) s.language = catalog.language_name(c.language);
  s.clearance = c.clearance;
  s.min_level = c.min_level;
  s.senior_review = c.senior_review;
  if (c.preferred_officer != kNoOfficer) s.preferred = m.officer(c.preferred_officer).id;
  for (OfficerId id : c.excluded) s.excluded.push_back(m.officer(id).id);
  s.court_date = c.court_date;
  s.category = c.category;
  return s;
}

RecoveryStats recover(store::CaseStore& store, const Catalog& catalog, matching::Matcher& matcher) {
  const auto t0 = std::chrono::steady_clock::now();
  RecoveryStats stats;
  for (const auto& center : catalog.centers()) {
    stats.resumed_transfers += store.resume_transfers(center.code);
  }
  std::size_t total = 0;
  for (const auto& center : catalog.centers()) total += store.count(center.code);
  matcher.index().reserve(matcher.index().size() + total);
  for (const auto& center : catalog.centers()) {
    auto restore = [&](store::StoredCase&& s) {
      ++stats.cases;
      switch (s.state) {
        case CaseState::kDecided: ++stats.decided; return;
        case CaseState::kTransferred: ++stats.transferred; return;
        default: break;
      }
      const auto r0 = std::chrono::steady_clock::now();
      const bool held = s.state == CaseState::kOffered || s.state == CaseState::kAssigned;
      if (held && !matcher.find_officer(s.officer)) {
        // The holder has left the roster: the lease can never be renewed, so it lapses now and
        // the case goes back to its queue rather than waiting forever.
        store::Transition t;
        t.op = store::Op::kLeaseExpiry;
        t.receipt = s.receipt;
        t.center = s.center;
        t.epoch = s.epoch;
        t.actor = "docket:recovery";
        t.detail = "officer " + s.officer + " is not on the roster";
        const auto r = store.apply(t);
        if (r.ok()) {
          s.state = r.state;
          s.epoch = r.epoch;
          s.officer.clear();
          ++stats.requeued;
        }
      }
      try {
        const Case c = to_case(s, catalog, matcher);
        matcher.restore(c);
        if (c.state == CaseState::kQueued) {
          ++stats.queued;
        } else if (c.state == CaseState::kOffered || c.state == CaseState::kAssigned) {
          ++stats.held;
        } else {
          ++stats.other;
        }
      } catch (const InvalidArgument& e) {
        stats.rejected.push_back(s.receipt.str() + " at " + s.center + ": " + e.what());
      }
      stats.restore_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
    };
    store.scan(center.code, restore, [&](const std::string& field, const std::string& why) {
      ++stats.cases;
      stats.rejected.push_back(field + " at " + center.code + ": " + why);
    });
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace docket::service
