#include "docket/store/case_store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>

#include "docket/store/metrics.h"
#include "docket/store/scripts.h"

namespace docket::store {
namespace {

constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "receive", "queue",   "offer",     "accept",    "decline", "offer_timeout",
    "lease_expiry", "rfe_out", "rfe_in", "decide", "qa_sample", "qa_review",
    "hold",    "release", "transfer_out", "transfer_in", "import"};

// KEYS: the roster hash, the leader's term key (when fenced). ARGV: term ('0' = not fenced),
// officer id, record. The term is checked as transition.lua checks it, atomically with the write.
constexpr std::string_view kPutOfficer = R"lua(
if ARGV[1] ~= '0' then
  local current = redis.call('GET', KEYS[2]) or '0'
  if current ~= ARGV[1] then
    return redis.error_reply('FENCED leader term ' .. ARGV[1] .. ' is not the current term ' .. current)
  end
end
return redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
)lua";

TransitionResult parse_answer(const Reply& reply) {
  TransitionResult r;
  if (reply.type != Reply::Type::kString && reply.type != Reply::Type::kStatus) {
    r.status = TransitionResult::Status::kBadRequest;
    r.message = reply.is_error() ? reply.str : "unexpected reply from the transition script";
    return r;
  }
  const std::string& s = reply.str;
  const std::size_t a = s.find('|');
  const std::size_t b = a == std::string::npos ? a : s.find('|', a + 1);
  if (b == std::string::npos) {
    r.status = TransitionResult::Status::kBadRequest;
    r.message = "malformed answer: " + s;
    return r;
  }
  const std::string_view kind(s.data(), a);
  const std::string_view second(s.data() + a + 1, b - a - 1);
  const std::string_view third(s.data() + b + 1, s.size() - b - 1);
  if (kind == "ok" || kind == "dup") {
    r.status = kind == "ok" ? TransitionResult::Status::kApplied
                            : TransitionResult::Status::kDuplicate;
    r.state = parse_case_state(second).value_or(CaseState::kReceived);
    r.epoch = std::stoll(std::string(third));
    return r;
  }
  static const std::map<std::string_view, TransitionResult::Status> kCodes = {
      {"illegal", TransitionResult::Status::kIllegal},
      {"not_holder", TransitionResult::Status::kNotHolder},
      {"stale_epoch", TransitionResult::Status::kStaleEpoch},
      {"unknown_case", TransitionResult::Status::kUnknownCase},
      {"bad_request", TransitionResult::Status::kBadRequest}};
  auto it = kCodes.find(second);
  r.status = it == kCodes.end() ? TransitionResult::Status::kBadRequest : it->second;
  r.message = third;
  return r;
}

/// Splits off the first N fields of an audit transition, each ending in '|', and returns where
/// the rest begins. Throws InvalidArgument when there are fewer.
template <std::size_t N>
std::size_t audit_fields(std::string_view v, std::string_view (&f)[N]) {
  std::size_t start = 0;
  for (auto& field : f) {
    const std::size_t bar = v.find('|', start);
    if (bar == std::string_view::npos)
      throw InvalidArgument("malformed audit entry: " + std::string(v));
    field = v.substr(start, bar - start);
    start = bar + 1;
  }
  return start;
}

/// A whole non-negative number of an audit transition `v`. Throws InvalidArgument otherwise.
std::int64_t audit_number(std::string_view x, std::string_view v) {
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(x.data(), x.data() + x.size(), out);
  if (ec != std::errc() || p != x.data() + x.size() || out < 0)
    throw InvalidArgument("malformed audit entry: " + std::string(v));
  return out;
}

/// Sets who and detail from the rest of an audit transition: <who><detail>, `who` bytes long.
void audit_texts(std::string_view v, std::size_t start, std::size_t who, AuditEntry& e) {
  if (who > v.size() - start) throw InvalidArgument("malformed audit entry: " + std::string(v));
  e.who = v.substr(start, who);
  e.detail = v.substr(start + who);
}

