#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/clock.h"
#include "docket/core/receipt.h"
#include "docket/core/types.h"
#include "docket/store/redis.h"

namespace docket::store {

/// The lifecycle transitions of design.md, each one Lua script call (scripts/transition.lua).
enum class Op : std::uint8_t {
  kReceive,       ///< (none) -> received; a receipt already stored answers kDuplicate.
  kQueue,         ///< received -> queued.
  kOffer,         ///< queued | qa_review -> offered to `officer`; epoch + 1.
  kAccept,        ///< offered -> assigned; by the officer offered. Sent again by the officer who
                  ///< holds the case at that epoch (assigned), it answers kDuplicate.
  kDecline,       ///< offered -> queued (qa_review for a QA case); epoch + 1.
  kOfferTimeout,  ///< offered -> queued (or qa_review); epoch + 1.
  kLeaseExpiry,   ///< offered | assigned -> queued (or qa_review); epoch + 1.
  kRfeOut,        ///< assigned -> rfe_pending; the officer becomes the preferred one; epoch + 1.
  kRfeIn,         ///< rfe_pending -> queued; `arg` may carry the recomputed deadline; epoch + 1.
  kDecide,        ///< assigned -> decided with outcome `arg` (approve, deny); epoch + 1.
  kQaSample,      ///< decided -> qa_review; the decider is excluded; epoch + 1.
  kQaReview,      ///< assigned (QA) -> decided with the reviewed outcome `arg`; epoch + 1.
  kHold,          ///< received | queued | assigned (by its holder: a referral) -> on_hold.
  kRelease,       ///< on_hold -> queued.
  kTransferOut,   ///< received | queued | on_hold -> transferred to center `arg` (step 1).
  kTransferIn,    ///< (none) -> queued at the destination (step 2); a repeat is kDuplicate.
  kImport,        ///< (none) -> queued, for bulk intake; a receipt already stored is kDuplicate.
};
inline constexpr int kOpCount = 17;
std::string_view to_string(Op op);
std::optional<Op> parse_op(std::string_view text);

/// A case as the store holds it: the positional record of docs/architecture.md, with names
/// (centers, forms, officers) as text so that it does not depend on configuration order.
struct StoredCase {
  ReceiptNumber receipt;
  std::string center;          ///< Center whose slot holds it.
  CaseState state = CaseState::kReceived;
  std::string form;
  Priority priority = Priority::kNormal;
  TimePoint received{};
  TimePoint deadline{};
  std::string officer;         ///< Holder (offered, assigned), or the decider once decided.
  std::int64_t epoch = 0;      ///< Fencing epoch.
  std::string field_office;
  std::string language;
  Clearance clearance = Clearance::kPublicTrust;
  int min_level = 0;
  bool senior_review = false;
  std::string preferred;
  std::vector<std::string> excluded;
  std::optional<Date> court_date;
  std::string category;
  std::optional<Outcome> outcome;
  std::optional<TimePoint> rfe_out_at;
  std::string transfer_to;
  std::string last_audit;  ///< Reference of the case's latest audit field (<entry id>.<n>).
};

/// Encodes a record (version 1). Throws InvalidArgument if a text field holds '|' (or ',' in
/// an officer id), which the format reserves.
std::string encode(const StoredCase& c);
/// Decodes a record. Throws InvalidArgument naming the field that is malformed.
StoredCase decode(ReceiptNumber receipt, std::string_view center, std::string_view record);

/// One transition request.
struct Transition {
  Op op = Op::kQueue;
  ReceiptNumber receipt;
  std::string center;                ///< The center holding the case.
  std::int64_t epoch = 0;            ///< Expected fencing epoch (not checked by kReceive, kTransferIn).
  std::string actor;                 ///< Who: an officer id, "scheduler", "docketctl:<user>".
  std::string officer;               ///< kOffer, and the holder for holder-only transitions.
  std::string arg;                   ///< Outcome, destination center or new deadline.
  std::string idempotency_key;       ///< Remembers the first answer for idempotency_ttl_s.
  /// False: no key is made (bulk import). A retry after a lost connection is still applied at
  /// most once (state and epoch guard it), but may answer kIllegal instead of the first answer.
  bool remember_answer = true;
  std::optional<StoredCase> record;  ///< kReceive, kImport, kTransferIn (state and epoch are set).
  std::string detail;                ///< Free text for the audit entry.
};

/// The answer to one transition.
struct TransitionResult {
  enum class Status : std::uint8_t {
    kApplied,
    kDuplicate,    ///< Already received (or taken in), or accepted: nothing changed.
    kIllegal,      ///< Not allowed from the case's state.
    kNotHolder,    ///< The officer named does not hold the case.
    kStaleEpoch,   ///< The caller's fencing epoch is behind: a newer owner exists.
    kUnknownCase,  ///< No such receipt in that center.
    kBadRequest,   ///< Malformed request.
  };
  Status status = Status::kApplied;
  CaseState state = CaseState::kReceived;  ///< State after the call (when known).
  std::int64_t epoch = 0;                  ///< Epoch after the call (when known).
  std::string message;
  bool ok() const { return status == Status::kApplied || status == Status::kDuplicate; }
};
std::string_view to_string(TransitionResult::Status s);

/// One audited transition.
struct AuditEntry {
  std::string id;  ///< Its reference: <entry id>.<n>, the n-th transition of the entry (from 1), or
                   ///< an entry id before calls shared entries.
  std::string op, from, to, who, officer, detail;
  TimePoint at{};
  std::int64_t epoch = 0;
};

struct StoreMetrics;

/// The store refused a call because the leader term the caller holds is no longer the current
/// one: another scheduler has been elected since (docs/operations.md, "High availability").
/// The refused script call changed nothing (in a batch that spans centers, the calls of other
/// centers pipelined before it may have been applied). Not an IoError: the store is reachable and
/// sending the call again cannot succeed, so callers that treat IoError as "try again later" must
/// not catch it; the caller must stop serving.
class FencedError : public Error {
 public:
  using Error::Error;
};

/// The leader term a scheduler writes under. With a term key, every transition call checks,
/// inside the script and atomically with its writes, that the key still holds `term`.
struct Fence {
  std::string term_key;   ///< e.g. docket:{leader}:term; empty = no check.
  std::int64_t term = 0;  ///< The term the caller won; 0 = no check.
  bool active() const { return !term_key.empty() && term > 0; }
};

struct StoreOptions {
  static constexpr const char* DEFAULT_KEY_PREFIX = "docket";
  static constexpr int DEFAULT_BATCH_SIZE = 100;
  static constexpr int DEFAULT_IDEMPOTENCY_TTL_S = 7 * 86'400;
  /// 0: the retry TTL follows the connection (below).
  static constexpr int DEFAULT_RETRY_TTL_S = 0;
  /// The least retry TTL the store derives from its connection.
  static constexpr int MIN_DERIVED_RETRY_TTL_S = 60;

