#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "docket/core/calendar.h"
#include "docket/core/catalog.h"
#include "docket/core/clock.h"
#include "docket/dispatch/fast_path.h"
#include "docket/dispatch/offer_writer.h"
#include "docket/dispatch/options.h"
#include "docket/matching/matcher.h"
#include "docket/metrics/agency.h"
#include "docket/protocol/channel.h"
#include "docket/store/case_store.h"

namespace docket::dispatch {

struct DispatchMetrics;

/// Counters for progress lines and the shutdown summary.
struct DispatchStats {
  std::int64_t received = 0;  ///< Cases submitted and recorded.
  std::int64_t offered = 0;
  std::int64_t accepted = 0;
  std::int64_t declined = 0;
  std::int64_t timed_out = 0;
  std::int64_t reclaimed = 0;  ///< Leases that lapsed.
  std::int64_t decided = 0;    ///< Approved or denied (QA reviews included).
  std::int64_t decided_late = 0;
  std::int64_t rfe = 0;
  std::int64_t referred = 0;
  std::int64_t transferred = 0;
  std::int64_t qa_sampled = 0;
  std::int64_t rounds = 0;        ///< Full rounds (the graph solved).
  std::int64_t short_rounds = 0;  ///< Short queues placed without the graph.
  std::int64_t rejected_messages = 0;
  std::int64_t store_refusals = 0;
  std::int64_t store_outages = 0;  ///< Requests answered `unavailable`.
  std::size_t workers = 0;
  std::size_t queued = 0;
  double p80_cycle_days = 0;  ///< Of the last decisions (up to DispatchStats::kWindow).
  static constexpr std::size_t kWindow = 100'000;
};

/// The stats as the management `stats` command and the summary print them.
nlohmann::json to_json(const DispatchStats& s);

/// What restore_roster() did.
struct RosterRestore {
  std::size_t added = 0;             ///< Officers added at runtime, not in the configuration.
  std::size_t updated = 0;           ///< Configured officers changed at runtime.
  std::size_t removed = 0;           ///< Officers removed at runtime (officer.remove).
  std::vector<std::string> skipped;  ///< Records that no longer fit the configuration, and why.
};

/// Puts the roster changes made at runtime (`officer.add`, `officer.update`, which the dispatcher
/// records in the store before applying them) back over the matcher's roster, which holds the
/// configuration's: a configured officer takes the recorded skills, capacity and presence (the
/// runtime change wins over the configuration file); an officer the configuration does not have
/// is added; an officer removed at runtime (`officer.remove`) is removed again (Officer::removed),
/// even one the configuration lists. Call it before the dispatcher is made and before recovery, so
/// that cases held by an officer added at runtime find their officer. Throws IoError when the store
/// is unreachable.
RosterRestore restore_roster(store::CaseStore& store, const Catalog& catalog,
                             matching::Matcher& matcher);

/// The scheduler's event loop: two ROUTER sockets (workers, management), assignment rounds
/// driven by events and batched, offers as reservations with a timeout, leases renewed by
/// heartbeats, credit-based flow control per worker session (docs/protocol.md).
///
/// The matcher is the in-memory view and the store the state of record: every change is a
/// store transition first, and the matcher follows the store's answer. Domain time (deadlines,
/// audit stamps, `expires`) comes from `clock`; protocol timers (heartbeats, leases, offer
/// timeouts) from a monotonic clock, since they must not jump with a simulated calendar.
///
/// Not thread-safe: one thread calls run() or step(); stop() may be called from a signal
/// handler's flag watcher.
class Dispatcher {
 public:
  using Monotonic = std::chrono::steady_clock;
  /// An extra management command (e.g. the rebalancing planner's): args in, result out. It may
  /// throw protocol::ProtocolError (sent as that code), InvalidArgument (bad_request) or
  /// IoError (unavailable).
  using Command = std::function<nlohmann::json(const nlohmann::json& args)>;