/// Reads a positional audit entry (field `a`):
/// receipt|op|from|to|at|epoch|officer|previous id|<bytes of who>|<who><detail>. Returns the
/// previous id. Throws InvalidArgument for an entry that does not have that shape.
std::string parse_audit(std::string_view v, AuditEntry& e) {
  std::string_view f[9];
  const std::size_t start = audit_fields(v, f);
  e.op = f[1];
  e.from = f[2];
  e.to = f[3];
  e.at = TimePoint(Seconds(audit_number(f[4], v)));
  e.epoch = audit_number(f[5], v);
  e.officer = f[6];
  audit_texts(v, start, static_cast<std::size_t>(audit_number(f[8], v)), e);
  return std::string(f[7]);
}

/// Reads a compact audit transition (field `c`; scripts/transition.lua, audit_entry):
/// receipt|op|to|epoch|officer|previous reference|<bytes of who, or '=' for the officer>|
/// <who><detail>. `at` is the entry's; `from` is left to the caller (the `to` of the transition
/// before in the chain). Returns the previous reference. Throws InvalidArgument for a transition
/// that does not have that shape.
std::string parse_compact(std::string_view v, TimePoint at, AuditEntry& e) {
  std::string_view f[7];
  const std::size_t start = audit_fields(v, f);
  e.op = f[1];
  e.to = f[2];
  e.at = at;
  e.epoch = audit_number(f[3], v);
  e.officer = f[4];
  if (f[6] == "=") {
    e.who = e.officer;
    e.detail = v.substr(start);
  } else {
    audit_texts(v, start, static_cast<std::size_t>(audit_number(f[6], v)), e);
  }
  return std::string(f[5]);
}

}  // namespace

std::string_view to_string(Op op) { return kOpNames.at(static_cast<int>(op)); }

std::optional<Op> parse_op(std::string_view text) {
  for (int i = 0; i < kOpCount; ++i) {
    if (kOpNames[i] == text) return static_cast<Op>(i);
  }
  return std::nullopt;
}

std::string_view to_string(TransitionResult::Status s) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "applied", "duplicate", "illegal", "not_holder", "stale_epoch", "unknown_case", "bad_request"};
  return kNames.at(static_cast<int>(s));
}