  std::string key_prefix = DEFAULT_KEY_PREFIX;
  /// Transitions per FCALL; calls for one center are pipelined.
  int batch_size = DEFAULT_BATCH_SIZE;
  /// How long a caller's idempotency key remembers its first answer.
  int idempotency_ttl_s = DEFAULT_IDEMPOTENCY_TTL_S;
  /// How long a call's retry key remembers the call's answers. A key serves only a call sent
  /// again after a lost connection, which the connection never does later than its longest
  /// resend (longest_resend()) after the call was first sent, so it needs to outlast that and no
  /// more: 0 takes twice that in whole seconds, at least MIN_DERIVED_RETRY_TTL_S (84 s with the
  /// default RedisOptions: 41.55 s, rounded up to 42). Every key costs Redis about 600 bytes until
  /// it expires, and at a steady 11,000 cases/s the store writes about 1,000 of them a second.
  int retry_ttl_s = DEFAULT_RETRY_TTL_S;
};

/// The state of record: every case transition is one call of scripts/transition.lua, which
/// checks the state and the fencing epoch, applies the change and appends to the center's audit
/// stream, atomically. Keys carry a hash tag per center ({c:VSC}), so every single-case
/// transition touches one slot and the data can live on a Redis Cluster.
///
/// Every call carries a retry key (and a transition may carry its caller's idempotency key), so a
/// call lost with its connection is retried and answered without ever being applied twice.
/// Throws IoError when Redis cannot be reached (after the connection's retries), or answers a
/// call with an error meaning it cannot run calls yet (cannot_run_yet(): LOADING, BUSY, ...).
/// That call ran nothing, but the calls sent with it (other centers' transitions) may have run,
/// as after a timeout. Throws FencedError from every writing call once the fence set with
/// set_fence() is stale.
class CaseStore {
 public:
  /// Transitions are stamped with clock.now(). Nothing is sent until the first call. Throws
  /// InvalidArgument for a batch size below 1, an idempotency TTL below 1 s, or a retry TTL that
  /// a call sent again on this connection could outlive (StoreOptions::retry_ttl_s).
  CaseStore(RedisConnection& redis, const Clock& clock, StoreOptions options = {});