  /// Binds both sockets. Throws IoError when an endpoint cannot be bound.
  Dispatcher(const Catalog& catalog, const BusinessCalendar& calendar, int fallback_deadline_days,
             matching::Matcher& matcher, store::CaseStore& store, const Clock& clock,
             zmq::context_t& ctx, Options options = {}, DispatchMetrics* metrics = nullptr);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  std::string worker_endpoint() const { return workers_.endpoint(); }
  std::string management_endpoint() const { return management_.endpoint(); }

  /// Serves until `stop` becomes true or the store fences this scheduler off, then shuts down
  /// (see shutdown()).
  void run(const std::atomic<bool>& stop);
  /// One turn of the loop: waits up to `timeout` for a message or timer, handles what came, runs
  /// a round when one is due. Throws IoError only for a fault of a socket itself. When the store
  /// refuses a write because another scheduler holds a newer leader term (store::FencedError),
  /// the turn ends there and the dispatcher steps down (step_down()); later calls do nothing.
  void step(std::chrono::milliseconds timeout);
  /// Stops serving for good because this scheduler is no longer the leader: as shutdown(), and
  /// fenced() becomes true, so that the process exits as on a lost lease. Nothing more is
  /// written to the store; what was written stays for the next leader to recover.
  void step_down(const std::string& why);
  /// True once the store refused a write for a stale leader term (or step_down() was called).
  bool fenced() const { return !fenced_reason_.empty(); }
  const std::string& fenced_reason() const { return fenced_reason_; }
  /// Stops offering, tells every worker (SHUTDOWN) and returns. Offers already out stay in the
  /// store as they are; the next scheduler resumes them (recovery) or their leases lapse.
  void shutdown();

  void add_command(const std::string& name, Command command);
  /// Records new receipts, as the `submit` command does (one `import` transition each), and
  /// queues them. Returns how many were new (a receipt already stored is skipped). Throws IoError
  /// when the store is unreachable, store::FencedError when this scheduler has been deposed.
  std::size_t receive(const std::vector<Case>& cases);
  /// The applicant answered a request for evidence (the `respond` command). False when the case
  /// is not waiting for evidence. Throws as receive().
  bool respond(ReceiptNumber r);
  /// Feeds the agency's metrics (docs/operations.md, "Metrics"); null stops. It must outlive
  /// the dispatcher. Call after recovery: the cases already in the index are counted then.
  void set_agency_metrics(metrics::AgencyMetrics* agency);
  /// Runs f while the matcher sees every officer's declared presence (the roster's, or what the
  /// officer last said) instead of who is connected this minute: planning over weeks (the
  /// rebalancing planner) counts the roster. What rounds use is put back afterwards, also when f
  /// throws.
  void with_roster_presence(const std::function<void()>& f);
  /// Called when an officer's RFE is recorded (for an applicant-side simulation).
  std::function<void(ReceiptNumber)> on_rfe;
  /// The management `stats` result.
  DispatchStats stats() const;
  /// Called after every round with its plan (for progress lines).
  std::function<void(const matching::RoundPlan&)> on_round;

 private:
  struct Session;
  struct Item;
  struct Batch;
  /// A `submit` request read and checked, waiting for its cases to be recorded.
  struct PendingSubmit {
    std::string peer;
    nlohmann::json re;
    std::size_t listed = 0;  // Cases in the request.
    nlohmann::json rejected = nlohmann::json::array();
    std::vector<Case> cases;         // The good ones, to import.
    std::vector<std::size_t> index;  // Their positions in the request.
    /// Set when a case of the request could not be read back (adopt_stored): the request is
    /// answered `unavailable`, and sent again it finds the case stored.
    std::string unread;
  };
  /// What adopt_stored() made of a submitted case the store answered `dup` for.
  enum class Adoption { kAdopted, kDuplicate, kUnread };
  struct PendingOffer {
    Monotonic::time_point at;
    std::uint64_t receipt;
    std::uint32_t epoch;
    auto operator<=>(const PendingOffer&) const = default;
  };

