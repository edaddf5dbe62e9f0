#include "docket/rebalance/snapshot.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "docket/core/error.h"
#include "docket/core/hash.h"
#include "docket/matching/eligibility.h"

namespace docket::rebalance {
namespace {

constexpr std::int64_t kWeekMinutes = 7 * 24 * 60;
constexpr std::int64_t kWeekSeconds = kWeekMinutes * 60;

// Floor division: an overdue case (negative slack) falls in the week before, not week 0.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

}  // namespace

Snapshot snapshot(const matching::Matcher& matcher, const Options& options) {
  if (options.horizon_weeks < 1) {
    throw InvalidArgument("rebalance: horizon_weeks must be >= 1, got " + std::to_string(options.horizon_weeks));
  }
  if (options.max_age_weeks < 1) {
    throw InvalidArgument("rebalance: max_age_weeks must be >= 1, got " + std::to_string(options.max_age_weeks));
  }
  if (options.officer_hours_per_week < 0) {
    throw InvalidArgument("rebalance: officer_hours_per_week must be >= 0");
  }
  const Catalog& catalog = matcher.catalog();
  Snapshot snap;
  snap.at = matcher.clock().now();
  snap.horizon_weeks = options.horizon_weeks;
  snap.max_age_weeks = options.max_age_weeks;
  snap.centers = catalog.centers().size();
  snap.forms = catalog.forms().size();
  const int H = options.horizon_weeks;
  const std::size_t dues = static_cast<std::size_t>(H) + 2;
  const std::size_t ages = static_cast<std::size_t>(options.max_age_weeks) + 1;

  // Classes map onto cells; a cell is created when its first class with queued cases is seen,
  // and the cells are sorted at the end so that the snapshot does not depend on class order.
  std::map<std::tuple<CenterId, FormId, CenterId>, std::size_t> cell_of;
  const std::int64_t now_s = snap.at.time_since_epoch().count();
  // The index's own time base (minutes and seconds since 2000-01-01 UTC).
  const std::int64_t now_min = matching::CaseIndex::to_minutes(now_s);
  const std::int64_t now_rel = matching::CaseIndex::to_rel_seconds(now_s);
  const matching::CaseIndex& index = matcher.index();
  for (const matching::CaseClass& cls : index.classes()) {
    if (cls.live == 0) continue;
    const FormPolicy& form = catalog.form(cls.key.form);
    const CenterId home = matching::home_office(form, cls.key.center, cls.key.field_office);
    auto [it, inserted] = cell_of.try_emplace({cls.key.center, cls.key.form, home}, snap.cells.size());
    if (inserted) {
      Cell cell;
      cell.center = cls.key.center;
      cell.form = cls.key.form;
      cell.home = home;
      cell.due.assign(dues, 0);
      cell.ages.assign(dues * ages, 0);
      snap.cells.push_back(std::move(cell));
    }
    Cell& cell = snap.cells[it->second];
    // Entries past head are all live unless the class holds stale ones (dirty); only then is
    // the case's record read, which is the one random access of the pass.
    for (std::size_t i = cls.head; i < cls.queue.size(); ++i) {
      const matching::QueueEntry& e = cls.queue[i];
      if (cls.dirty && !index.live(e)) continue;
      const std::int64_t week = std::clamp<std::int64_t>(floor_div(e.deadline_min - now_min, kWeekMinutes), -1, H);
      const std::int64_t age = std::clamp<std::int64_t>((now_rel - e.received_sec) / kWeekSeconds, 0,
                                                        options.max_age_weeks);
      const std::size_t u = static_cast<std::size_t>(week + 1);
      ++cell.due[u];
      ++cell.ages[u * ages + static_cast<std::size_t>(age)];
    }
  }
  std::vector<std::size_t> order(snap.cells.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Cell& x = snap.cells[a];
    const Cell& y = snap.cells[b];
    return std::tie(x.center, x.form, x.home) < std::tie(y.center, y.form, y.home);
  });
  std::vector<Cell> sorted;
  sorted.reserve(order.size());
  for (std::size_t i : order) {
    Cell& c = snap.cells[i];
    for (std::int64_t n : c.due) c.queued += n;
    snap.queued += static_cast<std::size_t>(c.queued);
    sorted.push_back(std::move(c));
  }
  snap.cells = std::move(sorted);

  // Weekly capacity: each present officer's hours, shared equally by the forms they may work
  // at their center, turned into cases by each form's effort.
  snap.capacity.assign(snap.centers * snap.forms, 0.0);
  snap.officers.assign(snap.centers * snap.forms, 0);
  std::vector<FormId> workable;
  for (const Officer& o : matcher.officers()) {
    if (o.presence != Presence::kAvailable || o.center >= snap.centers) continue;
    workable.clear();
    for (const FormPolicy& f : catalog.forms()) {
      if (o.level(f.skill) < std::max(kMinSkillLevel, f.min_level)) continue;
      const bool listed = f.centers.empty() ||
                          std::find(f.centers.begin(), f.centers.end(), o.center) != f.centers.end();
      if (listed) workable.push_back(f.id);
    }
    if (workable.empty()) continue;
    const double share = options.officer_hours_per_week / static_cast<double>(workable.size());
    for (FormId f : workable) {
      const double effort = std::max(catalog.form(f).effort_hours, 1e-6);
      snap.capacity[o.center * snap.forms + f] += share / effort;
      ++snap.officers[o.center * snap.forms + f];
    }
  }

  std::uint64_t h = hash_mix(static_cast<std::uint64_t>(now_s), static_cast<std::uint64_t>(H));
  for (const Cell& c : snap.cells) {
    h = hash_mix(h, (static_cast<std::uint64_t>(c.center) << 32) | (static_cast<std::uint64_t>(c.form) << 16) | c.home);
    for (std::int64_t n : c.due) h = hash_mix(h, static_cast<std::uint64_t>(n));
  }
  for (std::size_t i = 0; i < snap.capacity.size(); ++i) {
    h = hash_mix(h, static_cast<std::uint64_t>(snap.capacity[i] * 1000.0));
  }
  snap.fingerprint = h;
  return snap;
}

}  // namespace docket::rebalance
