#include "docket/matching/matcher.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <limits>
#include <optional>
#include <span>
#include <tuple>

#include "docket/core/error.h"
#include "docket/flow/solver.h"
#include "docket/matching/metrics.h"

namespace docket::matching {
namespace {

using flow::ArcId;
using flow::NodeId;
using SteadyClock = std::chrono::steady_clock;

constexpr std::int64_t kDay = 86'400;
constexpr flow::Amount kUnbounded = std::numeric_limits<std::int32_t>::max();
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

double since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// Officers who are interchangeable this round: same profile, or one officer singled out because
// some queued case prefers them. Members are [begin, end) of RoundScratch::members.
struct OfficerClass {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::int64_t free = 0;
  int capacity = 1;
  NodeId node = -1;
  bool heap_ready = false;
};

// An arc and the index of what it leads to (officer class, pool or group).
using OutArc = std::pair<ArcId, std::uint32_t>;
// Marks a group's arc into a national hub rather than a pool; the rest is the hub's index.
constexpr std::uint32_t kHub = 1U << 31;

struct Pool {
  PoolView view;
  Clearance clearance;
  bool senior;
  LanguageId language;
  NodeId node;
  std::uint32_t out_begin = 0;  // Arcs to officer classes: [out_begin, out_end) of pool_out.
  std::uint32_t out_end = 0;
  std::uint32_t cursor = 0;
  flow::Amount taken = 0;  // Flow already handed out on the arc at cursor.
  flow::Amount free = 0;   // Free slots of its officer classes.
};

struct Group {
  GroupView view;
  LanguageId language;
  Clearance clearance;
  bool senior;
  NodeId node;  // -1: no officer can serve it this round (no node, no arcs).
  std::uint32_t out_begin = 0;  // Arcs to pools: [out_begin, out_end) of group_out.
  std::uint32_t out_end = 0;
  std::uint32_t cursor = 0;
  flow::Amount taken = 0;
  flow::Amount free = 0;  // Free slots of its pools: an officer class is in one pool of a group.
};

// Case classes that are one node per bucket this round: a class on its own, or classes whose
// nodes would be identical (same arcs, same costs). Members are [begin, end) of vc_members.
struct VirtualClass {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::uint32_t cursor = kNone;  // Handing out: queue position (one member) or merge heap.
};

struct CaseNode {
  std::uint32_t vclass;
  int bucket;
  CaseNodeView view;
  NodeId node;
  Cost unassigned;
  std::uint32_t groups_begin;  // Arcs to groups: [groups_begin, groups_end) of node_out.
  std::uint32_t groups_end;
  ArcId preferred_arc = -1;
  std::uint32_t preferred_class = 0;
};

// A run of `amount` cases of one case node bound for one officer class.
struct Slot {
  std::uint32_t officer_class;
  flow::Amount amount;
  Cost path_cost;  // Without the load slot, which depends on the officer picked.
  bool preferred;
};

// The next case of each member of a merged virtual class, earliest first.
struct MergeItem {
  QueueEntry entry;
  std::uint32_t klass;
  std::uint32_t pos;
  bool operator>(const MergeItem& o) const { return o.entry < entry; }
};

std::uint64_t pool_key(CenterId c, SkillId s, int level, Clearance cl, bool senior, LanguageId l) {
  return (std::uint64_t{c} << 32) | (std::uint64_t{s} << 16) |
         (static_cast<std::uint64_t>(level) << 12) | (static_cast<std::uint64_t>(cl) << 10) |
         (static_cast<std::uint64_t>(senior) << 8) | l;
}

std::uint64_t group_key(const GroupView& g, LanguageId l, Clearance cl, bool senior) {
  return (static_cast<std::uint64_t>(g.national) << 63) | (std::uint64_t{g.center} << 40) |
         (std::uint64_t{g.skill} << 24) | (static_cast<std::uint64_t>(g.min_level) << 20) |
         (static_cast<std::uint64_t>(g.required_level) << 16) | (std::uint64_t{l} << 8) |
         (static_cast<std::uint64_t>(cl) << 4) | static_cast<std::uint64_t>(senior);
}

struct GroupIdHash {
  std::size_t operator()(const std::pair<std::uint64_t, std::uint32_t>& k) const noexcept {
    std::uint64_t h = k.first * 0x9e3779b97f4a7c15ULL ^ (k.second + 0x632be59bd9b4e019ULL);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
};

// Ids by key for one round's graph: open addressing with a round stamp, so that clear() is
// O(1) and a round allocates nothing once the table has grown. (std::unordered_map allocated a
// node per key and freed every one at clear(), each round.)
class IdMap {
 public:
  void clear() {
    size_ = 0;
    if (++stamp_ == 0) {  // The stamp wrapped: forget every entry for real.
      for (auto& e : table_) e.stamp = 0;
      stamp_ = 1;
    }
  }
  /// The id of (a, b), set to `id` first if absent; `second` says whether it was absent.
  std::pair<std::uint32_t, bool> try_emplace(std::uint64_t a, std::uint32_t b, std::uint32_t id) {
    if ((size_ + 1) * 2 > table_.size()) grow();
    for (std::size_t i = home(a, b);; i = (i + 1) & (table_.size() - 1)) {
      Entry& e = table_[i];
      if (e.stamp != stamp_) {
        e = Entry{a, b, id, stamp_};
        ++size_;
        return {id, true};
      }
      if (e.a == a && e.b == b) return {e.id, false};
    }
  }
  /// The id of (a, b), or nullopt.
  std::optional<std::uint32_t> find(std::uint64_t a, std::uint32_t b) const {
    if (table_.empty()) return std::nullopt;
    for (std::size_t i = home(a, b);; i = (i + 1) & (table_.size() - 1)) {
      const Entry& e = table_[i];
      if (e.stamp != stamp_) return std::nullopt;
      if (e.a == a && e.b == b) return e.id;
    }
  }