  /// A store call sent ahead (store::CaseStore::send): Redis runs it while the loop goes on
  /// reading, parsing and planning, and finish() reads its answers later, in the order the calls
  /// were sent. Nothing is answered or offered before then; the index shows a round's offers
  /// and submitted cases at once, and what the store refuses is taken back from it.
  struct Outstanding {
    std::uint64_t seq = 0;
    store::CaseStore::Pending pending;
    std::optional<IoError> unsent;  // The call could not be sent (the script could not be loaded).
    std::function<void(std::vector<store::TransitionResult>&)> answered;
    /// Called with an IoError (the call's outcome is unknown: the caller answers `unavailable`),
    /// or with the store::FencedError that finish() then throws on.
    std::function<void(const Error&)> failed;
  };
  /// A round's offers sent ahead, recorded by record_offers() once the store answers.
  struct RoundOut;

  /// The body of step(); store::FencedError goes out of it to step().
  void turn(std::chrono::milliseconds timeout);
  /// True when the oldest call out can be answered without waiting for Redis (its answer is
  /// in, it could not be sent, the connection failed, or it waited the store's timeout).
  bool front_ready();
  /// True while the index still shows the offer a timeout entry is for (same case, offered, same
  /// epoch); entries of offers answered since are stale.
  bool offer_live(const PendingOffer& p);
  /// Answers the calls out, oldest first, as long as their answers are in (finish() for each).
  void answer_ready();
  /// Sends `ts` ahead as call number next_call_; `answered` or `failed` is called by finish().
  void send_ahead(const std::vector<store::Transition>& ts,
                  std::function<void(std::vector<store::TransitionResult>&)> answered,
                  std::function<void(const Error&)> failed);
  /// Reads the answers of the calls sent ahead up to call number `through` (all by default), in
  /// order, and acts on them. Called before anything that needs the index to show every change
  /// sent (a HELLO, a management request other than submit, the timers, the next round).
  /// Throws store::FencedError when the store fenced a call off (the later calls stay out and
  /// are abandoned by step_down()).
  void finish(std::uint64_t through = UINT64_MAX);
  void handle_worker(protocol::Received& in, Batch& batch);
  void handle_management(protocol::Received& in);
  nlohmann::json command(const std::string& cmd, const nlohmann::json& args);
  void hello(const std::string& peer, const nlohmann::json& body);
  void add_credit(Session& s, const nlohmann::json& body);
  /// Sends the batch's transitions ahead; answer_batch() answers the workers.
  void send_batch(std::shared_ptr<Batch> batch);
  void answer_batch(Batch& batch, std::vector<store::TransitionResult>& results);
  /// Sends ahead the qa_sample transitions of cases a decision drew for quality review. When
  /// the store cannot be reached, they wait in unsampled_ and are sent again kSampleRetry later.
  void sample(std::vector<store::Transition> samples);
  /// Puts the cases a decision drew for quality review in their review queue, once the store
  /// recorded the samples (sent ahead by sample()).
  void record_qa_samples(const std::vector<store::Transition>& samples,
                         std::vector<store::TransitionResult>& res);
  void batch_unreachable(Batch& batch, const IoError& e);
  /// Marks a round due (unless one is already due): now, or round_delay_ms after the last full
  /// round that planned.
  void round_soon();
  void after_decision(ReceiptNumber r, OfficerId officer, const std::string& outcome,
                      std::int64_t epoch, std::vector<store::Transition>& follow);
  void check_timers();
  void expire_session(const std::string& peer, const char* reason);
  /// Reclaims held cases whose officer no session plays: after a restart or a failover, a desk
  /// that held cases may never come back, and no session's lease would then ever expire for
  /// them. A sweep once per lease notes such cases; a case the next sweep finds still unplayed,
  /// at the same epoch, gets a lease_expiry transition. So a desk has at least one whole lease
  /// to reconnect and resume (WELCOME.resumed) before its cases go back to the queue.
  void reclaim_orphans();
  /// One pass of reclaim_orphans() over the index. When a case is due to be reclaimed and
  /// `reclaim_now` is false, returns false having changed nothing (the caller answers the calls
  /// out and sweeps again); otherwise reclaims what is due, keeps the cases noted, returns true.
  bool sweep_orphans(bool reclaim_now);
  /// Records lease_expiry transitions and requeues what the store accepted; false (nothing
  /// changed) if the store cannot be reached.
  bool reclaim(const std::vector<store::Transition>& ts);
  /// Records lease_expiry transitions and requeues what the store accepted; a refused one is
  /// read back (resync()). With `lost_reason`, the cases were taken from a desk that is still
  /// there (drain, officer.remove): it is told (LEASE_LOST), and they are not counted as lapsed
  /// leases (stats.reclaimed, docket_leases_expired_total), which count silent and orphaned
  /// sessions. Returns how many the store expired. Throws IoError (nothing changed) if the store
  /// cannot be reached.
  std::int64_t expire_leases(const std::vector<store::Transition>& ts, const char* lost_reason);
  /// lease_expiry transitions for every case the officer holds (offered or assigned), by
  /// `actor`, with `detail`.
  std::vector<store::Transition> held_by(OfficerId id, const std::string& actor,
                                         const std::string& detail) const;
  /// Sets the officer away and returns every case they hold to its queue (held_by(), with
  /// `done` and the request's reason as detail; expire_leases()). Returns how many went back.
  /// Throws ProtocolError(unavailable) while the officer still holds a case that could not be
  /// returned (its expiry refused and the store still shows it held, or it could not be read
  /// back), and IoError if the store cannot be reached.
  std::int64_t send_away(OfficerId id, const nlohmann::json& args, const std::string& done);
  /// The earliest time a short queue may be placed: Options::short_round_gap_us after the last
  /// short round.
  Monotonic::time_point short_round_at() const;
  /// Plans a round when one is due and sends its offers ahead (record_offers() sends the OFFERs).
  void run_round();
  void record_offers(RoundOut& round, std::vector<store::TransitionResult>& res);
  /// Takes n credits from the session (gives them back for a negative n), and updates its
  /// officers' presence when the session runs out of credit or has some again.
  void spend_credit(const std::string& peer, std::int64_t n);
  /// Gives back the round's i-th offer, which the store did not record: its credit, its
  /// officer's slot, and the case's place in its queue.
  void give_back(const RoundOut& round, std::size_t i);
  /// Takes back an offer the index took for `a` (if it still shows it): the officer's slot, and
  /// the case back in its queue at its epoch, or out of the index with `forget`.
  void withdraw_offer(const matching::Assignment& a, bool forget);
  /// Gives an offered case an offer timeout, offer_timeout_ms from now.
  void time_out_offer(ReceiptNumber r, std::int64_t epoch);
  /// The case as the store holds it; nullopt when it holds none, or cannot be read (logged).
  /// With `unreachable`, it is set when the store could not be reached (IoError), as opposed to
  /// holding none; a stored record that cannot be decoded counts as none.
  std::optional<store::StoredCase> read_back(const std::string& center, ReceiptNumber r,
                                             bool* unreachable = nullptr);
  /// Takes a case out of the index, with the slot of the officer it shows holding it.
  void forget_case(ReceiptNumber r);
  /// The index may be behind the store (a refused transition): reads the case back and takes
  /// the store's copy (restore_stored(); an offered one gets an offer timeout), or lets the case
  /// go, noting the move for the agency's metrics. False when the store could not be read: the
  /// index is then left as it was.
  bool resync(const std::string& center, ReceiptNumber r);
  /// Replaces the index's copy of a case with the store's (forget_case(), then restore), when
  /// the stored case is still this scheduler's (not decided, not transferred). False when it
  /// is not, or cannot be built from the roster (logged): the index is then left as it was.
  bool restore_stored(ReceiptNumber r, const store::StoredCase& stored);
  /// The offer of a case queued ahead was recorded on the case an earlier attempt of its
  /// submit stored (adopt_stored): the index takes the stored case's fields (its receipt time,
  /// deadline, priority), offered to the same officer.
  void readopt(const matching::Assignment& a, const std::string& center);
  void send(const std::string& peer, const protocol::Message& m, bool management = false);
  /// send() to a worker of a body already serialised (OFFER, written by offer_writer_).
  void send_body(const std::string& peer, protocol::Type type, std::string_view body);
  void after_send(const std::string& peer, protocol::Type type, bool management, bool sent);
  void reply_error(const std::string& peer, protocol::Code code, const std::string& message,
                   const nlohmann::json* re, bool management);
  void set_effective_presence(OfficerId id);
  /// The officer's session no longer plays them; a session left with no officer ends.
  void leave_session(OfficerId id);
  /// No session plays the officer (offline to the matcher): their held cases become orphans.
  void unplay(OfficerId id);
  store::Transition transition(store::Op op, std::uint32_t slot, const std::string& actor) const;
  void requeue(ReceiptNumber r, std::int64_t epoch, bool clear_officer, bool recuse = false);
  void received(std::int64_t n);
  void note(std::uint32_t slot, CaseState from);  // Agency metrics: the case left `from`.
  void note(const Case& c, CaseState from, CaseState to);
  void outcome(std::uint32_t slot, metrics::OfferOutcome o);
  void refresh_agency();
  void lose(OfficerId officer, ReceiptNumber r, const char* reason);
  std::optional<std::uint32_t> slot_of(ReceiptNumber r) const { return matcher_.index().find(r); }
  std::int64_t unix_now() const { return clock_.now().time_since_epoch().count(); }

