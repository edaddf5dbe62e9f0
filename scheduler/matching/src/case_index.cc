#include "docket/matching/case_index.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

#include "docket/core/hash.h"

namespace docket::matching {
namespace {

constexpr std::int64_t kEpoch2000 = 946'684'800;  // 2000-01-01T00:00:00Z in Unix seconds.

// Asks the kernel to back a large array with transparent huge pages where it allows them on
// request (the "madvise" setting). At national scale the receipt map and the records take
// hundreds of megabytes touched at random: 2 MB pages cut the page faults that fill them and the
// TLB misses of every lookup. Only advice: nothing changes if the kernel declines.
void advise_huge_pages(const void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = 2u << 20;
  if (bytes < 2 * kHuge) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

std::uint64_t hash_exclusions(std::vector<OfficerId> ids) {
  if (ids.empty()) return 0;
  std::sort(ids.begin(), ids.end());
  std::uint64_t h = 1;
  for (auto id : ids) h = hash_mix(h, id);
  return h == 0 ? 1 : h;
}

}  // namespace

std::size_t ReceiptMap::home(std::uint64_t key) const {
  // SplitMix64's finalizer: receipt numbers are dense in their low digits.
  key ^= key >> 30;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 27;
  key *= 0x94d049bb133111ebULL;
  key ^= key >> 31;
  return static_cast<std::size_t>(key) & (table_.size() - 1);
}

void ReceiptMap::rehash(std::size_t capacity) {
  std::vector<Entry> old;
  old.swap(table_);
  table_.reserve(capacity);
  advise_huge_pages(table_.data(), capacity * sizeof(Entry));  // Before the first touch.
  table_.assign(capacity, Entry{});
  for (const Entry& e : old) {
    if (e.key == kEmpty) continue;
    std::size_t i = home(e.key);
    while (table_[i].key != kEmpty) i = (i + 1) & (table_.size() - 1);
    table_[i] = e;
  }
}

void ReceiptMap::reserve(std::size_t n) {
  std::size_t capacity = 16;
  while (capacity * 4 < n * 5) capacity *= 2;  // Load at most 0.8.
  if (capacity > table_.size()) rehash(capacity);
}

const std::uint32_t* ReceiptMap::find(std::uint64_t key) const {
  if (table_.empty()) return nullptr;
  for (std::size_t i = home(key);; i = (i + 1) & (table_.size() - 1)) {
    const Entry& e = table_[i];
    if (e.key == key) return &e.slot;
    if (e.key == kEmpty) return nullptr;
  }
}

bool ReceiptMap::insert(std::uint64_t key, std::uint32_t slot) {
  if ((size_ + 1) * 5 > table_.size() * 4) rehash(std::max<std::size_t>(16, table_.size() * 2));
  std::size_t i = home(key);
  for (; table_[i].key != kEmpty; i = (i + 1) & (table_.size() - 1)) {
    if (table_[i].key == key) return false;
  }
  table_[i] = Entry{key, slot};
  ++size_;
  return true;
}

std::uint32_t& ReceiptMap::find_or_insert(std::uint64_t key, std::uint32_t slot, bool& inserted) {
  if ((size_ + 1) * 5 > table_.size() * 4) rehash(std::max<std::size_t>(16, table_.size() * 2));
  std::size_t i = home(key);
  for (; table_[i].key != kEmpty; i = (i + 1) & (table_.size() - 1)) {
    if (table_[i].key == key) {
      inserted = false;
      return table_[i].slot;
    }
  }
  table_[i] = Entry{key, slot};
  ++size_;
  inserted = true;
  return table_[i].slot;
}

bool ReceiptMap::erase(std::uint64_t key, std::uint32_t* slot) {
  if (table_.empty()) return false;
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home(key);
  while (table_[i].key != key) {
    if (table_[i].key == kEmpty) return false;
    i = (i + 1) & mask;
  }
  if (slot != nullptr) *slot = table_[i].slot;
  // Backward shift: move later entries of the probe run into the hole when their home allows.
  for (std::size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
    if (table_[j].key == kEmpty) break;
    const std::size_t h = home(table_[j].key);
    // table_[j] may move to i if i lies cyclically in [h, j).
    if (((j - h) & mask) >= ((j - i) & mask)) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i] = Entry{};
  --size_;
  return true;
}

std::size_t ClassKeyHash::operator()(const ClassKey& k) const noexcept {
  std::uint64_t h = hash_mix(k.form, k.center);
  h = hash_mix(h, k.field_office);
  h = hash_mix(h, (static_cast<std::uint64_t>(k.priority) << 24) | (k.language << 16) |
                 (static_cast<std::uint64_t>(k.clearance) << 8) | k.min_level);
  h = hash_mix(h, (static_cast<std::uint64_t>(k.senior_review) << 32) | k.preferred);
  return hash_mix(h, k.excluded_hash);
}

std::int32_t CaseIndex::to_minutes(std::int64_t unix_seconds) {
  const std::int64_t m = (unix_seconds - kEpoch2000) / 60;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(m, INT32_MIN, INT32_MAX));
}

std::uint32_t CaseIndex::to_rel_seconds(std::int64_t unix_seconds) {
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(unix_seconds - kEpoch2000, 0, UINT32_MAX));
}

