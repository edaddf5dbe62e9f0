#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/core/clock.h"
#include "docket/core/officer.h"
#include "docket/matching/case_index.h"
#include "docket/matching/cost_model.h"
#include "docket/matching/options.h"

namespace docket::flow {
class Solver;
}

namespace docket::matching {

struct MatcherMetrics;

/// One offer a round decided: this case to this officer.
struct Assignment {
  ReceiptNumber receipt;
  OfficerId officer = kNoOfficer;
  Cost cost = 0;             ///< Cost of the path the case took through the graph.
  int relaxed_levels = 0;    ///< How far below the required level the officer is (bullseye).
  bool cross_center = false; ///< The officer works at another center than the case's.
  bool preferred = false;    ///< The case went to the officer it prefers (affinity).
  /// The case's record slot in the matcher's CaseIndex when the plan was made, so that apply()
  /// and callers skip the receipt lookup; kNoSlot when the policy did not set it. A slot is
  /// only trusted while its record still holds `receipt`.
  static constexpr std::uint32_t kNoSlot = 0xffffffffU;
  std::uint32_t slot = kNoSlot;
  /// The case's position in its class queue when the plan was made (CaseIndex::dequeue_slot).
  std::uint32_t position = CaseIndex::kNoPosition;
};

/// What a round looked at and how long each phase took.
struct RoundStats {
  std::size_t queued = 0;           ///< Cases queued when the round started.
  std::size_t free_slots = 0;       ///< Free officer slots when the round started.
  std::size_t case_nodes = 0;       ///< Equivalence classes x deadline buckets in the graph.
  /// Case nodes left out because earlier buckets of their class already fill every slot the
  /// class can reach: no optimum sends them flow.
  std::size_t saturated_nodes = 0;
  std::size_t groups = 0;           ///< Requirement groups.
  std::size_t hubs = 0;             ///< National hubs the groups share (compact_graph).
  std::size_t pools = 0;            ///< (center, skill, level, ...) officer pools.
  std::size_t officer_classes = 0;  ///< Interchangeable officers, merged.
  std::size_t graph_nodes = 0;
  std::size_t graph_arcs = 0;
  std::size_t assigned = 0;
  /// Cases the flow sent to officers but no offer carried out: the officers left in the class
  /// were all excluded for the next case (exclusions are not in the graph), or the class ran out.
  std::size_t unplaced = 0;
  Cost total_cost = 0;              ///< The solver's objective.
  /// What every unassigned case costs on top of its urgency: one more than the dearest
  /// assignment path, so that the objective is (cases left waiting, then cost).
  Cost unassigned_base = 0;
  double build_seconds = 0;
  double solve_seconds = 0;
  double assign_seconds = 0;
};

/// The result of planning a round; nothing changes until it is applied.
struct RoundPlan {
  TimePoint at{};
  std::vector<Assignment> assignments;
  RoundStats stats;
};

/// The answer to "why is this case (not) assigned?".
struct Explanation {
  enum class Verdict : std::uint8_t {
    kUnknownCase,      ///< The scheduler does not track this receipt.
    kNotQueued,        ///< Offered, assigned, on hold, ...: not waiting for an officer.
    kAssigned,         ///< The last round offered it to an officer (see `officer`).
    kNoEligibleOfficer,///< No officer passes the hard filter, present or not.
    kNonePresent,      ///< Eligible officers exist, but none is available now.
    kAllAtCapacity,    ///< Eligible officers are present, but all are at capacity.
    kOutranked,        ///< Eligible officers had room, but more urgent cases took it.
    kNotYetPlanned,    ///< Queued after the last round; the next round will consider it.
  };
  Verdict verdict = Verdict::kUnknownCase;
  std::string summary;                ///< One sentence for people.
  std::string receipt;
  CaseState state = CaseState::kReceived;
  std::string form;
  std::string center;
  std::int64_t slack_days = 0;        ///< Days until the deadline (negative = overdue).
  int required_level = 0;
  Relaxation relaxation;              ///< In force at the time of the explanation.
  std::size_t queue_position = 0;     ///< 1 = next of its class to be offered.
  std::size_t class_size = 0;         ///< Cases queued in its equivalence class.
  int officers_total = 0;
  int officers_eligible = 0;          ///< Pass the hard filter (present ones).
  int officers_with_room = 0;         ///< Eligible and below capacity.
  /// How many officers each reason of the hard filter turned away.
  std::vector<std::pair<std::string, int>> rejected_by;
  int outranked_by = 0;               ///< Last round's offers to officers this case could use.
  std::optional<std::string> officer; ///< The officer it went to (kAssigned, kNotQueued).
  std::vector<CompositeCostModel::Term> cost_terms;        ///< Of the path it took.
  std::vector<CompositeCostModel::Term> unassigned_terms;  ///< Urgency if left waiting.
};
std::string_view to_string(Explanation::Verdict v);

/// The matching engine: holds the queued cases and the officers, and runs assignment rounds as
/// a min-cost flow over equivalence classes (design.md, "Scheduling").
///
/// Graph of a round (built fresh, solved, then turned back into per-case offers):
///   case node (class x deadline bucket, supply = its cases)
///     -> requirement group (skill >= level, language, clearance, local or national)
///       -> pool (center, skill, exact level, clearance, language, senior)
///         -> officer class (identical officers) -> load slots -> sink
///     -> sink directly ("unassigned", priced above any assignment and by urgency)
///     -> preferred officer directly (affinity)
/// Within a class, cases are taken earliest deadline first; within an officer class, the least
/// loaded, longest idle officer takes the next case.
///
/// Not thread-safe: one thread (the scheduler's event loop or the simulator) drives it.
class Matcher {
 public:
  /// Throws InvalidArgument for an unknown solver or cost model, or bad options.
  Matcher(const Catalog& catalog, Options options, const Clock& clock);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  /// Adds an officer and returns their id (dense, in order of addition). Throws
  /// InvalidArgument for an unknown center, a capacity below 1 or a skill level outside 1-5.
  OfficerId add_officer(Officer officer);
  /// A removed officer stays offline, whatever `presence` says.
  void set_presence(OfficerId id, Presence presence);
  /// Takes the officer off the roster: offline for good (Officer::removed). The cases they hold
  /// are the caller's to return first.
  void remove_officer(OfficerId id);
  /// Throws InvalidArgument for a capacity below 1.
  void set_capacity(OfficerId id, int capacity);
  /// Replaces the officer's skills (the next round uses them; cases on the desk stay). Throws
  /// InvalidArgument for a level outside 1-5 or a skill listed twice, changing nothing.
  void set_skills(OfficerId id, std::vector<SkillLevel> skills);
  /// One case left the officer's desk (decided, declined, timed out, reclaimed).
  void release(OfficerId id);
  const Officer& officer(OfficerId id) const { return officers_.at(id); }
  /// Changes whenever an officer is added or their skills change: what check_standing() says of
  /// an officer stays true while it is the same (presence and load change without it).
  std::uint64_t roster_version() const { return roster_version_; }
  const std::vector<Officer>& officers() const { return officers_; }
  std::optional<OfficerId> find_officer(std::string_view external_id) const;