  // Management commands.
  nlohmann::json submit(const nlohmann::json& args);
  /// Reads a submit request's cases; a bad case is rejected by itself. Throws ProtocolError for
  /// a request that is wrong as a whole (no list, too many cases).
  PendingSubmit parse_submit(const nlohmann::json& args);
  /// Records the cases of many submit requests in one store call and queues the new ones;
  /// returns each request's result, in order. Throws IoError when the store is unreachable
  /// (nothing is then queued, and a request sent again imports its cases once). A request
  /// whose `unread` it sets is to be answered `unavailable` (submit() throws IoError for it).
  std::vector<nlohmann::json> commit_submits(std::vector<PendingSubmit>& batch);
  /// Tracks a submitted case the store answered `dup` for when the import found it queued or
  /// offered and this scheduler does not track it (the first attempt of a retried call wrote
  /// it): the stored case is restored (an offered one with an offer timeout): kAdopted. A real
  /// duplicate is kDuplicate. kUnread when the stored case cannot be read back (the store is
  /// unreachable, logged): the case is not tracked, and its request is answered `unavailable`
  /// so that it is sent again, rather than `duplicate`, which would leave the stored case
  /// untracked until a restart. With `queued_ahead`, the case was queued before its import
  /// (flush_submits): the stored case replaces it (once the offer a round planned behind the
  /// import is answered, when there is one: adopted_), or it is dropped (drop_unrecorded).
  Adoption adopt_stored(const Case& c, const store::TransitionResult& dup, bool queued_ahead);
  /// Takes out of the index a case queued before its import when the store did not take the
  /// import (or its call failed). A case offered meanwhile is kept until its offer's answer:
  /// record_offers() or give_back() then forgets it (unrecorded_).
  void drop_unrecorded(ReceiptNumber r);
  /// A submit request is read and kept for flush_submits() (true); any other message is left
  /// to handle_management() (false).
  bool stage_submit(protocol::Received& in);
  /// Answers a submit request that is wrong as a whole, after the requests before it.
  void refuse_submit(const std::string& peer, protocol::Code code, const std::string& message,
                     const nlohmann::json* re);
  /// Records every staged submit request in one store call, sent ahead, and answers each when
  /// the store has answered.
  void flush_submits();
  /// The cases of many submit requests, in order, for one import call.
  static std::vector<Case> submitted_cases(const std::vector<PendingSubmit>& batch);
  /// Queues what the store recorded of commit_submits()'s or flush_submits()'s call; returns
  /// each request's result, in order (a request whose `unread` it sets is to be answered
  /// `unavailable` instead). With `queued_ahead` (flush_submits), the cases in
  /// ahead_ were queued before the call: those the store took stay, the others are dropped.
  std::vector<nlohmann::json> record_submits(std::vector<PendingSubmit>& batch,
                                             const std::vector<Case>& cases,
                                             const std::vector<store::TransitionResult>& results,
                                             bool queued_ahead = false);
  nlohmann::json officer_add(const nlohmann::json& args);
  nlohmann::json officer_update(const nlohmann::json& args);
  nlohmann::json officers(const nlohmann::json& args);
  nlohmann::json queues(const nlohmann::json& args);
  nlohmann::json status(const nlohmann::json& args);
  nlohmann::json explain(const nlohmann::json& args);
  nlohmann::json my_cases(const nlohmann::json& args);
  nlohmann::json respond(const nlohmann::json& args);
  nlohmann::json hold_or_release(const nlohmann::json& args, bool hold);
  nlohmann::json drain(const nlohmann::json& args);
  /// officer.remove: the officer's cases go back to their queues, then the removal is recorded
  /// in the store, then the officer is offline for good and their desk no longer plays them.
  nlohmann::json officer_remove(const nlohmann::json& args);
  /// The officer named `name`; throws ProtocolError (unknown_officer) when the roster does not
  /// have them, or had them and they were removed.
  OfficerId on_roster(const std::string& name) const;
  nlohmann::json officer_json(OfficerId id) const;