void CaseIndex::reserve(std::size_t n) {
  if (n > records_.capacity()) {
    records_.reserve(n);
    advise_huge_pages(records_.data(), n * sizeof(Record));
  }
  receipts_.reserve(n);
}

std::uint32_t CaseIndex::class_of(const Case& c, bool interview) {
  ClassKey key;
  key.form = c.form;
  key.center = c.center;
  key.field_office = interview ? c.field_office : kNoCenter;
  key.priority = c.priority;
  key.language = c.language;
  key.clearance = c.clearance;
  key.min_level = c.min_level;
  key.senior_review = c.senior_review;
  key.preferred = c.preferred_officer;
  key.excluded_hash = hash_exclusions(c.excluded);
  auto [it, inserted] = class_ids_.try_emplace(key, static_cast<std::uint32_t>(classes_.size()));
  if (inserted) {
    CaseClass cls;
    cls.key = key;
    cls.excluded = c.excluded;
    std::sort(cls.excluded.begin(), cls.excluded.end());
    classes_.push_back(std::move(cls));
  }
  return it->second;
}

std::uint32_t CaseIndex::enqueue(const Case& c, bool interview) {
  // The slot a new case takes: the last freed one, or a new record.
  const std::uint32_t fresh = free_.empty() ? static_cast<std::uint32_t>(records_.size()) : free_.back();
  bool inserted = false;
  const std::uint32_t slot = receipts_.find_or_insert(c.receipt.packed(), fresh, inserted);
  // Only a case already known can have exclusions on file (erase() drops a freed slot's); its
  // class says whether it has, which saves a hash lookup per case in the common case.
  bool had_exclusions = false;
  if (!inserted) {
    had_exclusions = classes_[records_[slot].klass].key.excluded_hash != 0;
    leave_queue(records_[slot]);
  } else if (!free_.empty()) {
    free_.pop_back();
  } else {
    records_.emplace_back();
  }
  Record& rec = records_[slot];
  const std::uint32_t gen = rec.gen + 1;
  rec = Record{};
  rec.gen = gen;
  rec.receipt = c.receipt.packed();
  rec.epoch = static_cast<std::uint32_t>(c.epoch);
  rec.deadline = c.deadline.time_since_epoch().count();
  rec.received = c.received.time_since_epoch().count();
  rec.preferred = c.preferred_officer;
  rec.form = c.form;
  rec.center = c.center;
  rec.field_office = c.field_office;
  rec.priority = c.priority;
  rec.state = CaseState::kQueued;
  rec.language = c.language;
  rec.clearance = c.clearance;
  rec.min_level = c.min_level;
  rec.senior_review = c.senior_review;
  if (c.excluded.empty()) {
    if (had_exclusions) excluded_.erase(slot);
  } else {
    excluded_[slot] = c.excluded;
  }
  rec.klass = class_of(c, interview);

  touch(rec.klass);
  CaseClass& cls = classes_[rec.klass];
  QueueEntry e{to_minutes(rec.deadline), to_rel_seconds(rec.received), rec.receipt, slot, gen};
  const bool in_order = cls.sorted_end == cls.queue.size() &&
                        (cls.queue.size() == cls.head || !(e < cls.queue.back()));
  cls.queue.push_back(e);
  if (in_order) cls.sorted_end = cls.queue.size();
  ++cls.live;
  ++queued_;
  return slot;
}

void CaseIndex::touch(std::uint32_t klass) {
  CaseClass& cls = classes_[klass];
  if (cls.touched) return;
  cls.touched = true;
  touched_.push_back(klass);
}

void CaseIndex::leave_queue(Record& rec) {
  if (rec.state != CaseState::kQueued) return;
  touch(rec.klass);
  CaseClass& cls = classes_[rec.klass];
  --cls.live;
  --queued_;
  cls.dirty = true;
  ++rec.gen;  // The queue entry goes stale.
}

bool CaseIndex::dequeue(ReceiptNumber r, CaseState new_state, OfficerId officer) {
  auto slot = find(r);
  if (!slot) return false;
  Record& rec = records_[*slot];
  if (rec.state != CaseState::kQueued) return false;
  leave_queue(rec);
  rec.state = new_state;
  rec.officer = officer;
  return true;
}

bool CaseIndex::dequeue_slot(std::uint32_t slot, CaseState new_state, OfficerId officer,
                             std::uint32_t pos) {
  if (slot >= records_.size()) return false;
  Record& rec = records_[slot];
  if (rec.state != CaseState::kQueued || rec.receipt == 0) return false;
  CaseClass& cls = classes_[rec.klass];
  if (pos < cls.queue.size() && pos >= cls.head && cls.queue[pos].slot == slot &&
      cls.queue[pos].gen == rec.gen) {
    cls.queue[pos].gen = kBuried;
    ++cls.buried;
  }
  leave_queue(rec);
  rec.state = new_state;
  rec.officer = officer;
  return true;
}

