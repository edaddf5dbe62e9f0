#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "docket/core/case.h"

namespace docket::matching {

/// The static part of a case's equivalence class: everything that decides which officers may
/// take it and at what cost, except its deadline (which the matcher cuts into buckets at each
/// round, because slack changes with time while these fields do not).
struct ClassKey {
  FormId form = 0;
  CenterId center = kNoCenter;
  CenterId field_office = kNoCenter;  ///< Only for interview forms, else kNoCenter.
  Priority priority = Priority::kNormal;
  LanguageId language = kNoLanguage;
  Clearance clearance = Clearance::kPublicTrust;
  std::uint8_t min_level = 0;
  bool senior_review = false;
  OfficerId preferred = kNoOfficer;
  std::uint64_t excluded_hash = 0;  ///< Hash of the exclusion set; 0 when there is none.
  bool operator==(const ClassKey&) const = default;
};

struct ClassKeyHash {
  std::size_t operator()(const ClassKey& k) const noexcept;
};

/// One queue entry: 24 bytes, ordered by deadline, then receipt time, then receipt number: a
/// total order that depends only on the cases, so a queue rebuilt from the store at start comes
/// back in exactly the order it had.
/// The generation a queue entry gets when its case left the queue through a known position.
inline constexpr std::uint32_t kBuried = 0xffffffffU;

struct QueueEntry {
  std::int32_t deadline_min;   ///< Minutes since 2000-01-01 UTC.
  std::uint32_t received_sec;  ///< Seconds since 2000-01-01 UTC.
  std::uint64_t receipt;       ///< ReceiptNumber::packed().
  std::uint32_t slot;          ///< Index of the case's record.
  std::uint32_t gen;           ///< Record generation when queued; a mismatch means stale.
  auto operator<=>(const QueueEntry& o) const {
    if (auto c = deadline_min <=> o.deadline_min; c != 0) return c;
    if (auto c = received_sec <=> o.received_sec; c != 0) return c;
    return receipt <=> o.receipt;
  }
  bool operator==(const QueueEntry& o) const { return (*this <=> o) == 0; }
};

/// An equivalence class's queue, earliest deadline first. Entries are appended and sorted
/// lazily; removals are lazy too (an entry whose generation no longer matches its record is
/// stale) and compacted when a round needs exact counts.
struct CaseClass {
  ClassKey key;
  std::vector<OfficerId> excluded;  ///< The exclusion set shared by the class.
  std::vector<QueueEntry> queue;    ///< [head, end) holds the entries not yet consumed.
  std::size_t head = 0;
  std::size_t sorted_end = 0;       ///< queue[head, sorted_end) is sorted.
  std::uint32_t live = 0;           ///< Queued cases in the class.
  bool dirty = false;               ///< Holds stale entries past head.
  /// Changes whenever entries move to other positions (compaction, sorting in new entries), so
  /// that positions remembered from an earlier round can be trusted while it stays the same.
  /// Consuming entries at the head and appending in order do not move the others.
  std::uint32_t layout = 0;
  /// Stale entries past head marked by dequeue_slot() (gen kBuried): while they are all of the
  /// class's stale entries, compaction tells them apart without reading the records.
  std::uint32_t buried = 0;
  bool touched = false;  ///< Changed since the last prepare() (listed in CaseIndex::touched_).
};

/// Map from a packed receipt number to a record slot: open addressing with linear probing and
/// backward-shift deletion in one array of 16-byte entries, so adding a case allocates nothing
/// and a lookup touches one or two cache lines (a node-based map costs a heap node per case).
class ReceiptMap {
 public:
  /// Room for n entries without growing.
  void reserve(std::size_t n);
  std::size_t size() const { return size_; }
  /// The slot of a receipt, or nullptr.
  const std::uint32_t* find(std::uint64_t key) const;
  /// Adds a receipt; false (and no change) if it is already there.
  bool insert(std::uint64_t key, std::uint32_t slot);
  /// The slot of a receipt, added with slot `slot` first if it is not there (one probe run
  /// instead of a find and an insert). `inserted` says which.
  std::uint32_t& find_or_insert(std::uint64_t key, std::uint32_t slot, bool& inserted);
  /// Removes a receipt; false if it is not there. Stores its slot in `*slot` when given.
  bool erase(std::uint64_t key, std::uint32_t* slot = nullptr);
  /// Starts loading the cache line where a lookup of `key` begins; only a hint.
  void prefetch(std::uint64_t key) const {
    if (!table_.empty()) __builtin_prefetch(&table_[home(key)]);
  }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};  // No receipt packs to this.
  struct Entry {
    std::uint64_t key = kEmpty;
    std::uint32_t slot = 0;
  };
  std::size_t home(std::uint64_t key) const;
  void rehash(std::size_t capacity);
  std::vector<Entry> table_;
  std::size_t size_ = 0;
};