  const Catalog& catalog_;
  const BusinessCalendar& calendar_;
  int fallback_days_;
  matching::Matcher& matcher_;
  store::CaseStore& store_;
  const Clock& clock_;
  Options options_;
  DispatchMetrics* metrics_;
  metrics::AgencyMetrics* agency_ = nullptr;
  Monotonic::time_point next_agency_tick_{};
  std::unordered_set<std::size_t> agency_at_risk_seen_;  // (center, form) cells given a value
  protocol::Server workers_;
  protocol::Server management_;
  std::unordered_map<std::string, std::unique_ptr<Session>> sessions_;  // by routing id
  std::vector<std::string> session_of_;      // OfficerId -> routing id ("" = none)
  std::vector<Presence> declared_presence_;  // OfficerId -> what the officer said
  std::priority_queue<PendingOffer, std::vector<PendingOffer>, std::greater<>> offer_timeouts_;
  std::unordered_map<std::uint64_t, Monotonic::time_point> offered_at_;  // receipt -> store write
  /// Receipts queued in the index before their import's answer (flush_submits): the agency's
  /// sweep does not count them yet.
  std::unordered_set<std::uint64_t> ahead_;
  /// Receipts queued before their import and offered, whose import the store did not take:
  /// their offer's answer forgets them instead of queueing them again (drop_unrecorded).
  std::unordered_set<std::uint64_t> unrecorded_;
  /// Receipts queued before their import and offered, which the import found stored by an
  /// earlier attempt (adopt_stored): their offer's answer reads the stored case back.
  std::unordered_set<std::uint64_t> adopted_;
  /// QA samples whose call failed, the store unreachable; check_timers() sends them again. Their
  /// cases stay in the index, decided, until the store answers.
  std::vector<store::Transition> unsampled_;
  Monotonic::time_point next_sample_retry_{};
  static constexpr std::chrono::milliseconds kSampleRetry{1000};
  std::map<std::string, Command> extra_commands_;
  std::vector<PendingSubmit> pending_submits_;
  std::deque<Outstanding> outstanding_;  // Store calls sent ahead, oldest first.
  std::uint64_t next_call_ = 1;
  ShortQueuePlanner short_queue_planner_;
  std::mt19937_64 rng_;
  OfferWriter offer_writer_;
  bool round_due_ = false;
  bool stopping_ = false;
  std::string fenced_reason_;  // Why the store fenced this scheduler off; empty while serving.
  Monotonic::time_point round_due_at_{};
  Monotonic::time_point last_short_round_{};  // The last short round that placed cases.
  Monotonic::time_point last_round_{};  // The last full round, or periodic check of an empty queue.
  Monotonic::time_point last_planned_{};  // The last full round that planned (round_soon()).
  Monotonic::time_point workers_read_{};  // When the workers socket was last read to the end.
  Monotonic::time_point next_timer_check_{};
  Monotonic::time_point next_orphan_sweep_{};
  std::unordered_map<std::uint64_t, std::int64_t> orphans_;  // receipt -> epoch, last sweep
  std::uint64_t next_session_ = 1;
  DispatchStats stats_;
  std::deque<double> cycle_days_;
};

}  // namespace docket::dispatch