  /// Queues a case (new, or back after a decline, timeout or RFE response; its deadline and
  /// receipt time keep its place). Returns its record slot in index(). Throws
  /// InvalidArgument for an unknown form or center.
  std::uint32_t enqueue(const Case& c);
  /// Restores a case read back from the store at start: a queued case (or one waiting for QA
  /// review) is queued; an offered or assigned one is tracked with its officer, whose load grows;
  /// any other state is tracked without a queue. Throws InvalidArgument as enqueue() does, or
  /// for an offered or assigned case whose officer is unknown.
  void restore(const Case& c);
  /// Takes a queued case out of the queue (hold, transfer). False if it is not queued.
  bool withdraw(ReceiptNumber r, CaseState new_state);
  /// Forgets a case (decided, or handed to another scheduler). False if unknown.
  bool forget(ReceiptNumber r);

  /// Plans a round at clock.now() with the min-cost flow; changes no assignment.
  RoundPlan plan_round();
  /// Records a plan's offers: each case leaves its queue as kOffered and its officer's load
  /// grows. Assignments that no longer fit (case no longer queued, officer absent or full) are
  /// skipped. Returns how many were applied.
  std::size_t apply(const RoundPlan& plan);
  /// plan_round() then apply().
  RoundPlan run_round();

  /// Records every planned round into `metrics` (which must outlive the matcher); null stops.
  void set_metrics(MatcherMetrics* metrics) { metrics_ = metrics; }