  /// The retry keys' TTL in seconds: StoreOptions::retry_ttl_s, or the one derived from the
  /// connection.
  int retry_ttl_s() const { return options_.retry_ttl_s; }

  TransitionResult apply(const Transition& t);
  /// Applies many transitions: grouped by center, batch_size per call, calls pipelined. Results
  /// come back in input order; transitions on one case keep their order.
  std::vector<TransitionResult> apply(const std::vector<Transition>& ts);

  /// A call of apply() sent to Redis and not yet answered: made by send(), answered by wait().
  /// Dropping it unanswered leaves the transitions to run, and their answers are discarded.
  class Pending {
   public:
    Pending() = default;
    Pending(Pending&& other) noexcept;
    Pending& operator=(Pending&& other) noexcept;
    ~Pending();
    /// True until wait() has answered it (false for a default one).
    bool out() const { return store_ != nullptr; }

   private:
    friend class CaseStore;
    void abandon();
    CaseStore* store_ = nullptr;
    RedisConnection::Ticket ticket_ = 0;
    std::size_t size_ = 0;
    std::vector<Op> ops_;
    std::vector<std::vector<std::size_t>> call_items_;
    std::uint64_t reconnects_before_ = 0;
  };
  /// apply() in two halves, so that the caller can work while Redis runs the transitions: send()
  /// sends them and returns at once, wait() reads the answers (as apply() returns them, and
  /// throws as apply() throws). Calls are run in the order sent, also when their answers are
  /// read later; any other call of this store (on its connection) first reads the answers of
  /// the calls sent before it.
  Pending send(const std::vector<Transition>& ts);
  std::vector<TransitionResult> wait(Pending& pending);
  /// True when wait(pending) can go on without waiting for Redis (RedisConnection::ready()):
  /// reads the answers that have come in, without waiting. Never throws for a connection fault.
  bool ready(const Pending& pending);
  /// The socket the answers of calls sent ahead arrive on, to poll (POLLIN); -1 while there is
  /// no connection.
  int fd() const;

  /// Optional parts of a transfer.
  struct TransferNote {
    std::string detail;        ///< Added to both audit entries (e.g. the plan that moved the case).
    std::string field_office;  ///< When set, the case's field office at the destination (an
                               ///< interview case re-homed to another office of its district).
  };
  /// Moves a case to another center in two idempotent steps (transfer_out at the source, then
  /// transfer_in at the destination). Safe to repeat; resume_transfers() finishes one cut short.
  TransitionResult transfer(std::string_view from, ReceiptNumber r, std::int64_t epoch,
                            std::string_view to, std::string_view actor,
                            std::string idempotency_key = {}, const TransferNote& note = {});
  /// Completes every transfer out of `center` whose second step did not happen. Returns how many.
  std::size_t resume_transfers(std::string_view center);

