#include "docket/matching/matcher.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <unordered_set>

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

double since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// Officers who are interchangeable this round: same profile, or one officer singled out because
// some queued case prefers them.
struct OfficerClass {
  std::vector<OfficerId> members;
  std::int64_t free = 0;
  int capacity = 1;
  NodeId node = -1;
  bool heap_ready = false;
};

struct Pool {
  PoolView view;
  Clearance clearance;
  bool senior;
  LanguageId language;
  NodeId node;
  std::vector<std::pair<ArcId, std::uint32_t>> out;  // Arcs to officer classes.
  std::size_t cursor = 0;
  flow::Amount taken = 0;  // Flow already handed out on out[cursor].
};

struct Group {
  GroupView view;
  LanguageId language;
  Clearance clearance;
  bool senior;
  NodeId node;
  std::vector<std::pair<ArcId, std::uint32_t>> out;  // Arcs to pools.
  std::size_t cursor = 0;
  flow::Amount taken = 0;
};

struct CaseNode {
  std::uint32_t klass;
  int bucket;
  CaseNodeView view;
  NodeId node;
  Cost unassigned;
  std::vector<std::pair<ArcId, std::uint32_t>> to_groups;
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

// Takes up to `want` units from a list of (arc, target) flows, advancing a cursor; calls
// emit(target, amount) for each chunk and returns how much was taken.
template <typename Emit>
flow::Amount take_flow(const std::vector<std::pair<ArcId, std::uint32_t>>& out, std::size_t& cursor,
                       flow::Amount& taken, const flow::FlowSolution& sol, flow::Amount want,
                       Emit&& emit) {
  flow::Amount got = 0;
  while (got < want && cursor < out.size()) {
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

}  // namespace

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
  v.relax = relaxation(form, bucket < edges_.size() ? edges_[bucket] : 1'000'000);
  v.has_preferred = key.preferred != kNoOfficer;
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
  std::sort(o.skills.begin(), o.skills.end());
  for (std::size_t i = 0; i < o.skills.size(); ++i) {
    const auto& s = o.skills[i];
    if (s.level < kMinSkillLevel || s.level > kMaxSkillLevel) {
      throw InvalidArgument("officer " + o.id + ": skill level " + std::to_string(s.level) +
                            " outside 1-5");
    }
    if (i > 0 && o.skills[i - 1].skill == s.skill) {
      throw InvalidArgument("officer " + o.id + ": skill listed twice");
    }
  }
  if (officer_ids_.count(o.id) != 0) throw InvalidArgument("duplicate officer id " + o.id);
  const auto id = static_cast<OfficerId>(officers_.size());
  officer_ids_.emplace(o.id, id);
  officer_state_.push_back({0, profile_of(o)});
  officers_.push_back(std::move(o));
  return id;
}

void Matcher::set_presence(OfficerId id, Presence presence) {
  officers_.at(id).presence = presence;
}

void Matcher::set_capacity(OfficerId id, int capacity) {
  if (capacity < 1) {
    throw InvalidArgument("capacity must be >= 1, got " + std::to_string(capacity));
  }
  officers_.at(id).capacity = capacity;
  officer_state_.at(id).profile = profile_of(officers_[id]);
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

void Matcher::enqueue(const Case& c) {
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
  index_.enqueue(c, catalog_.form(c.form).interview);
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
  last_offers_.erase(r.packed());
  return index_.erase(r);
}

RoundPlan Matcher::plan_round() {
  RoundPlan plan;
  plan.at = clock_.now();
  RoundStats& st = plan.stats;
  const auto t0 = SteadyClock::now();
  index_.prepare();
  auto& classes = index_.classes();
  st.queued = index_.queued();

  // Officers some queued case prefers are singled out so the affinity arc can reach them.
  std::unordered_set<OfficerId> preferred;
  for (const auto& cls : classes) {
    if (cls.live > 0 && cls.key.preferred < officers_.size()) preferred.insert(cls.key.preferred);
  }
  std::vector<OfficerClass> oclasses;
  std::unordered_map<std::uint32_t, std::uint32_t> by_profile;
  std::unordered_map<OfficerId, std::uint32_t> singleton_of;
  for (OfficerId id = 0; id < officers_.size(); ++id) {
    const Officer& o = officers_[id];
    const int free = o.free_slots();
    if (free <= 0) continue;
    std::uint32_t oc;
    if (preferred.count(id) != 0) {
      oc = static_cast<std::uint32_t>(oclasses.size());
      oclasses.emplace_back();
      singleton_of.emplace(id, oc);
    } else {
      auto [it, inserted] = by_profile.try_emplace(officer_state_[id].profile,
                                                   static_cast<std::uint32_t>(oclasses.size()));
      if (inserted) oclasses.emplace_back();
      oc = it->second;
    }
    oclasses[oc].members.push_back(id);
    oclasses[oc].free += free;
    oclasses[oc].capacity = o.capacity;
    st.free_slots += static_cast<std::size_t>(free);
  }

  flow::FlowProblem g;
  g.reserve(oclasses.size() * 4 + classes.size() * 3, oclasses.size() * 16 + classes.size() * 8);
  const NodeId sink = g.add_node();
  NodeId gate = sink;
  if (options_.max_round_cases > 0) {
    gate = g.add_node();
    g.add_arc(gate, sink, options_.max_round_cases, 0);
  }

  // Officer classes drain into the sink through one arc per load level, priced by load.
  Cost max_load = 0;
  std::vector<flow::Amount> level_count;
  for (auto& oc : oclasses) {
    oc.node = g.add_node();
    level_count.assign(static_cast<std::size_t>(oc.capacity), 0);
    for (OfficerId id : oc.members) {
      for (int k = officers_[id].load; k < oc.capacity; ++k) ++level_count[k];
    }
    for (int k = 0; k < oc.capacity; ++k) {
      if (level_count[k] == 0) continue;
      const Cost c = costs_.load_slot(k, oc.capacity);
      max_load = std::max(max_load, c);
      g.add_arc(oc.node, gate, level_count[k], c);
    }
  }

  // Pools: officers holding one skill at one exact level, by center, clearance, seniority and
  // language (the language-free pool holds everyone).
  std::vector<Pool> pools;
  std::unordered_map<std::uint64_t, std::uint32_t> pool_ids;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> pools_at;  // (center, skill)
  for (std::uint32_t oci = 0; oci < oclasses.size(); ++oci) {
    const Officer& rep = officers_[oclasses[oci].members.front()];
    for (const auto& sk : rep.skills) {
      for (int lang = -1; lang < kMaxLanguages; ++lang) {
        if (lang >= 0 && (rep.languages >> lang & 1U) == 0) continue;
        const auto l = lang < 0 ? kNoLanguage : static_cast<LanguageId>(lang);
        const auto key = pool_key(rep.center, sk.skill, sk.level, rep.clearance, rep.senior, l);
        auto [it, inserted] = pool_ids.try_emplace(key, static_cast<std::uint32_t>(pools.size()));
        if (inserted) {
          pools.push_back(Pool{PoolView{rep.center, sk.skill, sk.level},
                               rep.clearance,
                               rep.senior,
                               l,
                               g.add_node(),
                               {}});
          pools_at[(std::uint32_t{rep.center} << 16) | sk.skill].push_back(it->second);
        }
        Pool& p = pools[it->second];
        p.out.emplace_back(g.add_arc(p.node, oclasses[oci].node, oclasses[oci].free, 0), oci);
      }
    }
  }

  // Requirement groups, created on first use, with their arcs to the pools that satisfy them.
  std::vector<Group> groups;
  // A national group reaches the centers its form allows, so forms that share a skill but not
  // their centers need groups of their own: the key carries the form then (0 otherwise).
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint32_t> group_ids;
  Cost max_to_pool = 0;
  auto group_for = [&](const GroupView& v, const FormPolicy& form, LanguageId lang, Clearance cl,
                       bool senior) {
    const std::uint32_t form_part = v.national && !form.centers.empty() ? form.id + 1 : 0;
    auto [it, inserted] = group_ids.try_emplace({group_key(v, lang, cl, senior), form_part},
                                                static_cast<std::uint32_t>(groups.size()));
    if (!inserted) return it->second;
    Group grp{v, lang, cl, senior, g.add_node(), {}};
    auto connect = [&](CenterId center) {
      auto at = pools_at.find((std::uint32_t{center} << 16) | v.skill);
      if (at == pools_at.end()) return;
      for (std::uint32_t pi : at->second) {
        const Pool& p = pools[pi];
        if (p.view.level < v.min_level || p.clearance < cl || (senior && !p.senior) ||
            p.language != lang) {
          continue;
        }
        const Cost c = costs_.to_pool(v, p.view);
        max_to_pool = std::max(max_to_pool, c);
        grp.out.emplace_back(g.add_arc(grp.node, p.node, kUnbounded, c), pi);
      }
    };
    if (!v.national) {
      connect(v.center);
    } else if (!form.centers.empty()) {
      for (CenterId c : form.centers) connect(c);
    } else {
      for (const auto& c : catalog_.centers()) connect(c.id);
    }
    groups.push_back(std::move(grp));
    return it->second;
  };

  // Case nodes: each class cut into deadline buckets by binary search on its sorted queue.
  const std::int64_t now_s = plan.at.time_since_epoch().count();
  std::vector<std::int32_t> thresholds;
  for (int e : edges_) thresholds.push_back(CaseIndex::to_minutes(now_s + e * kDay));
  std::vector<CaseNode> nodes;
  Cost max_to_group = 0;
  Cost max_preferred = 0;
  flow::Amount total = 0;
  for (std::uint32_t ci = 0; ci < classes.size(); ++ci) {
    const CaseClass& cls = classes[ci];
    if (cls.live == 0) continue;
    const FormPolicy& form = catalog_.form(cls.key.form);
    const int required = cls.key.min_level != 0 ? cls.key.min_level : form.min_level;
    const CenterId home = home_office(form, cls.key.center, cls.key.field_office);
    auto first = cls.queue.begin() + static_cast<std::ptrdiff_t>(cls.head);
    auto prev = first;
    for (std::size_t b = 0; b <= edges_.size(); ++b) {
      auto end = b < edges_.size() ? std::upper_bound(prev, cls.queue.end(), thresholds[b],
                                                      [](std::int32_t t, const QueueEntry& e) {
                                                        return t < e.deadline_min;
                                                      })
                                   : cls.queue.end();
      const flow::Amount count = end - prev;
      prev = end;
      if (count == 0) continue;
      CaseNode n{ci, static_cast<int>(b), bucket_view(cls.key, b), g.add_node(count), 0, {}, -1, 0};
      n.view.cases = count;
      total += count;

      GroupView local{false, home, form.skill,
                      std::max(kMinSkillLevel, required - n.view.relax.levels), required};
      auto add_group_arc = [&](const GroupView& v) {
        const std::uint32_t gi =
            group_for(v, form, cls.key.language, cls.key.clearance, cls.key.senior_review);
        if (groups[gi].out.empty()) return;  // No officer can serve it: skip the dead end.
        const Cost c = costs_.to_group(n.view, v);
        max_to_group = std::max(max_to_group, c);
        n.to_groups.emplace_back(g.add_arc(n.node, groups[gi].node, count, c), gi);
      };
      add_group_arc(local);
      if (n.view.relax.cross_center) {
        GroupView national = local;
        national.national = true;
        national.center = cls.key.center;
        add_group_arc(national);
      }
      if (auto s = singleton_of.find(cls.key.preferred); s != singleton_of.end()) {
        Case probe = index_.to_case(cls.queue[cls.head].slot);
        if (check(probe, form, officers_[s->first], s->first, n.view.relax) ==
            Ineligibility::kEligible) {
          const Cost c = costs_.to_preferred(n.view);
          max_preferred = std::max(max_preferred, c);
          n.preferred_arc = g.add_arc(n.node, oclasses[s->second].node, count, c);
          n.preferred_class = s->second;
        }
      }
      nodes.push_back(std::move(n));
    }
  }

  // "Unassigned" arcs cost more than any assignment path, so every free slot that some case can
  // use is used; among cases competing for a slot, urgency decides.
  const Cost bound = std::max(max_to_group + max_to_pool, max_preferred) + max_load + 1;
  for (auto& n : nodes) {
    n.unassigned = bound + costs_.unassigned(n.view);
    g.add_arc(n.node, sink, n.view.cases, n.unassigned);
  }
  g.set_supply(sink, -total);
  st.case_nodes = nodes.size();
  st.groups = groups.size();
  st.pools = pools.size();
  st.officer_classes = oclasses.size();
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
  st.total_cost = sol.total_cost;
  st.unassigned_base = bound;

  // Turn class-level flow into offers. Case nodes go most urgent first; a class's buckets come
  // in deadline order, and each class hands out its cases strictly earliest deadline first.
  const auto t2 = SteadyClock::now();
  std::vector<std::uint32_t> order(nodes.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const auto& x = nodes[a];
    const auto& y = nodes[b];
    if (x.unassigned != y.unassigned) return x.unassigned > y.unassigned;
    if (x.klass != y.klass) return x.klass < y.klass;
    return x.bucket < y.bucket;
  });
  std::unordered_map<std::uint32_t, std::size_t> class_cursor;
  using HeapItem = std::tuple<int, std::int64_t, OfficerId>;  // load, idle since, id
  std::vector<std::vector<HeapItem>> heaps(oclasses.size());
  std::vector<Slot> slots;
  for (std::uint32_t ni : order) {
    CaseNode& n = nodes[ni];
    slots.clear();
    for (const auto& [arc, gi] : n.to_groups) {
      Group& grp = groups[gi];
      const Cost to_group = g.arc(arc).cost;
      take_flow(grp.out, grp.cursor, grp.taken, sol, sol.flow[arc],
                [&](std::uint32_t pi, flow::Amount x, ArcId pool_arc) {
                  Pool& p = pools[pi];
                  const Cost c = to_group + g.arc(pool_arc).cost;
                  take_flow(p.out, p.cursor, p.taken, sol, x,
                            [&](std::uint32_t oci, flow::Amount y, ArcId) {
                              slots.push_back(Slot{oci, y, c, false});
                            });
                });
    }
    if (n.preferred_arc >= 0 && sol.flow[n.preferred_arc] > 0) {
      slots.insert(slots.begin(), Slot{n.preferred_class, sol.flow[n.preferred_arc],
                                       g.arc(n.preferred_arc).cost, true});
    }
    if (slots.empty()) continue;

    const CaseClass& cls = classes[n.klass];
    const FormPolicy& form = catalog_.form(cls.key.form);
    const int required = cls.key.min_level != 0 ? cls.key.min_level : form.min_level;
    std::size_t& cursor = class_cursor.try_emplace(n.klass, cls.head).first->second;
    for (const Slot& s : slots) {
      OfficerClass& oc = oclasses[s.officer_class];
      auto& heap = heaps[s.officer_class];
      if (!oc.heap_ready) {
        for (OfficerId id : oc.members) {
          heap.emplace_back(officers_[id].load, officer_state_[id].idle_since, id);
        }
        std::make_heap(heap.begin(), heap.end(), std::greater<>());
        oc.heap_ready = true;
      }
      for (flow::Amount i = 0; i < s.amount && cursor < cls.queue.size(); ++i) {
        // The least loaded, longest idle officer of the class who is not excluded.
        std::vector<HeapItem> set_aside;
        std::optional<HeapItem> pick;
        while (!heap.empty()) {
          std::pop_heap(heap.begin(), heap.end(), std::greater<>());
          HeapItem item = heap.back();
          heap.pop_back();
          if (std::binary_search(cls.excluded.begin(), cls.excluded.end(), std::get<2>(item))) {
            set_aside.push_back(item);
            continue;
          }
          pick = item;
          break;
        }
        for (const auto& item : set_aside) {
          heap.push_back(item);
          std::push_heap(heap.begin(), heap.end(), std::greater<>());
        }
        if (!pick) break;  // Only excluded officers left here: the slot stays unused.
        const auto [load, idle, id] = *pick;
        const Officer& o = officers_[id];
        const auto& rec = index_.record(cls.queue[cursor].slot);
        Assignment a;
        a.receipt = ReceiptNumber::from_packed(rec.receipt);
        a.officer = id;
        a.cost = s.path_cost + costs_.load_slot(load, o.capacity);
        a.relaxed_levels = std::max(0, required - o.level(form.skill));
        const CenterId home = home_office(form, rec.center, rec.field_office);
        a.cross_center = o.center != home;
        a.preferred = s.preferred;
        plan.assignments.push_back(a);
        ++cursor;
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
  for (const Assignment& a : plan.assignments) {
    if (a.officer >= officers_.size()) continue;
    Officer& o = officers_[a.officer];
    if (o.presence != Presence::kAvailable || o.load >= o.capacity) continue;
    if (!index_.dequeue(a.receipt, CaseState::kOffered, a.officer)) continue;
    ++o.load;
    officer_state_[a.officer].idle_since = plan.at.time_since_epoch().count();
    last_offers_.emplace(a.receipt.packed(), a);
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