 private:
  struct Entry {
    std::uint64_t a = 0;
    std::uint32_t b = 0;
    std::uint32_t id = 0;
    std::uint32_t stamp = 0;
  };
  std::size_t home(std::uint64_t a, std::uint32_t b) const {
    return GroupIdHash{}({a, b}) & (table_.size() - 1);
  }
  void grow() {
    std::vector<Entry> old = std::move(table_);
    table_.assign(std::max<std::size_t>(64, old.size() * 2), Entry{});
    const std::uint32_t live = stamp_;
    stamp_ = 1;
    size_ = 0;
    for (const Entry& e : old) {
      if (e.stamp == live) try_emplace(e.a, e.b, e.id);
    }
  }
  std::vector<Entry> table_;
  std::size_t size_ = 0;
  std::uint32_t stamp_ = 1;
};

// Takes up to `want` units from a range of (arc, target) flows, advancing a cursor; calls
// emit(target, amount, arc) for each chunk and returns how much was taken.
template <typename Emit>
flow::Amount take_flow(const std::vector<OutArc>& out, std::uint32_t begin, std::uint32_t end,
                       std::uint32_t& cursor, flow::Amount& taken, const flow::FlowSolution& sol,
                       flow::Amount want, Emit&& emit) {
  flow::Amount got = 0;
  if (cursor < begin) cursor = begin;
  while (got < want && cursor < end) {
    const flow::Amount avail = sol.flow[out[cursor].first] - taken;
    if (avail <= 0) {
      ++cursor;
      taken = 0;
      continue;
    }
    const flow::Amount x = std::min(avail, want - got);
    emit(out[cursor].second, x, out[cursor].first);
    taken += x;
    got += x;
  }
  return got;
}

// Position of the first entry of q[from, size) whose deadline is after t (size if none), found
// by galloping from `from`: most buckets are short next to a long queue, so a few probes near
// `from` replace a binary search over the whole queue, whose probes each miss the cache.
std::uint32_t first_after(const QueueEntry* q, std::uint32_t from, std::uint32_t size,
                          std::int32_t t) {
  if (from >= size || q[from].deadline_min > t) return from;
  std::uint32_t lo = from;  // q[lo] is at or before t.
  std::uint64_t step = 1;
  while (size - lo > step && q[lo + step].deadline_min <= t) {
    lo += static_cast<std::uint32_t>(step);
    step *= 2;
  }
  const auto hi = static_cast<std::uint32_t>(std::min<std::uint64_t>(lo + step, size));
  const QueueEntry* at =
      std::upper_bound(q + lo + 1, q + hi, t,
                       [](std::int32_t v, const QueueEntry& e) { return v < e.deadline_min; });
  return static_cast<std::uint32_t>(at - q);
}

}  // namespace

// Everything a round builds, kept so that the next round reuses the memory.
struct Matcher::RoundScratch {
  flow::FlowProblem graph;
  // Officers.
  std::vector<std::uint8_t> is_preferred;       // By officer.
  std::vector<std::uint32_t> singleton_of;      // By officer: its singled-out class, or kNone.
  std::vector<std::uint32_t> class_of_officer;  // By officer: its class this round, or kNone.
  std::vector<std::uint32_t> profile_class;     // By profile: its class this round, or kNone.
  std::vector<OfficerClass> oclasses;
  std::vector<std::uint32_t> members;  // Officer ids, grouped by class, ascending within one.
  std::vector<flow::Amount> level_count;
  // Pools and groups.
  std::vector<Pool> pools;
  IdMap pool_ids;
  std::vector<std::pair<std::uint32_t, OutArc>> pool_arcs;  // (pool, arc) in arc order.
  std::vector<OutArc> pool_out;
  std::vector<std::uint32_t> pools_by_skill;  // Pool ids sorted by (center, skill).
  IdMap pools_at;  // (center, skill) -> index of its range of pools_by_skill in skill_ranges.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> skill_ranges;
  std::vector<Group> groups;
  IdMap group_ids;
  std::vector<OutArc> group_out;
  std::vector<std::pair<std::uint32_t, Cost>> candidates;
  // National hubs: the pools of every allowed center for one national requirement, shared by
  // the national groups of all home centers (an arc into a hub is marked kHub in group_out).
  std::vector<Group> hubs;
  IdMap hub_ids;
  std::vector<OutArc> hub_out;
  // Cases.
  std::vector<std::uint32_t> vclass_of_merge;  // By merge id: its virtual class, or kNone.
  std::vector<std::uint32_t> live;             // Live classes, ascending.
  std::vector<std::uint32_t> live_vclass;      // Their virtual classes.
  std::vector<VirtualClass> vclasses;
  std::vector<std::uint32_t> vc_members;
  std::vector<std::int32_t> thresholds;
  std::vector<flow::Amount> bucket_count;
  std::vector<CaseNode> nodes;
  std::vector<OutArc> node_out;
  std::vector<std::pair<std::int64_t, CaseNodeView>> skipped;  // Nodes left out: (cases, view).
  std::vector<std::uint32_t> class_groups;  // The groups one class's nodes use so far.
  std::vector<std::uint32_t> bucket_order;  // One class's non-empty buckets, most urgent first.
  std::vector<Cost> bucket_rank;            // By bucket: its cost of waiting, when ranked apart.
  // By class: where its buckets ended when it was last cut (edges_.size() positions a class),
  // the queue layout and the round time they hold for. While the layout stays, entries before a
  // remembered end are still due by that edge at any later time, so the next cut starts there.
  std::vector<std::uint32_t> bucket_ends;
  // By class and edge, the deadline of the entry at the remembered end (INT32_MIN past the
  // queue): while the edge's threshold stays below it, the end has not moved, and the queue,
  // whose every probe misses the cache at national scale, need not be read at all.
  std::vector<std::int32_t> bucket_next;
  std::vector<std::uint32_t> bucket_layout;
  std::vector<std::int64_t> bucket_at;
  // Handing out.
  std::vector<std::uint32_t> order;
  std::vector<std::vector<std::tuple<int, std::int64_t, OfficerId>>> heaps;
  std::vector<std::tuple<int, std::int64_t, OfficerId>> set_aside;
  std::vector<std::vector<MergeItem>> merges;
  std::vector<MergeItem> blocked;
  std::vector<Slot> slots;
};

std::string_view to_string(Explanation::Verdict v) {
  switch (v) {
    case Explanation::Verdict::kUnknownCase:
      return "unknown_case";
    case Explanation::Verdict::kNotQueued:
      return "not_queued";
    case Explanation::Verdict::kAssigned:
      return "assigned";
    case Explanation::Verdict::kNoEligibleOfficer:
      return "no_eligible_officer";
    case Explanation::Verdict::kNonePresent:
      return "none_present";
    case Explanation::Verdict::kAllAtCapacity:
      return "all_at_capacity";
    case Explanation::Verdict::kOutranked:
      return "outranked";
    case Explanation::Verdict::kNotYetPlanned:
      return "not_yet_planned";
  }
  return "unknown";
}

Matcher::Matcher(const Catalog& catalog, Options options, const Clock& clock)
    : catalog_(catalog), options_(std::move(options)), clock_(clock), costs_(options_.cost_models) {
  solver_ = flow::make_solver(options_.solver).value();
  if (options_.max_round_cases < 0) {
    throw InvalidArgument("max_round_cases must be >= 0, got " +
                          std::to_string(options_.max_round_cases));
  }
  // Bucket edges: the configured ones plus every threshold at which eligibility changes, so
  // that all cases of a bucket share one relaxation (which keeps offers exact).
  edges_ = options_.slack_bucket_days;
  for (const auto& step : options_.relaxation) edges_.push_back(step.slack_days);
  for (const auto& form : catalog_.forms()) {
    for (const auto& step : form.relaxation) edges_.push_back(step.slack_days);
  }
  if (options_.cross_center_slack_days >= 0) edges_.push_back(options_.cross_center_slack_days);
  std::sort(edges_.begin(), edges_.end());
  edges_.erase(std::unique(edges_.begin(), edges_.end()), edges_.end());
}

Matcher::~Matcher() = default;

std::int64_t Matcher::slack_days(std::int64_t deadline, TimePoint now) {
  const std::int64_t d = deadline - now.time_since_epoch().count();
  return d >= 0 ? d / kDay : -((-d + kDay - 1) / kDay);
}

std::size_t Matcher::bucket_of(std::int64_t deadline, TimePoint now) const {
  const std::int32_t d = CaseIndex::to_minutes(deadline);
  const std::int64_t now_s = now.time_since_epoch().count();
  std::size_t b = 0;
  while (b < edges_.size() && d > CaseIndex::to_minutes(now_s + edges_[b] * kDay)) ++b;
  return b;
}

CaseNodeView Matcher::bucket_view(const ClassKey& key, std::size_t bucket) const {
  const FormPolicy& form = catalog_.form(key.form);
  CaseNodeView v;
  v.form = &form;
  v.priority = key.priority;
  v.center = key.center;
  v.slack_days = bucket == 0 ? 0 : std::max(0, edges_[bucket - 1]);
  v.overdue = bucket == 0 && !edges_.empty() && edges_[0] <= 0;
  v.relax = relaxation(form, bucket < edges_.size() ? edges_[bucket] : 1'000'000);
  v.has_preferred = prefers(key.preferred);
  v.cases = 0;
  return v;
}

Relaxation Matcher::relaxation(const FormPolicy& form, std::int64_t slack) const {
  const int s = static_cast<int>(std::clamp<std::int64_t>(slack, -1'000'000, 1'000'000));
  return relaxation_for(s, form, options_.relaxation, options_.cross_center_slack_days);
}

std::uint32_t Matcher::profile_of(const Officer& o) {
  std::string key;
  key.reserve(32 + o.skills.size() * 3);
  auto put = [&key](std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) key.push_back(static_cast<char>(v >> (8 * i)));
  };
  put(o.center, 2);
  put(static_cast<std::uint64_t>(o.capacity), 4);
  put(o.languages, 8);
  put(static_cast<std::uint64_t>(o.clearance), 1);
  put(o.senior ? 1 : 0, 1);
  for (const auto& s : o.skills) {
    put(s.skill, 2);
    put(s.level, 1);
  }
  auto [it, inserted] =
      profile_ids_.try_emplace(std::move(key), static_cast<std::uint32_t>(profile_ids_.size()));
  return it->second;
}

OfficerId Matcher::add_officer(Officer o) {
  if (o.center >= catalog_.centers().size()) {
    throw InvalidArgument("officer " + o.id + ": unknown center id " + std::to_string(o.center));
  }
  if (o.capacity < 1) {
    throw InvalidArgument("officer " + o.id + ": capacity must be >= 1, got " +
                          std::to_string(o.capacity));
  }
  normalize_skills(o.id, o.skills);
  if (officer_ids_.count(o.id) != 0) throw InvalidArgument("duplicate officer id " + o.id);
  const auto id = static_cast<OfficerId>(officers_.size());
  officer_ids_.emplace(o.id, id);
  officer_state_.push_back({0, profile_of(o)});
  officers_.push_back(std::move(o));
  ++roster_version_;
  return id;
}

void Matcher::set_presence(OfficerId id, Presence presence) {
  Officer& o = officers_.at(id);
  o.presence = o.removed ? Presence::kOffline : presence;
}

bool Matcher::prefers(OfficerId preferred) const {
  // A case returned from an RFE prefers the officer who asked for the evidence; once that
  // officer is removed, it goes to anyone at no affinity cost.
  return preferred != kNoOfficer && !(preferred < officers_.size() && officers_[preferred].removed);
}

void Matcher::remove_officer(OfficerId id) {
  Officer& o = officers_.at(id);
  o.removed = true;
  o.presence = Presence::kOffline;
  ++roster_version_;
}

void Matcher::set_capacity(OfficerId id, int capacity) {
  if (capacity < 1) {
    throw InvalidArgument("capacity must be >= 1, got " + std::to_string(capacity));
  }
  officers_.at(id).capacity = capacity;
  officer_state_.at(id).profile = profile_of(officers_[id]);
}

void Matcher::set_skills(OfficerId id, std::vector<SkillLevel> skills) {
  Officer& o = officers_.at(id);
  normalize_skills(o.id, skills);
  o.skills = std::move(skills);
  officer_state_[id].profile = profile_of(o);
  ++roster_version_;
}

void Matcher::normalize_skills(const std::string& officer, std::vector<SkillLevel>& skills) {
  std::sort(skills.begin(), skills.end());
  for (std::size_t i = 0; i < skills.size(); ++i) {
    const auto& s = skills[i];
    if (s.level < kMinSkillLevel || s.level > kMaxSkillLevel) {
      throw InvalidArgument("officer " + officer + ": skill level " + std::to_string(s.level) +
                            " outside 1-5");
    }
    if (i > 0 && skills[i - 1].skill == s.skill) {
      throw InvalidArgument("officer " + officer + ": skill listed twice");
    }
  }
}

void Matcher::release(OfficerId id) {
  auto& o = officers_.at(id);
  o.load = std::max(0, o.load - 1);
}

std::optional<OfficerId> Matcher::find_officer(std::string_view external_id) const {
  auto it = officer_ids_.find(std::string(external_id));
  if (it == officer_ids_.end()) return std::nullopt;
  return it->second;
}

std::uint32_t Matcher::enqueue(const Case& c) {
  if (c.form >= catalog_.forms().size()) {
    throw InvalidArgument(c.receipt.str() + ": unknown form id " + std::to_string(c.form));
  }
  if (c.center >= catalog_.centers().size()) {
    throw InvalidArgument(c.receipt.str() + ": unknown center id " + std::to_string(c.center));
  }
  if (c.field_office != kNoCenter && c.field_office >= catalog_.centers().size()) {
    throw InvalidArgument(c.receipt.str() + ": unknown field office id " +
                          std::to_string(c.field_office));
  }
  return index_.enqueue(c, catalog_.form(c.form).interview);
}

void Matcher::restore(const Case& c) {
  const bool held = c.state == CaseState::kOffered || c.state == CaseState::kAssigned;
  if (held && c.officer >= officers_.size()) {
    throw InvalidArgument(c.receipt.str() + " is " + std::string(to_string(c.state)) +
                          " but its officer is unknown");
  }
  // Restoring a case twice (a scan may return a record twice) must not count its load twice.
  if (auto slot = index_.find(c.receipt)) {
    const auto& rec = index_.record(*slot);
    if ((rec.state == CaseState::kOffered || rec.state == CaseState::kAssigned) &&
        rec.officer < officers_.size()) {
      release(rec.officer);
    }
  }
  enqueue(c);
  if (c.state == CaseState::kQueued || c.state == CaseState::kQaReview) return;
  index_.dequeue(c.receipt, c.state, held ? c.officer : kNoOfficer);
  if (held) ++officers_[c.officer].load;
}

bool Matcher::withdraw(ReceiptNumber r, CaseState new_state) {
  return index_.dequeue(r, new_state);
}

bool Matcher::forget(ReceiptNumber r) {
  return index_.erase(r);
}

void Matcher::update_merge_ids() {
  const auto& classes = index_.classes();
  for (std::size_t ci = merge_of_.size(); ci < classes.size(); ++ci) {
    // The graph sees neither the exclusion set (it is honoured when cases are handed out) nor
    // which officer a class prefers, only whether it prefers one (the affinity cost): the
    // preferred officer's own arc exists only while that officer is singled out, and such a
    // class keeps a node of its own (plan_round).
    ClassKey k = classes[ci].key;
    k.excluded_hash = k.preferred != kNoOfficer ? 1 : 0;
    k.preferred = kNoOfficer;
    auto [it, inserted] = merge_ids_.try_emplace(k, static_cast<std::uint32_t>(merge_ids_.size()));
    merge_of_.push_back(it->second);
  }
}

RoundPlan Matcher::plan_round() {
  RoundPlan plan;
  plan.at = clock_.now();
  RoundStats& st = plan.stats;
  const auto t0 = SteadyClock::now();
  if (!scratch_) scratch_ = std::make_unique<RoundScratch>();
  RoundScratch& s = *scratch_;
  index_.prepare();
  auto& classes = index_.classes();
  st.queued = index_.queued();
  update_merge_ids();

  // Live classes, and the officers some queued case prefers: they are singled out so that the
  // affinity arc can reach them.
  s.live.clear();
  s.is_preferred.assign(officers_.size(), 0);
  for (std::uint32_t ci = 0; ci < classes.size(); ++ci) {
    const CaseClass& cls = classes[ci];
    if (cls.live == 0) continue;
    s.live.push_back(ci);
    if (cls.key.preferred < officers_.size()) s.is_preferred[cls.key.preferred] = 1;
  }

  // Officer classes, numbered in order of their first officer.
  s.oclasses.clear();
  s.singleton_of.assign(officers_.size(), kNone);
  s.class_of_officer.assign(officers_.size(), kNone);
  s.profile_class.assign(profile_ids_.size(), kNone);
  for (OfficerId id = 0; id < officers_.size(); ++id) {
    const Officer& o = officers_[id];
    const int free = o.free_slots();
    if (free <= 0) continue;
    std::uint32_t oc;
    if (s.is_preferred[id] != 0) {
      oc = static_cast<std::uint32_t>(s.oclasses.size());
      s.oclasses.emplace_back();
      s.singleton_of[id] = oc;
    } else {
      std::uint32_t& pc = s.profile_class[officer_state_[id].profile];
      if (pc == kNone) {
        pc = static_cast<std::uint32_t>(s.oclasses.size());
        s.oclasses.emplace_back();
      }
      oc = pc;
    }
    s.class_of_officer[id] = oc;
    s.oclasses[oc].end += 1;  // Member count until the offsets below.
    s.oclasses[oc].free += free;
    s.oclasses[oc].capacity = o.capacity;
    st.free_slots += static_cast<std::size_t>(free);
  }
  std::uint32_t at_member = 0;
  for (auto& oc : s.oclasses) {
    oc.begin = at_member;
    at_member += oc.end;
    oc.end = oc.begin;
  }
  s.members.resize(at_member);
  for (OfficerId id = 0; id < officers_.size(); ++id) {
    const std::uint32_t oc = s.class_of_officer[id];
    if (oc != kNone) s.members[s.oclasses[oc].end++] = id;
  }
  auto members_of = [&](const OfficerClass& oc) {
    return std::span<const std::uint32_t>(s.members.data() + oc.begin, oc.end - oc.begin);
  };

  flow::FlowProblem& g = s.graph;
  g.clear();
  g.reserve(s.oclasses.size() * 4 + s.live.size() * 3, s.oclasses.size() * 16 + s.live.size() * 8);
  const NodeId sink = g.add_node();
  NodeId gate = sink;
  if (options_.max_round_cases > 0) {
    gate = g.add_node();
    g.add_arc(gate, sink, options_.max_round_cases, 0);
  }

  // Officer classes drain into the sink through one arc per load level, priced by load.
  Cost max_load = 0;
  for (auto& oc : s.oclasses) {
    oc.node = g.add_node();
    s.level_count.assign(static_cast<std::size_t>(oc.capacity), 0);
    for (OfficerId id : members_of(oc)) {
      for (int k = officers_[id].load; k < oc.capacity; ++k) ++s.level_count[k];
    }
    for (int k = 0; k < oc.capacity; ++k) {
      if (s.level_count[k] == 0) continue;
      const Cost c = costs_.load_slot(k, oc.capacity);
      max_load = std::max(max_load, c);
      g.add_arc(oc.node, gate, s.level_count[k], c);
    }
  }

  // Pools: officers holding one skill at one exact level, by center, clearance, seniority and
  // language (the language-free pool holds everyone).
  s.pools.clear();
  s.pool_ids.clear();
  s.pool_arcs.clear();
  for (std::uint32_t oci = 0; oci < s.oclasses.size(); ++oci) {
    const OfficerClass& oc = s.oclasses[oci];
    const Officer& rep = officers_[s.members[oc.begin]];
    for (const auto& sk : rep.skills) {
      auto join = [&](LanguageId l) {
        const auto key = pool_key(rep.center, sk.skill, sk.level, rep.clearance, rep.senior, l);
        const auto [pi, inserted] = s.pool_ids.try_emplace(key, 0, static_cast<std::uint32_t>(s.pools.size()));
        if (inserted) {
          s.pools.push_back(Pool{PoolView{rep.center, sk.skill, sk.level}, rep.clearance, rep.senior, l,
                                 g.add_node()});
        }
        Pool& p = s.pools[pi];
        p.free += oc.free;
        s.pool_arcs.emplace_back(pi, OutArc{g.add_arc(p.node, oc.node, oc.free, 0), oci});
      };
      // The language-free pool, then one per language the officer speaks, visiting set bits
      // only (the officer speaks a few of kMaxLanguages).
      join(kNoLanguage);
      for (std::uint64_t langs = rep.languages; langs != 0; langs &= langs - 1) {
        join(static_cast<LanguageId>(std::countr_zero(langs)));
      }
    }
  }
  // Each pool's arcs, contiguous and in arc order (a stable counting sort by pool).
  for (const auto& [pi, arc] : s.pool_arcs) ++s.pools[pi].out_end;
  std::uint32_t at_arc = 0;
  for (auto& p : s.pools) {
    p.out_begin = at_arc;
    at_arc += p.out_end;
    p.out_end = p.out_begin;
  }
  s.pool_out.resize(s.pool_arcs.size());
  for (const auto& [pi, arc] : s.pool_arcs) s.pool_out[s.pools[pi].out_end++] = arc;
  // Pools by (center, skill), in order of creation within one.
  auto center_skill = [](CenterId c, SkillId sk) { return (std::uint32_t{c} << 16) | sk; };
  s.pools_by_skill.resize(s.pools.size());
  for (std::uint32_t pi = 0; pi < s.pools.size(); ++pi) s.pools_by_skill[pi] = pi;
  std::stable_sort(s.pools_by_skill.begin(), s.pools_by_skill.end(), [&](std::uint32_t a, std::uint32_t b) {
    return center_skill(s.pools[a].view.center, s.pools[a].view.skill) <
           center_skill(s.pools[b].view.center, s.pools[b].view.skill);
  });
  s.pools_at.clear();
  s.skill_ranges.clear();
  for (std::uint32_t i = 0; i < s.pools_by_skill.size();) {
    const Pool& p = s.pools[s.pools_by_skill[i]];
    const std::uint32_t key = center_skill(p.view.center, p.view.skill);
    std::uint32_t j = i + 1;
    while (j < s.pools_by_skill.size() &&
           center_skill(s.pools[s.pools_by_skill[j]].view.center, s.pools[s.pools_by_skill[j]].view.skill) == key) {
      ++j;
    }
    s.pools_at.try_emplace(key, 0, static_cast<std::uint32_t>(s.skill_ranges.size()));
    s.skill_ranges.emplace_back(i, j);
    i = j;
  }

  // Requirement groups, created on first use, with their arcs to the pools that satisfy them. A
  // group no pool satisfies gets no node: the case nodes skip it.
  s.groups.clear();
  s.group_ids.clear();
  s.group_out.clear();
  s.hubs.clear();
  s.hub_ids.clear();
  s.hub_out.clear();
  // A national group reaches the centers its form allows, so forms that share a skill but not
  // their centers need groups of their own: the key carries the form then (0 otherwise).
  Cost max_to_pool = 0;
  // The national groups of one requirement differ only in their home center, and their arcs to
  // the other centers' pools cost the same whatever the home (the transfer cost is the same for
  // any other center): those arcs go once from a hub that every home's group enters at no cost,
  // and each group keeps direct arcs to its home's pools. With five centers this removes most of
  // the arcs of national groups, which were most of the graph's. A group uses the hub only when
  // it prices every other center's pool exactly as the hub does and no home pool above it, so
  // every path keeps its cost (a cost model that prices by home center otherwise gets direct
  // arcs). Returns the hub's index, or kNone when the group must keep its own arcs.
  auto hub_for = [&](const GroupView& v, std::uint32_t form_part, LanguageId lang, Clearance cl,
                     bool senior) -> std::uint32_t {
    GroupView hv = v;
    hv.center = kNoCenter;
    const auto [hub_id, inserted] =
        s.hub_ids.try_emplace(group_key(hv, lang, cl, senior), form_part, static_cast<std::uint32_t>(s.hubs.size()));
    if (inserted) {
      Group hub{hv, lang, cl, senior, g.add_node()};
      hub.out_begin = static_cast<std::uint32_t>(s.hub_out.size());
      for (const auto& [pi, c] : s.candidates) {
        s.hub_out.emplace_back(g.add_arc(hub.node, s.pools[pi].node, kUnbounded, costs_.to_pool(hv, s.pools[pi].view)), pi);
        hub.free += s.pools[pi].free;
      }
      hub.out_end = static_cast<std::uint32_t>(s.hub_out.size());
      s.hubs.push_back(hub);
    }
    const Group& hub = s.hubs[hub_id];
    // The hub was built from the same candidates, in the same order, for the first group.
    if (hub.out_end - hub.out_begin != s.candidates.size()) return kNone;
    for (std::size_t i = 0; i < s.candidates.size(); ++i) {
      const auto [pi, c] = s.candidates[i];
      const auto [arc, hub_pi] = s.hub_out[hub.out_begin + i];
      const Cost via_hub = g.arc(arc).cost;
      if (hub_pi != pi || (s.pools[pi].view.center == v.center ? via_hub < c : via_hub != c)) return kNone;
    }
    return hub_id;
  };
  auto group_for = [&](const GroupView& v, const FormPolicy& form, LanguageId lang, Clearance cl,
                       bool senior) {
    const std::uint32_t form_part = v.national && !form.centers.empty() ? form.id + 1 : 0;
    const auto [group_id, inserted] =
        s.group_ids.try_emplace(group_key(v, lang, cl, senior), form_part, static_cast<std::uint32_t>(s.groups.size()));
    if (!inserted) return group_id;
    s.candidates.clear();
    auto connect = [&](CenterId center) {
      const auto at = s.pools_at.find(center_skill(center, v.skill), 0);
      if (!at) return;
      const auto [first, last] = s.skill_ranges[*at];
      for (std::uint32_t i = first; i < last; ++i) {
        const std::uint32_t pi = s.pools_by_skill[i];
        const Pool& p = s.pools[pi];
        if (p.view.level < v.min_level || p.clearance < cl || (senior && !p.senior) || p.language != lang) {
          continue;
        }
        s.candidates.emplace_back(pi, costs_.to_pool(v, p.view));
      }
    };
    if (!v.national) {
      connect(v.center);
    } else if (!form.centers.empty()) {
      for (CenterId c : form.centers) connect(c);
    } else {
      for (const auto& c : catalog_.centers()) connect(c.id);
    }
    Group grp{v, lang, cl, senior, -1};
    grp.out_begin = grp.out_end = static_cast<std::uint32_t>(s.group_out.size());
    if (!s.candidates.empty()) {
      grp.node = g.add_node();
      for (const auto& [pi, c] : s.candidates) {
        max_to_pool = std::max(max_to_pool, c);
        grp.free += s.pools[pi].free;
      }
      const std::uint32_t hub = v.national && options_.compact_graph ? hub_for(v, form_part, lang, cl, senior) : kNone;
      if (hub != kNone) {
        s.group_out.emplace_back(g.add_arc(grp.node, s.hubs[hub].node, kUnbounded, 0), kHub | hub);
        for (const auto& [pi, c] : s.candidates) {
          if (s.pools[pi].view.center == v.center) {
            s.group_out.emplace_back(g.add_arc(grp.node, s.pools[pi].node, kUnbounded, c), pi);
          }
        }
      } else {
        for (const auto& [pi, c] : s.candidates) {
          s.group_out.emplace_back(g.add_arc(grp.node, s.pools[pi].node, kUnbounded, c), pi);
        }
      }
      grp.out_end = static_cast<std::uint32_t>(s.group_out.size());
    }
    s.groups.push_back(grp);
    return group_id;
  };

  // Virtual classes: a class whose preferred officer is singled out keeps its own; the others
  // share one per merge id (identical nodes: same arcs and costs in every bucket).
  s.vclasses.clear();
  s.live_vclass.resize(s.live.size());
  if (s.vclass_of_merge.size() < merge_ids_.size()) s.vclass_of_merge.resize(merge_ids_.size(), kNone);
  for (std::size_t i = 0; i < s.live.size(); ++i) {
    const std::uint32_t ci = s.live[i];
    const OfficerId p = classes[ci].key.preferred;
    std::uint32_t vc;
    if (p < officers_.size() && s.singleton_of[p] != kNone) {
      vc = static_cast<std::uint32_t>(s.vclasses.size());
      s.vclasses.emplace_back();
    } else {
      std::uint32_t& m = s.vclass_of_merge[merge_of_[ci]];
      if (m == kNone) {
        m = static_cast<std::uint32_t>(s.vclasses.size());
        s.vclasses.emplace_back();
      }
      vc = m;
    }
    s.live_vclass[i] = vc;
    s.vclasses[vc].end += 1;
  }
  std::uint32_t at_vc = 0;
  for (auto& vc : s.vclasses) {
    vc.begin = at_vc;
    at_vc += vc.end;
    vc.end = vc.begin;
  }
  s.vc_members.resize(s.live.size());
  for (std::size_t i = 0; i < s.live.size(); ++i) {
    VirtualClass& vc = s.vclasses[s.live_vclass[i]];
    s.vc_members[vc.end++] = s.live[i];
    vc.cursor = kNone;
  }
  for (const std::uint32_t ci : s.live) {  // Reset for the next round.
    s.vclass_of_merge[merge_of_[ci]] = kNone;
  }

  // Case nodes: each virtual class cut into deadline buckets by binary search on its members'
  // sorted queues. A node no officer can serve (no group arc, no preferred arc) is left out of
  // the graph: all its cases wait, which the objective counts below.
  const std::int64_t now_s = plan.at.time_since_epoch().count();
  s.thresholds.clear();
  for (int e : edges_) s.thresholds.push_back(CaseIndex::to_minutes(now_s + e * kDay));
  s.nodes.clear();
  s.node_out.clear();
  s.skipped.clear();
  Cost max_to_group = 0;
  // A model that ranks buckets apart may want a later bucket first (cost_model.h).
  const bool by_rank = costs_.serves_buckets_apart();
  const auto free_slots = static_cast<flow::Amount>(st.free_slots);
  Cost max_preferred = 0;
  flow::Amount total = 0;
  const std::size_t buckets = edges_.size() + 1;
  if (s.bucket_at.size() < classes.size()) {
    s.bucket_ends.resize(classes.size() * edges_.size());
    s.bucket_next.resize(classes.size() * edges_.size());
    s.bucket_layout.resize(classes.size());
    s.bucket_at.resize(classes.size(), std::numeric_limits<std::int64_t>::max());
  }
  for (std::uint32_t vci = 0; vci < s.vclasses.size(); ++vci) {
    const VirtualClass& vc = s.vclasses[vci];
    const CaseClass& cls = classes[s.vc_members[vc.begin]];
    const FormPolicy& form = catalog_.form(cls.key.form);
    const int required = cls.key.min_level != 0 ? cls.key.min_level : form.min_level;
    const CenterId home = home_office(form, cls.key.center, cls.key.field_office);
    s.bucket_count.assign(buckets, 0);
    for (std::uint32_t mi = vc.begin; mi < vc.end; ++mi) {
      const std::uint32_t mci = s.vc_members[mi];
      const CaseClass& member = classes[mci];
      const QueueEntry* q = member.queue.data();
      const auto size = static_cast<std::uint32_t>(member.queue.size());
      std::uint32_t* ends = s.bucket_ends.data() + std::size_t{mci} * edges_.size();
      std::int32_t* next = s.bucket_next.data() + std::size_t{mci} * edges_.size();
      const bool remembered = s.bucket_layout[mci] == member.layout && s.bucket_at[mci] <= now_s;
      auto prev = static_cast<std::uint32_t>(member.head);
      for (std::size_t b = 0; b < edges_.size(); ++b) {
        const std::uint32_t from = remembered ? std::clamp(ends[b], prev, size) : prev;
        std::uint32_t end = from;
        if (!remembered || from != ends[b] || next[b] <= s.thresholds[b]) {
          end = first_after(q, from, size, s.thresholds[b]);
          // Past the queue nothing is cached: cases enqueued in order grow it without a new layout.
          next[b] = end < size ? q[end].deadline_min : std::numeric_limits<std::int32_t>::min();
        }
        s.bucket_count[b] += end - prev;
        ends[b] = end;
        prev = end;
      }
      s.bucket_count[buckets - 1] += size - prev;
      s.bucket_layout[mci] = member.layout;
      s.bucket_at[mci] = now_s;
    }
    const auto singled = cls.key.preferred < officers_.size() ? s.singleton_of[cls.key.preferred] : kNone;
    // The class's buckets, most urgent first: in bucket order, unless the cost model ranks
    // buckets apart (triage), when by their cost of waiting (stable, so ties keep bucket order).
    s.bucket_order.clear();
    for (std::size_t b = 0; b < buckets; ++b) {
      if (s.bucket_count[b] > 0) s.bucket_order.push_back(static_cast<std::uint32_t>(b));
    }
    if (by_rank) {
      s.bucket_rank.resize(buckets);
      for (const std::uint32_t b : s.bucket_order) s.bucket_rank[b] = costs_.unassigned(bucket_view(cls.key, b));
      std::stable_sort(s.bucket_order.begin(), s.bucket_order.end(),
                       [&](std::uint32_t a, std::uint32_t b) { return s.bucket_rank[a] > s.bucket_rank[b]; });
    }
    // Saturation: once the class's nodes in the graph hold at least as many cases as there are
    // free slots they can reach, a node further down the order gets no flow in some optimum and
    // is left out. Each node already in is relaxed at least as far, so it has every path of the
    // one left out, at the same price (cost_model.h), and waits at a cost no lower: were the
    // node left out given a unit of flow, some node in would have a waiting case to send down
    // the same path instead, at no greater cost. In the national year most classes have more
    // overdue cases than their officers have slots, and this keeps the buckets that can matter.
    flow::Amount held = 0;       // Cases in this class's nodes in the graph.
    flow::Amount reachable = 0;  // Free slots they reach: their distinct groups' and officer's.
    int least_levels = std::numeric_limits<int>::max();  // The least relaxation of those nodes,
    bool all_cross = true;                                // and whether all may cross centers.
    bool preferred_counted = false;
    std::optional<Case> probe;  // The class's head case, to check its preferred officer.
    s.class_groups.clear();
    for (const std::uint32_t b : s.bucket_order) {
      const flow::Amount count = s.bucket_count[b];
      CaseNode n{vci, static_cast<int>(b), bucket_view(cls.key, b), -1, 0, 0, 0, -1, 0};
      n.view.cases = count;
      if (options_.compact_graph && held > 0 && held >= std::min(reachable, free_slots) &&
          n.view.relax.levels <= least_levels && (!n.view.relax.cross_center || all_cross)) {
        s.skipped.emplace_back(count, n.view);
        ++st.saturated_nodes;
        continue;
      }

      GroupView local{false, home, form.skill, std::max(kMinSkillLevel, required - n.view.relax.levels), required};
      std::uint32_t group_arc[2];
      int group_arcs = 0;
      auto want_group = [&](const GroupView& v) {
        const std::uint32_t gi = group_for(v, form, cls.key.language, cls.key.clearance, cls.key.senior_review);
        if (s.groups[gi].node >= 0) group_arc[group_arcs++] = gi;  // Else no officer can serve it.
      };
      want_group(local);
      if (n.view.relax.cross_center) {
        GroupView national = local;
        national.national = true;
        national.center = cls.key.center;
        want_group(national);
      }
      bool preferred_ok = false;
      if (singled != kNone) {
        if (!probe) probe = index_.to_case(cls.queue[cls.head].slot);  // Once for all buckets.
        preferred_ok = check(*probe, form, officers_[cls.key.preferred], cls.key.preferred, n.view.relax) ==
                       Ineligibility::kEligible;
      }
      if (group_arcs == 0 && !preferred_ok) {
        s.skipped.emplace_back(count, n.view);
        continue;
      }
      n.node = g.add_node(count);
      total += count;
      n.groups_begin = static_cast<std::uint32_t>(s.node_out.size());
      for (int i = 0; i < group_arcs; ++i) {
        const std::uint32_t gi = group_arc[i];
        if (std::find(s.class_groups.begin(), s.class_groups.end(), gi) == s.class_groups.end()) {
          s.class_groups.push_back(gi);
          reachable += s.groups[gi].free;
        }
        const Cost c = costs_.to_group(n.view, s.groups[gi].view);
        max_to_group = std::max(max_to_group, c);
        s.node_out.emplace_back(g.add_arc(n.node, s.groups[gi].node, count, c), gi);
      }
      n.groups_end = static_cast<std::uint32_t>(s.node_out.size());
      if (preferred_ok) {
        const Cost c = costs_.to_preferred(n.view);
        max_preferred = std::max(max_preferred, c);
        n.preferred_arc = g.add_arc(n.node, s.oclasses[singled].node, count, c);
        if (!preferred_counted) reachable += s.oclasses[singled].free;
        preferred_counted = true;
        n.preferred_class = singled;
      }
      held += count;
      least_levels = std::min(least_levels, n.view.relax.levels);
      all_cross = all_cross && n.view.relax.cross_center;
      s.nodes.push_back(n);
    }
  }

  // "Unassigned" arcs cost more than any assignment path, so every free slot that some case can
  // use is used; among cases competing for a slot, urgency decides.
  const Cost bound = std::max(max_to_group + max_to_pool, max_preferred) + max_load + 1;
  for (auto& n : s.nodes) {
    n.unassigned = bound + costs_.unassigned(n.view);
    g.add_arc(n.node, sink, n.view.cases, n.unassigned);
  }
  g.set_supply(sink, -total);
  Cost waiting = 0;  // What the nodes left out of the graph cost: all their cases wait.
  for (const auto& [count, view] : s.skipped) waiting += count * (bound + costs_.unassigned(view));
  st.case_nodes = s.nodes.size();
  st.groups = s.groups.size();
  st.hubs = s.hubs.size();
  st.pools = s.pools.size();
  st.officer_classes = s.oclasses.size();
  st.graph_nodes = g.node_count();
  st.graph_arcs = g.arc_count();
  st.build_seconds = since(t0);

  const auto t1 = SteadyClock::now();
  const flow::FlowSolution sol = solver_->solve(g);
  st.solve_seconds = since(t1);
  if (sol.status != flow::SolveStatus::kOptimal) {
    throw Error("assignment round: solver " + std::string(solver_->name()) +
                " found no optimal flow, which the unassigned arcs should rule out");
  }
  st.total_cost = sol.total_cost + waiting;
  st.unassigned_base = bound;

  // Turn class-level flow into offers. Case nodes go most urgent first; a class's buckets come
  // in deadline order, and each class hands out its cases strictly earliest deadline first (a
  // merged virtual class hands out the earliest case of all its members).
  const auto t2 = SteadyClock::now();
  s.order.resize(s.nodes.size());
  for (std::uint32_t i = 0; i < s.order.size(); ++i) s.order[i] = i;
  std::sort(s.order.begin(), s.order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const auto& x = s.nodes[a];
    const auto& y = s.nodes[b];
    if (x.unassigned != y.unassigned) return x.unassigned > y.unassigned;
    if (x.vclass != y.vclass) return x.vclass < y.vclass;
    return x.bucket < y.bucket;
  });
  using HeapItem = std::tuple<int, std::int64_t, OfficerId>;  // load, idle since, id
  if (s.heaps.size() < s.oclasses.size()) s.heaps.resize(s.oclasses.size());
  for (std::size_t i = 0; i < s.oclasses.size(); ++i) s.heaps[i].clear();
  std::size_t merges_used = 0;
  // The next case of a virtual class: (class, queue position), or kNone when it has none left.
  auto next_case = [&](VirtualClass& vc) -> std::pair<std::uint32_t, std::uint32_t> {
    if (vc.end - vc.begin == 1) {
      const CaseClass& cls = classes[s.vc_members[vc.begin]];
      if (vc.cursor == kNone) vc.cursor = static_cast<std::uint32_t>(cls.head);
      if (vc.cursor >= cls.queue.size()) return {kNone, 0};
      return {s.vc_members[vc.begin], vc.cursor};
    }
    if (vc.cursor == kNone) {
      vc.cursor = static_cast<std::uint32_t>(merges_used++);
      if (s.merges.size() < merges_used) s.merges.resize(merges_used);
      auto& heap = s.merges[vc.cursor];
      heap.clear();
      for (std::uint32_t mi = vc.begin; mi < vc.end; ++mi) {
        const std::uint32_t ci = s.vc_members[mi];
        const CaseClass& cls = classes[ci];
        if (cls.head < cls.queue.size()) {
          heap.push_back(MergeItem{cls.queue[cls.head], ci, static_cast<std::uint32_t>(cls.head)});
        }
      }
      std::make_heap(heap.begin(), heap.end(), std::greater<>());
    }
    const auto& heap = s.merges[vc.cursor];
    if (heap.empty()) return {kNone, 0};
    return {heap.front().klass, heap.front().pos};
  };
  auto advance = [&](VirtualClass& vc) {
    if (vc.end - vc.begin == 1) {
      ++vc.cursor;
      return;
    }
    auto& heap = s.merges[vc.cursor];
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    MergeItem& item = heap.back();
    const CaseClass& cls = classes[item.klass];
    if (++item.pos < cls.queue.size()) {
      item.entry = cls.queue[item.pos];
      std::push_heap(heap.begin(), heap.end(), std::greater<>());
    } else {
      heap.pop_back();
    }
  };
  // A cost model that ranks buckets of a class apart (triage) gets each bucket's own cases: a
  // one-member class's node starts at its bucket's first case. Merged classes (QA reviews, RFE
  // responses whose officer is not singled out) still hand out their earliest cases.
  const bool by_bucket = costs_.serves_buckets_apart();
  for (std::uint32_t ni : s.order) {
    CaseNode& n = s.nodes[ni];
    if (by_bucket && s.vclasses[n.vclass].end - s.vclasses[n.vclass].begin == 1) {
      VirtualClass& vc = s.vclasses[n.vclass];
      const CaseClass& cls = classes[s.vc_members[vc.begin]];
      const auto head = cls.queue.begin() + static_cast<std::ptrdiff_t>(cls.head);
      const auto first = n.bucket == 0 ? head
                                       : std::upper_bound(head, cls.queue.end(), s.thresholds[n.bucket - 1],
                                                          [](std::int32_t t, const QueueEntry& e) {
                                                            return t < e.deadline_min;
                                                          });
      vc.cursor = static_cast<std::uint32_t>(first - cls.queue.begin());
    }
    s.slots.clear();
    for (std::uint32_t i = n.groups_begin; i < n.groups_end; ++i) {
      const auto [arc, gi] = s.node_out[i];
      Group& grp = s.groups[gi];
      const Cost to_group = g.arc(arc).cost;
      // Cases reach a pool's officer classes at the cost of the path so far.
      auto to_officers = [&](std::uint32_t pi, flow::Amount x, Cost c) {
        Pool& p = s.pools[pi];
        take_flow(s.pool_out, p.out_begin, p.out_end, p.cursor, p.taken, sol, x,
                  [&](std::uint32_t oci, flow::Amount y, ArcId) { s.slots.push_back(Slot{oci, y, c, false}); });
      };
      take_flow(s.group_out, grp.out_begin, grp.out_end, grp.cursor, grp.taken, sol, sol.flow[arc],
                [&](std::uint32_t pi, flow::Amount x, ArcId out_arc) {
                  const Cost c = to_group + g.arc(out_arc).cost;
                  if ((pi & kHub) == 0) {
                    to_officers(pi, x, c);
                    return;
                  }
                  // Every group entering a hub may use any of its pools at the hub's price.
                  Group& hub = s.hubs[pi & ~kHub];
                  take_flow(s.hub_out, hub.out_begin, hub.out_end, hub.cursor, hub.taken, sol, x,
                            [&](std::uint32_t hub_pi, flow::Amount y, ArcId pool_arc) {
                              to_officers(hub_pi, y, c + g.arc(pool_arc).cost);
                            });
                });
    }
    if (n.preferred_arc >= 0 && sol.flow[n.preferred_arc] > 0) {
      s.slots.insert(s.slots.begin(),
                     Slot{n.preferred_class, sol.flow[n.preferred_arc], g.arc(n.preferred_arc).cost, true});
    }
    if (s.slots.empty()) continue;

    VirtualClass& vc = s.vclasses[n.vclass];
    const ClassKey& key = classes[s.vc_members[vc.begin]].key;
    const FormPolicy& form = catalog_.form(key.form);
    const int required = key.min_level != 0 ? key.min_level : form.min_level;
    for (const Slot& sl : s.slots) {
      OfficerClass& oc = s.oclasses[sl.officer_class];
      auto& heap = s.heaps[sl.officer_class];
      if (!oc.heap_ready) {
        for (OfficerId id : members_of(oc)) heap.emplace_back(officers_[id].load, officer_state_[id].idle_since, id);
        std::make_heap(heap.begin(), heap.end(), std::greater<>());
        oc.heap_ready = true;
      }
      // The least loaded, longest idle officer of the class who is not excluded for `cls`.
      auto pick_officer = [&](const CaseClass& cls) -> std::optional<HeapItem> {
        s.set_aside.clear();
        std::optional<HeapItem> pick;
        while (!heap.empty()) {
          std::pop_heap(heap.begin(), heap.end(), std::greater<>());
          HeapItem item = heap.back();
          heap.pop_back();
          if (std::binary_search(cls.excluded.begin(), cls.excluded.end(), std::get<2>(item))) {
            s.set_aside.push_back(item);
            continue;
          }
          pick = item;
          break;
        }
        for (const auto& item : s.set_aside) {
          heap.push_back(item);
          std::push_heap(heap.begin(), heap.end(), std::greater<>());
        }
        return pick;
      };
      for (flow::Amount i = 0; i < sl.amount; ++i) {
        std::uint32_t ci = kNone;
        std::uint32_t pos = 0;
        std::optional<HeapItem> pick;
        s.blocked.clear();
        while (true) {
          std::tie(ci, pos) = next_case(vc);
          if (ci == kNone) break;
          pick = pick_officer(classes[ci]);
          if (pick || vc.end - vc.begin == 1) break;
          // Every officer left here is excluded for this member's next case (a QA review's
          // decider): the next member's earliest case may take the slot; this one keeps its
          // place at the head of its class.
          auto& merge = s.merges[vc.cursor];
          std::pop_heap(merge.begin(), merge.end(), std::greater<>());
          s.blocked.push_back(merge.back());
          merge.pop_back();
        }
        if (pick) advance(vc);  // The case at the top is the one taken, before the blocked return.
        if (!s.blocked.empty()) {
          auto& merge = s.merges[vc.cursor];
          for (const MergeItem& item : s.blocked) {
            merge.push_back(item);
            std::push_heap(merge.begin(), merge.end(), std::greater<>());
          }
        }
        if (!pick) {  // No case left, or only excluded officers left here: the slots stay unused.
          st.unplaced += static_cast<std::size_t>(sl.amount - i);
          break;
        }
        const CaseClass& cls = classes[ci];
        const auto [load, idle, id] = *pick;
        const Officer& o = officers_[id];
        // The queue entry and the class key hold all the offer needs: reading the case's record
        // instead costs a cache miss per offer in the national index.
        const QueueEntry& entry = cls.queue[pos];
        Assignment a;
        a.receipt = ReceiptNumber::from_packed(entry.receipt);
        a.officer = id;
        a.cost = sl.path_cost + costs_.load_slot(load, o.capacity);
        a.relaxed_levels = std::max(0, required - o.level(form.skill));
        // The class key's field office is the case's for an interview form, which is the only
        // kind whose home office it decides.
        const CenterId home = home_office(form, cls.key.center, cls.key.field_office);
        a.cross_center = o.center != home;
        a.preferred = sl.preferred;
        a.slot = entry.slot;
        a.position = pos;
        plan.assignments.push_back(a);
        if (load + 1 < o.capacity) {
          heap.emplace_back(load + 1, plan.at.time_since_epoch().count(), id);
          std::push_heap(heap.begin(), heap.end(), std::greater<>());
        }
      }
    }
  }
  st.assigned = plan.assignments.size();
  st.assign_seconds = since(t2);
  if (metrics_ != nullptr) metrics_->observe(plan);
  return plan;
}