  std::optional<StoredCase> get(std::string_view center, ReceiptNumber r);
  /// The case's audit entries, oldest first (followed through the chain of previous ids).
  std::vector<AuditEntry> history(std::string_view center, ReceiptNumber r);
  /// Asks Redis to rewrite its append-only file in the background (BGREWRITEAOF), so that a
  /// restart after a bulk import loads a compact file instead of replaying every write. A rewrite
  /// already under way counts as done. Throws IoError, or ReplyError for any other refusal.
  void compact();
  /// Bulk-import mode for as long as it lives: Redis' automatic AOF rewrites (a fork, which
  /// competes with the import for CPU) are held, and on the way out the previous setting comes
  /// back and the AOF is compacted once (compact()). A server that refuses CONFIG (a managed
  /// Redis may rename it) is left as it is; the import still works, only slower.
  class BulkImport {
   public:
    explicit BulkImport(CaseStore& store);
    ~BulkImport();
    BulkImport(const BulkImport&) = delete;
    BulkImport& operator=(const BulkImport&) = delete;
    bool holding() const { return !previous_.empty(); }

   private:
    CaseStore& store_;
    std::string previous_;  // auto-aof-rewrite-percentage before; empty if not changed.
  };

  /// Officers changed at runtime (docketctl officer add/update), so that a restart or a
  /// failover keeps them: one record per officer id in the hash roster_key(), written whole
  /// each time (the caller's encoding; the scheduler's is the protocol's <officer> JSON).
  /// put_officer is fenced as transitions are (FencedError, nothing written); it throws
  /// IoError when Redis cannot be reached.
  void put_officer(std::string_view officer, std::string_view record);
  /// Every officer recorded with put_officer, as (id, record), ordered by id. Throws IoError.
  std::vector<std::pair<std::string, std::string>> officers();

  /// How many cases the center holds (HLEN), to size an index before a scan.
  std::size_t count(std::string_view center);
  /// Calls f for every case stored for the center (HSCAN in chunks, the next chunk fetched on a
  /// second connection while f runs); returns the count. This is how the scheduler rebuilds its
  /// index at start. Throws what f throws, IoError, or InvalidArgument for a malformed record.
  /// A record that cannot be decoded goes to `bad` (receipt field as stored, and why) when given,
  /// and the scan goes on; without `bad` it throws InvalidArgument.
  std::size_t scan(std::string_view center, const std::function<void(StoredCase&&)>& f,
                   const std::function<void(const std::string&, const std::string&)>& bad = {});

  /// From now on every transition call carries the fence: the script refuses the whole call
  /// (FencedError, nothing changed) when the term key no longer holds the fence's term. A
  /// default Fence (no term) turns the check off, as for a single scheduler.
  void set_fence(Fence fence) { fence_ = std::move(fence); }

  /// Gives Redis the library of the store's transition function (FUNCTION LOAD REPLACE). The
  /// first transition call does so by itself, and a call that finds the function gone (a
  /// restarted or flushed server) loads it again; a scheduler calls this at start so that a
  /// server it cannot use is refused there. Throws InvalidArgument when Redis refuses the load
  /// (before 7.0, FUNCTION renamed, an ACL without it), IoError when Redis is unreachable or
  /// cannot write yet (out of memory, too few replicas).
  void load_functions();
  const Fence& fence() const { return fence_; }

  /// Counts transitions, Redis faults and call times into `metrics` (which must outlive the
  /// store); null stops counting.
  void set_metrics(StoreMetrics* metrics) { metrics_ = metrics; }

  const StoreOptions& options() const { return options_; }
  std::string cases_key(std::string_view center) const;
  std::string audit_key(std::string_view center) const;
  /// A call's retry key (and, before answers were kept in period hashes, a caller's
  /// idempotency key).
  std::string idempotency_key(std::string_view center, std::string_view key) const;
  /// The hash of the answers to idempotency keys first used in TTL period `period`
  /// (Unix seconds / idempotency_ttl_s).
  std::string answers_key(std::string_view center, std::int64_t period) const;
  /// <prefix>:{roster}:officers, a hash of officer id -> record.
  std::string roster_key() const;

 private:
  std::string next_retry_key();
  /// Throws FencedError for a "FENCED ..." error reply, else nothing.
  void check_fenced(std::string_view error);
  RedisConnection& redis_;
  const Clock& clock_;
  bool functions_loaded_ = false;
  std::string roster_sha_;
  StoreOptions options_;
  StoreMetrics* metrics_ = nullptr;
  Fence fence_;
  std::uint64_t key_seed_;
  std::uint64_t key_counter_ = 0;
};

}  // namespace docket::store
