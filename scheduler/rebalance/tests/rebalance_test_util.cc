#include "rebalance_test_util.h"

#include <random>

namespace docket::rebalance::testing {

TimePoint epoch() { return TimePoint(Seconds(1'772'463'600)); }

ReceiptNumber receipt(std::uint64_t n) { return ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, n); }

Catalog catalog() {
  Catalog cat;
  auto center = [&](std::string code, CenterKind kind, std::string district) {
    Center c;
    c.code = std::move(code);
    c.name = c.code;
    c.kind = kind;
    c.timezone = "America/New_York";
    c.district = std::move(district);
    return cat.add_center(std::move(c));
  };
  const CenterId vsc = center("VSC", CenterKind::kServiceCenter, "");
  const CenterId csc = center("CSC", CenterKind::kServiceCenter, "");
  const CenterId nsc = center("NSC", CenterKind::kServiceCenter, "");
  const CenterId ken = center("FO-KEN", CenterKind::kFieldOffice, "Miami");
  const CenterId hia = center("FO-HIA", CenterKind::kFieldOffice, "Miami");
  const CenterId hou = center("FO-HOU", CenterKind::kFieldOffice, "Houston");
  auto form = [&](std::string code, double effort, bool interview, bool transferable, std::vector<CenterId> centers) {
    FormPolicy f;
    f.code = code;
    f.skill = cat.intern_skill(code);
    f.min_level = 1;
    f.goal_days = 180;
    f.effort_hours = effort;
    f.interview = interview;
    f.transferable = transferable;
    f.centers = std::move(centers);
    cat.add_form(std::move(f));
  };
  form("I-130", 1.5, false, true, {vsc, csc, nsc});
  form("I-765", 0.5, false, true, {vsc, csc});
  form("N-400", 2.0, true, true, {ken, hia, hou});
  form("I-589", 6.0, true, false, {ken, hia, hou});
  form("I-90", 0.4, false, false, {vsc, csc, nsc});
  return cat;
}

void populate(World& w, std::uint64_t seed, int cases, int officers) {
  const Catalog& cat = w.matcher.catalog();
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  for (int i = 0; i < officers; ++i) {
    Officer o;
    o.id = "ISO-" + std::to_string(seed) + "-" + std::to_string(i);
    o.center = static_cast<CenterId>(pick(cat.centers().size()));
    for (const FormPolicy& f : cat.forms()) {
      const bool listed = std::find(f.centers.begin(), f.centers.end(), o.center) != f.centers.end();
      if (listed && pick(3) != 0) o.skills.push_back({f.skill, static_cast<std::uint8_t>(1 + pick(5))});
    }
    std::sort(o.skills.begin(), o.skills.end());
    o.capacity = 5;
    o.presence = pick(10) == 0 ? Presence::kAway : Presence::kAvailable;
    w.matcher.add_officer(std::move(o));
  }
  const TimePoint now = w.clock.now();
  for (int i = 0; i < cases; ++i) {
    const FormPolicy& f = cat.form(static_cast<FormId>(pick(cat.forms().size())));
    Case c;
    c.receipt = receipt(seed * 1'000'000 + static_cast<std::uint64_t>(i) + 1);
    c.form = f.id;
    c.center = f.centers[pick(f.centers.size())];
    if (f.interview) c.field_office = c.center;
    c.received = now - std::chrono::days(1 + pick(365));
    c.deadline = now + std::chrono::hours(static_cast<int>(pick(22 * 7 * 24))) - std::chrono::days(14);
    c.state = CaseState::kQueued;
    w.matcher.enqueue(c);
  }
}

}  // namespace docket::rebalance::testing