bool CaseIndex::erase(ReceiptNumber r) {
  std::uint32_t slot = 0;
  if (!receipts_.erase(r.packed(), &slot)) return false;
  Record& rec = records_[slot];
  leave_queue(rec);
  ++rec.gen;
  rec.state = CaseState::kDecided;
  if (classes_[rec.klass].key.excluded_hash != 0) excluded_.erase(slot);
  free_.push_back(slot);
  return true;
}

std::optional<std::uint32_t> CaseIndex::find(ReceiptNumber r) const {
  const std::uint32_t* found = receipts_.find(r.packed());
  if (found == nullptr) return std::nullopt;
  return *found;
}

Case CaseIndex::to_case(std::uint32_t slot) const {
  const Record& rec = records_.at(slot);
  Case c;
  c.receipt = ReceiptNumber::from_packed(rec.receipt);
  c.form = rec.form;
  c.priority = rec.priority;
  c.received = TimePoint(Seconds(rec.received));
  c.deadline = TimePoint(Seconds(rec.deadline));
  c.center = rec.center;
  c.field_office = rec.field_office;
  c.language = rec.language;
  c.clearance = rec.clearance;
  c.min_level = rec.min_level;
  c.state = rec.state;
  c.officer = rec.officer;
  c.epoch = rec.epoch;
  c.preferred_officer = rec.preferred;
  c.senior_review = rec.senior_review;
  if (auto it = excluded_.find(slot); it != excluded_.end()) c.excluded = it->second;
  return c;
}

void CaseIndex::prepare() {
  // Only enqueue() and leave_queue() change a queue or the liveness of its entries, and both
  // touch the class; a class left alone since the last call is still in order (its head is live,
  // it holds no stale entries, its tail is sorted), so visiting it would change nothing. A round
  // thus visits the classes that changed, not every class ever created.
  for (const std::uint32_t k : touched_) {
    CaseClass& cls = classes_[k];
    cls.touched = false;
    auto& q = cls.queue;
    // Consumed and stale entries at the front cost nothing to skip.
    while (cls.head < q.size() && (q[cls.head].gen == kBuried || !live(q[cls.head]))) {
      if (q[cls.head].gen == kBuried) --cls.buried;
      ++cls.head;
    }
    cls.sorted_end = std::max(cls.sorted_end, cls.head);
    if (cls.dirty && q.size() - cls.head != cls.live) {
      // remove_if keeps the order, so the sorted prefix stays sorted; only its end moves. When
      // every stale entry is a buried one (a case offered from the middle of its queue, as triage
      // does), the entries tell themselves apart; otherwise each one's record is read, a cache
      // miss per entry at national scale.
      const bool all_buried = q.size() - cls.head - cls.live == cls.buried;
      const auto stale = [&](const QueueEntry& e) { return e.gen == kBuried || (!all_buried && !live(e)); };
      const auto at = [&](std::size_t i) { return q.begin() + static_cast<std::ptrdiff_t>(i); };
      const auto sorted_live =
          std::count_if(at(cls.head), at(cls.sorted_end), [&](const QueueEntry& e) { return !stale(e); });
      q.erase(std::remove_if(at(cls.head), q.end(), stale), q.end());
      cls.buried = 0;
      cls.sorted_end = cls.head + static_cast<std::size_t>(sorted_live);
      ++cls.layout;
    }
    cls.dirty = false;
    if (cls.head > 0 && cls.head * 2 >= q.size()) {
      q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(cls.head));
      cls.sorted_end -= cls.head;
      cls.head = 0;
      ++cls.layout;
    }
    if (cls.sorted_end < q.size()) {
      const auto mid = q.begin() + static_cast<std::ptrdiff_t>(cls.sorted_end);
      std::sort(mid, q.end());
      std::inplace_merge(q.begin() + static_cast<std::ptrdiff_t>(cls.head), mid, q.end());
      cls.sorted_end = q.size();
      ++cls.layout;
    }
    if (q.empty() && q.capacity() > 1024) q.shrink_to_fit();
  }
  touched_.clear();
}

std::size_t CaseIndex::position(std::uint32_t slot) {
  const Record& rec = records_.at(slot);
  if (rec.state != CaseState::kQueued) return 0;
  prepare();
  const CaseClass& cls = classes_[rec.klass];
  QueueEntry e{to_minutes(rec.deadline), to_rel_seconds(rec.received), rec.receipt, slot, rec.gen};
  auto first = cls.queue.begin() + static_cast<std::ptrdiff_t>(cls.head);
  return static_cast<std::size_t>(std::lower_bound(first, cls.queue.end(), e) - first) + 1;
}

}  // namespace docket::matching

// The per-case memory budget (docs/architecture.md) depends on these sizes.
static_assert(sizeof(docket::matching::CaseIndex::Record) == 56);
static_assert(sizeof(docket::matching::QueueEntry) == 24);