/// The scheduler's in-memory index of the cases it tracks: one compact record per case and one
/// EDF queue per equivalence class. It is only an index: the state of record is in the store.
///
/// Memory: a record is 56 bytes, a queue entry 24 and the receipt map 20-40 (16 bytes an entry at
/// a load of 0.4-0.8), so a queued case costs about 110-130 bytes (bench/assignment_benchmark
/// measured 128 at 1M cases, against 138 with a node-based map).
class CaseIndex {
 public:
  /// Compact record of one case.
  struct Record {
    std::uint64_t receipt = 0;     ///< ReceiptNumber::packed().
    std::int64_t deadline = 0;     ///< Unix seconds.
    std::int64_t received = 0;     ///< Unix seconds.
    OfficerId officer = kNoOfficer;
    OfficerId preferred = kNoOfficer;
    std::uint32_t klass = 0;
    std::uint32_t gen = 0;
    std::uint32_t epoch = 0;       ///< Fencing epoch of the state of record (low 32 bits).
    FormId form = 0;
    CenterId center = kNoCenter;
    CenterId field_office = kNoCenter;
    Priority priority = Priority::kNormal;
    CaseState state = CaseState::kReceived;
    LanguageId language = kNoLanguage;
    Clearance clearance = Clearance::kPublicTrust;
    std::uint8_t min_level = 0;
    bool senior_review = false;
  };

  /// Reserves room for n cases.
  void reserve(std::size_t n);

  /// Adds or updates a case and queues it in its class. `interview` says whether the case's
  /// form needs an interview (the field office then belongs to the class). The case's state
  /// becomes kQueued. Returns the record slot.
  std::uint32_t enqueue(const Case& c, bool interview);
  /// Takes a case out of its queue and records the new state and officer (e.g. kOffered).
  /// Returns false if the receipt is unknown or the case is not queued.
  bool dequeue(ReceiptNumber r, CaseState new_state, OfficerId officer = kNoOfficer);
  /// dequeue() for the case in `slot` (no receipt lookup). Returns false if the slot holds no
  /// queued case. `pos`, when the caller knows it, is the case's position in its class queue
  /// (read since the last prepare()): its entry is then marked, so that the next prepare() can
  /// compact the queue without reading every record (a wrong position is ignored).
  bool dequeue_slot(std::uint32_t slot, CaseState new_state, OfficerId officer = kNoOfficer,
                    std::uint32_t pos = kNoPosition);
  static constexpr std::uint32_t kNoPosition = 0xffffffffU;
  /// Forgets a case entirely (decided, or moved to another scheduler). False if unknown.
  bool erase(ReceiptNumber r);

  std::optional<std::uint32_t> find(ReceiptNumber r) const;
  /// Starts loading what enqueue() or find() of `r` reads first, so that a caller holding a
  /// batch of cases can overlap the cache misses of the next ones with the work on this one.
  void prefetch(ReceiptNumber r) const { receipts_.prefetch(r.packed()); }
  /// Starts loading a record's cache line; only a hint (a slot past the end is ignored).
  void prefetch_record(std::uint32_t slot) const {
    if (slot < records_.size()) __builtin_prefetch(&records_[slot]);
  }
  const Record& record(std::uint32_t slot) const { return records_[slot]; }
  Record& record(std::uint32_t slot) { return records_[slot]; }
  /// Rebuilds the domain view of a record (for explain and tests).
  Case to_case(std::uint32_t slot) const;

  std::size_t size() const { return receipts_.size(); }
  /// Record slots in use or free (a free slot's record is kDecided); record(s) is valid below.
  std::size_t slots() const { return records_.size(); }
  std::size_t queued() const { return queued_; }
  std::vector<CaseClass>& classes() { return classes_; }
  const std::vector<CaseClass>& classes() const { return classes_; }

  /// Makes every class queue sorted and free of stale entries, so that [head, end) holds
  /// exactly the class's queued cases in EDF order. Amortized O(changes): only the classes
  /// that gained or lost a case since the last call are visited.
  void prepare();
  /// True if the entry still stands for a queued case.
  bool live(const QueueEntry& e) const {
    const Record& r = records_[e.slot];
    return r.gen == e.gen && r.state == CaseState::kQueued;
  }
  /// 1-based position of a queued case in its class queue (1 = next to be offered), or 0.
  std::size_t position(std::uint32_t slot);

  static std::int32_t to_minutes(std::int64_t unix_seconds);
  static std::uint32_t to_rel_seconds(std::int64_t unix_seconds);

 private:
  std::uint32_t class_of(const Case& c, bool interview);
  void leave_queue(Record& rec);
  void touch(std::uint32_t klass);

  std::vector<Record> records_;
  std::vector<std::uint32_t> free_;
  ReceiptMap receipts_;
  std::unordered_map<std::uint32_t, std::vector<OfficerId>> excluded_;  // by slot, rare
  std::vector<CaseClass> classes_;
  std::vector<std::uint32_t> touched_;  // Classes changed since the last prepare().
  std::unordered_map<ClassKey, std::uint32_t, ClassKeyHash> class_ids_;
  std::size_t queued_ = 0;
};

}  // namespace docket::matching