  /// Explains a case's situation (see Explanation).
  Explanation explain(ReceiptNumber r);

  CaseIndex& index() { return index_; }
  const CaseIndex& index() const { return index_; }
  const Catalog& catalog() const { return catalog_; }
  const Options& options() const { return options_; }
  const CompositeCostModel& costs() const { return costs_; }
  const Clock& clock() const { return clock_; }
  /// Edges (days of slack) of the deadline buckets, including the relaxation thresholds.
  const std::vector<int>& bucket_edges() const { return edges_; }
  /// Relaxation for a case with this many days of slack.
  Relaxation relaxation(const FormPolicy& form, std::int64_t slack_days) const;
  /// Whole days of slack a record has at `now` (negative when overdue; rounds down).
  static std::int64_t slack_days(std::int64_t deadline, TimePoint now);
  /// The deadline bucket (0 = most urgent) of a case with this deadline at `now`.
  std::size_t bucket_of(std::int64_t deadline, TimePoint now) const;
  /// How the round sees the cases of a class in a bucket: the slack that prices their urgency
  /// (the bucket's most urgent edge) and the relaxation every case of the bucket qualifies for
  /// (its least urgent edge).
  CaseNodeView bucket_view(const ClassKey& key, std::size_t bucket) const;

 private:
  /// Sorts skills and checks their levels and uniqueness (InvalidArgument naming `officer`).
  static void normalize_skills(const std::string& officer, std::vector<SkillLevel>& skills);
  struct OfficerState {
    std::int64_t idle_since = 0;  // Unix seconds of the last offer, for "longest idle".
    std::uint32_t profile = 0;    // Profile class: officers identical but for their load.
  };
  std::uint32_t profile_of(const Officer& o);
  /// Id of the graph-equivalence key of every class (see plan_round), extended to new classes.
  void update_merge_ids();
  /// Buffers a round reuses from the previous one (defined in matcher.cc).
  struct RoundScratch;

  const Catalog& catalog_;
  Options options_;
  const Clock& clock_;
  CompositeCostModel costs_;
  std::unique_ptr<flow::Solver> solver_;
  std::vector<int> edges_;
  std::vector<Officer> officers_;
  std::uint64_t roster_version_ = 0;
  /// Whether a case preferring `preferred` pays the affinity cost away from them: it does while
  /// it names an officer who is not removed.
  bool prefers(OfficerId preferred) const;
  std::vector<OfficerState> officer_state_;
  std::unordered_map<std::string, OfficerId> officer_ids_;
  std::unordered_map<std::string, std::uint32_t> profile_ids_;
  CaseIndex index_;
  // The last round's applied offers, for explain (rare): a plain list, since apply() records
  // every offer of every round and explain() can afford a scan.
  std::vector<Assignment> last_offers_;
  TimePoint last_round_{};
  MatcherMetrics* metrics_ = nullptr;
  // Classes whose case nodes would be identical in every round's graph (they differ only in the
  // exclusion set, or prefer officers who are not reachable) share a merge id.
  std::vector<std::uint32_t> merge_of_;
  std::unordered_map<ClassKey, std::uint32_t, ClassKeyHash> merge_ids_;
  std::unique_ptr<RoundScratch> scratch_;
};

}  // namespace docket::matching