std::size_t Matcher::apply(const RoundPlan& plan) {
  std::size_t applied = 0;
  last_offers_.clear();
  last_round_ = plan.at;
  // The offers' records are scattered over the index, so each read would miss the cache: start
  // loading those a few offers ahead.
  constexpr std::size_t kAhead = 8;
  const auto& offers = plan.assignments;
  for (std::size_t i = 0; i < offers.size(); ++i) {
    if (i + kAhead < offers.size()) index_.prefetch_record(offers[i + kAhead].slot);
    const Assignment& a = offers[i];
    if (a.officer >= officers_.size()) continue;
    Officer& o = officers_[a.officer];
    if (o.presence != Presence::kAvailable || o.load >= o.capacity) continue;
    // The plan's slot saves a receipt lookup while it still holds the case.
    const bool by_slot = a.slot != Assignment::kNoSlot && a.slot < index_.slots() &&
                         index_.record(a.slot).receipt == a.receipt.packed();
    if (!(by_slot ? index_.dequeue_slot(a.slot, CaseState::kOffered, a.officer, a.position)
                  : index_.dequeue(a.receipt, CaseState::kOffered, a.officer))) {
      continue;
    }
    ++o.load;
    officer_state_[a.officer].idle_since = plan.at.time_since_epoch().count();
    last_offers_.push_back(a);
    ++applied;
  }
  return applied;
}

RoundPlan Matcher::run_round() {
  RoundPlan plan = plan_round();
  apply(plan);
  return plan;
}

}  // namespace docket::matching