CaseStore::CaseStore(RedisConnection& redis, const Clock& clock, StoreOptions options)
    : redis_(redis), clock_(clock), options_(std::move(options)) {
  if (options_.batch_size < 1) throw InvalidArgument("store batch_size must be >= 1");
  if (options_.idempotency_ttl_s < 1 || options_.retry_ttl_s < 0) {
    throw InvalidArgument("store idempotency TTL must be >= 1 second, retry TTL >= 0");
  }
  // A retry key answers a call sent again after a lost connection; past the connection's longest
  // resend nobody asks it any more, and every live key costs memory (and a fork, its copy).
  const auto resend = longest_resend(redis_.options());
  const auto resend_s = std::chrono::ceil<std::chrono::seconds>(resend).count();
  if (options_.retry_ttl_s == 0) {
    options_.retry_ttl_s = static_cast<int>(
        std::max<std::int64_t>(StoreOptions::MIN_DERIVED_RETRY_TTL_S, 2 * resend_s));
  } else if (options_.retry_ttl_s <= resend_s) {
    throw InvalidArgument("store retry TTL (" + std::to_string(options_.retry_ttl_s) +
                          " s) must outlast the connection's longest resend (" +
                          std::to_string(resend_s) +
                          " s: connect and command timeouts per "
                          "reconnect attempt)");
  }
  std::random_device rd;
  key_seed_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::string CaseStore::cases_key(std::string_view center) const {
  return options_.key_prefix + ":{c:" + std::string(center) + "}:cases";
}
std::string CaseStore::audit_key(std::string_view center) const {
  return options_.key_prefix + ":{c:" + std::string(center) + "}:audit";
}
std::string CaseStore::idempotency_key(std::string_view center, std::string_view key) const {
  return options_.key_prefix + ":{c:" + std::string(center) + "}:idem:" + std::string(key);
}

std::string CaseStore::answers_key(std::string_view center, std::int64_t period) const {
  return options_.key_prefix + ":{c:" + std::string(center) + "}:answers:" + std::to_string(period);
}

std::string CaseStore::roster_key() const { return options_.key_prefix + ":{roster}:officers"; }

void CaseStore::check_fenced(std::string_view error) {
  if (!error.starts_with("FENCED")) return;
  if (metrics_) metrics_->fenced->Increment();
  throw FencedError("the store refused the write: " + std::string(error));
}

void CaseStore::put_officer(std::string_view officer, std::string_view record) {
  if (roster_sha_.empty()) roster_sha_ = redis_.load_script(kPutOfficer);
  std::vector<std::string> keys = {roster_key()};
  std::string term = "0";
  if (fence_.active()) {
    keys.push_back(fence_.term_key);
    term = std::to_string(fence_.term);
  }
  try {
    // Writing the same record twice is harmless, so a call lost with its connection is retried.
    redis_.eval(roster_sha_, kPutOfficer, keys, {term, std::string(officer), std::string(record)});
  } catch (const ReplyError& e) {
    check_fenced(e.what());
    throw;
  }
}

std::vector<std::pair<std::string, std::string>> CaseStore::officers() {
  const Reply reply = redis_.command({"HGETALL", roster_key()});
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
    out.emplace_back(reply.elements[i].str, reply.elements[i + 1].str);
  std::sort(out.begin(), out.end());
  return out;
}

std::string CaseStore::next_retry_key() {
  char buf[40];
  std::snprintf(buf, sizeof buf, "r%016llx%llx", static_cast<unsigned long long>(key_seed_),
                static_cast<unsigned long long>(++key_counter_));
  return buf;
}

void CaseStore::load_functions() {
  try {
    redis_.load_library(scripts::kTransitionLibrary);
  } catch (const ReplyError& e) {
    // Redis before 7.0 or FUNCTION renamed ("unknown command"), an ACL without it (NOPERM):
    // nothing a retry mends, so the operator is told what the store needs.
    throw InvalidArgument(
        "cannot load the case store's function library into Redis (FUNCTION LOAD was answered: " +
        std::string(e.what()) +
        "); the store needs Redis 7.0 or newer, with FUNCTION neither renamed nor disabled, "
        "and a user allowed +function|load and +fcall");
  }
  functions_loaded_ = true;
}

TransitionResult CaseStore::apply(const Transition& t) { return apply(std::vector<Transition>{t}).front(); }

std::vector<TransitionResult> CaseStore::apply(const std::vector<Transition>& ts) {
  Pending pending = send(ts);
  return wait(pending);
}

CaseStore::Pending::Pending(Pending&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      ticket_(other.ticket_),
      size_(other.size_),
      ops_(std::move(other.ops_)),
      call_items_(std::move(other.call_items_)),
      reconnects_before_(other.reconnects_before_) {}

CaseStore::Pending& CaseStore::Pending::operator=(Pending&& other) noexcept {
  if (this != &other) {
    abandon();
    store_ = std::exchange(other.store_, nullptr);
    ticket_ = other.ticket_;
    size_ = other.size_;
    ops_ = std::move(other.ops_);
    call_items_ = std::move(other.call_items_);
    reconnects_before_ = other.reconnects_before_;
  }
  return *this;
}

CaseStore::Pending::~Pending() { abandon(); }

void CaseStore::Pending::abandon() {
  if (store_ && !call_items_.empty()) store_->redis_.abandon(ticket_);
  store_ = nullptr;
}

CaseStore::Pending CaseStore::send(const std::vector<Transition>& ts) {
  if (!functions_loaded_) load_functions();
  Pending pending;
  pending.store_ = this;
  pending.size_ = ts.size();
  pending.ops_.reserve(ts.size());
  for (const auto& t : ts) pending.ops_.push_back(t.op);
  // Group by center, and inside a center by case, keeping each case's transitions in input order
  // (a stable sort): transitions of one case then sit side by side and, since a call is never cut
  // inside one case's run, go in one call, where the script reads and writes the record once
  // (a desk's ACCEPT and DECIDE of the same offers arrive in two messages of one batch).
  // Transitions of different cases do not depend on each other's order, except through an
  // idempotency key used twice (the first use answers the second): a center whose transitions
  // repeat a key keeps the input order.
  std::map<std::string_view, std::vector<std::size_t>> by_center;
  for (std::size_t i = 0; i < ts.size(); ++i) by_center[ts[i].center].push_back(i);
  for (auto& [center, items] : by_center) {
    std::unordered_set<std::string_view> keys;
    bool repeated = false;
    for (std::size_t i : items) {
      if (!ts[i].idempotency_key.empty() && !keys.insert(ts[i].idempotency_key).second) {
        repeated = true;
        break;
      }
    }
    if (repeated) continue;
    std::stable_sort(items.begin(), items.end(), [&ts](std::size_t a, std::size_t b) {
      return ts[a].receipt.packed() < ts[b].receipt.packed();
    });
  }

  const std::int64_t now_s = clock_.now().time_since_epoch().count();
  const std::string now = std::to_string(now_s);
  // Answers to idempotency keys are kept per TTL period; a key's answer is in this period's hash
  // or the one before (scripts/transition.lua).
  const std::int64_t period = now_s / options_.idempotency_ttl_s;
  std::vector<RedisConnection::Call> calls;
  std::vector<std::vector<std::size_t>> call_items;
  for (const auto& [center, items] : by_center) {
    for (std::size_t first = 0, last = 0; first < items.size(); first = last) {
      last = std::min(items.size(), first + static_cast<std::size_t>(options_.batch_size));
      while (last < items.size() &&
             ts[items[last]].receipt.packed() == ts[items[last - 1]].receipt.packed())
        ++last;
      RedisConnection::Call call;
      call.keys = {cases_key(center), audit_key(center), answers_key(center, period),
                   answers_key(center, period - 1)};
      call.args = {now,
                   std::to_string(options_.idempotency_ttl_s),
                   std::to_string(options_.retry_ttl_s),
                   "0",
                   "0",
                   "0"};
      call.args.reserve(6 + 9 * (last - first));
      std::vector<std::size_t> batch;
      bool needs_retry_key = false;
      for (std::size_t k = first; k < last; ++k) {
        const Transition& t = ts[items[k]];
        std::string record;
        if (t.record) {
          StoredCase rec = *t.record;
          rec.center = std::string(center);
          if (t.op == Op::kReceive || t.op == Op::kImport) {
            rec.state = t.op == Op::kImport ? CaseState::kQueued : CaseState::kReceived;
            rec.epoch = 0;
            rec.last_audit.clear();
          }
          record = encode(rec);
        }
        if (t.idempotency_key.empty() && t.remember_answer && t.op != Op::kReceive &&
            t.op != Op::kImport && t.op != Op::kTransferIn) {
          // Receiving is idempotent by receipt already; anything else makes the call carry a
          // retry key, so that a retry after a lost connection answers instead of reapplying.
          needs_retry_key = true;
        }
        call.args.insert(call.args.end(), {std::string(to_string(t.op)), t.receipt.str(),
                                           std::to_string(t.epoch), t.actor, t.officer, t.arg,
                                           t.idempotency_key, std::move(record), t.detail});
        batch.push_back(items[k]);
      }
      if (needs_retry_key) {
        call.keys.push_back(idempotency_key(center, next_retry_key()));
        call.args[3] = std::to_string(call.keys.size());
      }
      if (fence_.active()) {
        call.keys.push_back(fence_.term_key);
        call.args[4] = std::to_string(call.keys.size());
        call.args[5] = std::to_string(fence_.term);
      }
      calls.push_back(std::move(call));
      call_items.push_back(std::move(batch));
    }
  }
  pending.reconnects_before_ = redis_.counters().reconnects;
  if (!calls.empty())
    pending.ticket_ = redis_.send_fcall_pipeline(scripts::kTransitionFunction, calls);
  pending.call_items_ = std::move(call_items);
  return pending;
}

bool CaseStore::ready(const Pending& pending) {
  if (pending.store_ != this || pending.call_items_.empty()) return true;
  return redis_.ready(pending.ticket_);
}

int CaseStore::fd() const { return redis_.fd(); }

std::vector<TransitionResult> CaseStore::wait(Pending& pending) {
  if (pending.store_ != this)
    throw InvalidArgument("store call already answered or not this store's");
  pending.store_ = nullptr;
  std::vector<TransitionResult> results(pending.size_);
  if (pending.call_items_.empty()) return results;
  const auto started = std::chrono::steady_clock::now();
  std::vector<Reply> replies;
  try {
    replies = redis_.receive_fcall_pipeline(pending.ticket_, scripts::kTransitionFunction,
                                            scripts::kTransitionLibrary);
  } catch (const TimeoutError&) {
    if (metrics_) metrics_->timeouts->Increment();
    throw;
  } catch (const IoError&) {
    if (metrics_) metrics_->io_errors->Increment();
    throw;
  }
  if (metrics_) {
    // The time the caller waited: a call sent ahead ran in Redis while the caller worked.
    metrics_->call_seconds->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    metrics_->reconnects->Increment(
        static_cast<double>(redis_.counters().reconnects - pending.reconnects_before_));
  }
  // A fenced call changed nothing, but calls before it in the pipeline (other centers) may have
  // been applied before the term moved on; either way the caller is no longer the leader and must
  // stop, and the next leader reads the state of record as it is.
  for (const Reply& reply : replies) {
    if (reply.is_error()) check_fenced(reply.str);
  }
  // A call Redis would not run yet ran nothing; the calls before it in the pipeline (other
  // centers) may have run. The caller treats the whole as cut off, as after a timeout.
  for (const Reply& reply : replies) {
    if (reply.is_error() && cannot_run_yet(reply.str)) {
      if (metrics_) metrics_->reply_errors->Increment();
      throw IoError("Redis cannot run the call now: " + reply.str);
    }
  }
  const auto& call_items = pending.call_items_;
  for (std::size_t c = 0; c < replies.size(); ++c) {
    const Reply& reply = replies[c];
    for (std::size_t k = 0; k < call_items[c].size(); ++k) {
      if (reply.is_error()) {
        results[call_items[c][k]].status = TransitionResult::Status::kBadRequest;
        results[call_items[c][k]].message = reply.str;
      } else {
        results[call_items[c][k]] = parse_answer(reply.elements.at(k));
      }
    }
    if (reply.is_error() && metrics_) metrics_->reply_errors->Increment();
  }
  if (metrics_) {
    for (std::size_t i = 0; i < results.size(); ++i) {
      metrics_->transitions[static_cast<int>(pending.ops_[i])][static_cast<int>(results[i].status)]
          ->Increment();
    }
  }
  return results;
}

TransitionResult CaseStore::transfer(std::string_view from, ReceiptNumber r, std::int64_t epoch,
                                     std::string_view to, std::string_view actor,
                                     std::string idempotency_key, const TransferNote& note) {
  Transition out;
  out.op = Op::kTransferOut;
  out.receipt = r;
  out.center = from;
  out.epoch = epoch;
  out.actor = actor;
  out.arg = to;
  out.detail = note.detail;
  if (!idempotency_key.empty()) out.idempotency_key = idempotency_key + ":out";
  TransitionResult step1 = apply(out);
  auto rec = get(from, r);
  // A transfer already marked (by an earlier, interrupted call) goes on to its second step.
  if (!step1.ok() && !(rec && rec->state == CaseState::kTransferred && rec->transfer_to == to)) {
    return step1;
  }
  Transition in;
  in.op = Op::kTransferIn;
  in.receipt = r;
  in.center = to;
  in.actor = actor;
  in.record = *rec;
  if (!note.field_office.empty()) in.record->field_office = note.field_office;
  in.arg = from;  // The history chain continues in the source's audit stream.
  in.detail = "from " + std::string(from) + (note.detail.empty() ? "" : "; " + note.detail);
  return apply(in);
}

std::size_t CaseStore::resume_transfers(std::string_view center) {
  std::vector<StoredCase> pending;
  scan(center, [&](StoredCase&& c) {
    if (c.state == CaseState::kTransferred && !c.transfer_to.empty()) pending.push_back(std::move(c));
  });
  std::size_t resumed = 0;
  for (const auto& c : pending) {
    // Done if the destination holds the case live, or has moved it on (a newer tombstone).
    if (auto there = get(c.transfer_to, c.receipt);
        there && (there->state != CaseState::kTransferred || there->epoch > c.epoch)) {
      continue;
    }
    resumed += transfer(center, c.receipt, c.epoch, c.transfer_to, "docket:resume").ok() ? 1 : 0;
  }
  return resumed;
}

std::optional<StoredCase> CaseStore::get(std::string_view center, ReceiptNumber r) {
  Reply reply = redis_.command({"HGET", cases_key(center), r.str()});
  if (reply.is_nil()) return std::nullopt;
  return decode(r, center, reply.as_string());
}

std::vector<AuditEntry> CaseStore::history(std::string_view center, ReceiptNumber r) {
  std::vector<AuditEntry> out;
  std::vector<std::size_t> derived_from;  // Compact transitions, whose `from` is not written.
  auto rec = get(center, r);
  std::string id = rec ? rec->last_audit : "";
  std::string key = audit_key(center);
  while (!id.empty()) {
    // "<center>/<id>" continues in another center's stream (the case was moved here).
    if (const auto slash = id.find('/'); slash != std::string::npos) {
      key = audit_key(id.substr(0, slash));
      id = id.substr(slash + 1);
      if (id.empty()) break;
    }
    // "<entry id>.<field number>": one field of an entry that holds a call's transitions; a
    // bare entry id is an entry of one transition, written before calls shared an entry.
    const std::size_t dot = id.find('.');
    const std::string entry_id = id.substr(0, dot);
    std::size_t field = 0;
    if (dot != std::string::npos) {
      const std::string_view n = std::string_view(id).substr(dot + 1);
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), field);
      if (ec != std::errc() || p != n.data() + n.size() || field == 0)
        throw InvalidArgument("malformed audit reference: " + id);
    }
    Reply reply = redis_.command({"XRANGE", key, entry_id, entry_id});
    if (reply.elements.empty()) break;  // Trimmed away: the chain ends here.
    const Reply& entry = reply.elements.front();
    AuditEntry e;
    e.id = id;
    std::string prev;
    const auto& kv = entry.elements.at(1).elements;
    if (field > 0 && kv.size() >= 2 && kv[0].str == "t") {
      // Compact: the call's time, then one field `c` per transition.
      if (kv.size() < 2 * field + 2 || kv[2 * field].str != "c")
        throw InvalidArgument("audit entry " + id + " does not exist");
      std::int64_t at = 0;
      const std::string& t = kv[1].str;
      if (std::from_chars(t.data(), t.data() + t.size(), at).ec != std::errc())
        throw InvalidArgument("audit entry " + id + " has a malformed time");
      prev = parse_compact(kv[2 * field + 1].str, TimePoint(Seconds(at)), e);
      if (prev.starts_with('.')) prev = entry_id + prev;
      derived_from.push_back(out.size());
    } else if (field > 0) {
      if (kv.size() < 2 * field || kv[2 * field - 2].str != "a")
        throw InvalidArgument("audit entry " + id + " does not exist");
      prev = parse_audit(kv[2 * field - 1].str, e);
      // ".<field number>": an earlier transition of the same call, in the same entry.
      if (prev.starts_with('.')) prev = entry_id + prev;
    } else if (kv.size() == 2 && kv[0].str == "a") {
      prev = parse_audit(kv[1].str, e);
    } else {
      // An entry written before the positional format: one field per item.
      for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
        const std::string& k = kv[i].str;
        const std::string& v = kv[i + 1].str;
        // clang-format off
        if (k == "op") e.op = v;
        else if (k == "from") e.from = v;
        else if (k == "to") e.to = v;
        else if (k == "who") e.who = v;
        else if (k == "o") e.officer = v;
        else if (k == "x") e.detail = v;
        else if (k == "at") e.at = TimePoint(Seconds(std::stoll(v)));
        else if (k == "e") e.epoch = std::stoll(v);
        else if (k == "p") prev = v;
        // clang-format on
      }
    }
    out.push_back(std::move(e));
    id = prev;
  }
  // A compact transition starts from the state the one before it in the chain left (none before
  // the first: a receipt or import starts from nothing).
  for (const std::size_t i : derived_from) {
    out[i].from = i + 1 < out.size() ? out[i + 1].to : std::string();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void CaseStore::compact() {
  try {
    redis_.command({"BGREWRITEAOF"});
  } catch (const ReplyError& e) {
    if (std::string_view(e.what()).find("already in progress") == std::string_view::npos) throw;
  }
}

CaseStore::BulkImport::BulkImport(CaseStore& store) : store_(store) {
  try {
    const Reply got = store_.redis_.command({"CONFIG", "GET", "auto-aof-rewrite-percentage"});
    if (got.elements.size() == 2) {
      const std::string before = got.elements[1].str;
      store_.redis_.command({"CONFIG", "SET", "auto-aof-rewrite-percentage", "0"});
      previous_ = before;
    }
  } catch (const ReplyError&) {
    // CONFIG is not allowed on this server: import without holding rewrites.
  }
}

CaseStore::BulkImport::~BulkImport() {
  try {
    if (holding()) {
      store_.redis_.command({"CONFIG", "SET", "auto-aof-rewrite-percentage", previous_});
    }
    store_.compact();
  } catch (const Error&) {
    // Redis went away: the next start loads the AOF as it is, which is only slower.
  }
}

std::size_t CaseStore::count(std::string_view center) {
  return static_cast<std::size_t>(redis_.command({"HLEN", cases_key(center)}).as_integer());
}

std::size_t CaseStore::scan(std::string_view center, const std::function<void(StoredCase&&)>& f,
                            const std::function<void(const std::string&, const std::string&)>& bad) {
  // A second thread, on its own connection, fetches and decodes HSCAN pages while this thread
  // hands the previous page to f: Redis building pages, decoding and f's work overlap.
  const std::string key = cases_key(center);
  std::mutex mu;
  std::condition_variable cv;
  struct Page {
    std::vector<StoredCase> cases;
    std::vector<std::pair<std::string, std::string>> bad;  // (field, why)
  };
  std::deque<Page> pages;
  bool done = false;
  bool stop = false;
  std::exception_ptr failure;
  std::thread fetcher([&] {
    try {
      RedisConnection conn(redis_.options());
      std::string cursor = "0";
      do {
        const Reply reply = conn.command({"HSCAN", key, cursor, "COUNT", "20000"});
        cursor = reply.elements.at(0).str;
        const auto& kv = reply.elements.at(1).elements;
        Page page;
        page.cases.reserve(kv.size() / 2);
        for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
          auto receipt = ReceiptNumber::parse(kv[i].str);
          try {
            if (!receipt) throw InvalidArgument("the field is not a receipt number");
            page.cases.push_back(decode(*receipt, center, kv[i + 1].str));
          } catch (const InvalidArgument& e) {
            if (!bad) {
              throw InvalidArgument("store: " + key + " field " + kv[i].str + ": " + e.what());
            }
            page.bad.emplace_back(kv[i].str, e.what());
          }
        }
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return pages.size() < 2 || stop; });
        if (stop) return;
        pages.push_back(std::move(page));
        cv.notify_all();
      } while (cursor != "0");
    } catch (...) {
      std::lock_guard lock(mu);
      failure = std::current_exception();
    }
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  });
  std::size_t count = 0;
  try {
    while (true) {
      Page page;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !pages.empty() || done; });
        if (pages.empty()) break;
        page = std::move(pages.front());
        pages.pop_front();
        cv.notify_all();
      }
      for (auto& c : page.cases) f(std::move(c));
      for (const auto& [field, why] : page.bad) bad(field, why);
      count += page.cases.size() + page.bad.size();
    }
  } catch (...) {
    {
      std::lock_guard lock(mu);
      stop = true;
      cv.notify_all();
    }
    fetcher.join();
    throw;
  }
  fetcher.join();
  if (failure) std::rethrow_exception(failure);
  return count;
}

}  // namespace docket::store
