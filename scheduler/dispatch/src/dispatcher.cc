#include "docket/dispatch/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "docket/dispatch/fast_path.h"
#include "docket/dispatch/metrics.h"
#include "docket/service/recovery.h"

namespace docket::dispatch {

using nlohmann::json;
using protocol::Code;
using protocol::Message;
using protocol::ProtocolError;
using protocol::Type;

/// A worker session: one DEALER connection playing one or more officers.
struct Dispatcher::Session {
  std::string peer;
  std::string id;
  std::vector<OfficerId> officers;
  std::int64_t credit = 0;
  Monotonic::time_point last_heard{};
  Monotonic::time_point last_sent{};
};

/// One answer a worker is owed (ACCEPT, DECLINE or DECIDE item), waiting for the store.
struct Dispatcher::Item {
  enum class Kind : std::uint8_t { kAccept, kDecline, kDecide } kind = Kind::kAccept;
  std::string receipt_text;
  ReceiptNumber receipt;
  OfficerId officer = kNoOfficer;
  CaseState before = CaseState::kReceived;  // Index state when the message was read.
  bool tracked = false;                     // The index knows the case.
  bool senior = false;
  std::string outcome, to;
  bool recuse = false;
  json error;  // Set when refused before reaching the store.
  std::size_t transition = SIZE_MAX;
};

/// The worker messages of one turn of the loop: their store transitions go out in one call.
struct Dispatcher::Batch {
  struct Reply {
    std::string peer;
    json re;
    std::vector<Item> items;
    std::int64_t credit = 0;  // Granted by the message; taken back if it is refused.
  };
  std::vector<Reply> replies;
  std::vector<store::Transition> transitions;
};

namespace {

constexpr std::size_t kMaxOfficersPerHello = 10'000;
/// How long one turn of the loop keeps reading management requests once it has handled one.
constexpr auto kManagementSlice = std::chrono::milliseconds(20);

bool held(CaseState s) { return s == CaseState::kOffered || s == CaseState::kAssigned; }

std::string_view code_of(store::TransitionResult::Status s) { return store::to_string(s); }

}  // namespace

Dispatcher::Dispatcher(const Catalog& catalog, const BusinessCalendar& calendar,
                       int fallback_deadline_days, matching::Matcher& matcher,
                       store::CaseStore& store, const Clock& clock, zmq::context_t& ctx,
                       Options options, DispatchMetrics* metrics)
    : catalog_(catalog),
      calendar_(calendar),
      fallback_days_(fallback_deadline_days),
      matcher_(matcher),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      metrics_(metrics),
      workers_(ctx, options_.worker_endpoint, options_.channel),
      management_(ctx, options_.management_endpoint, options_.channel),
      rng_(options_.seed),
      offer_writer_(catalog, matcher) {
  // Officers are offered work only while a session plays them; until then they are offline in
  // the matcher, whatever the roster says (the roster's presence is what they declare).
  const auto n = matcher_.officers().size();
  session_of_.assign(n, {});
  declared_presence_.resize(n);
  for (OfficerId id = 0; id < n; ++id) {
    declared_presence_[id] =
        matcher_.officer(id).removed ? Presence::kOffline : matcher_.officer(id).presence;
    matcher_.set_presence(id, Presence::kOffline);
  }
  if (metrics_) metrics_->leader.Set(1);
  last_round_ = workers_read_ = Monotonic::now();
  next_orphan_sweep_ = last_round_ + std::chrono::milliseconds(options_.lease_ms());
}

Dispatcher::~Dispatcher() {
  if (metrics_) metrics_->leader.Set(0);
}

void Dispatcher::add_command(const std::string& name, Command command) {
  extra_commands_[name] = std::move(command);
}

void Dispatcher::run(const std::atomic<bool>& stop) {
  while (!stop.load() && !fenced()) step(std::chrono::milliseconds(50));
  shutdown();
}

void Dispatcher::step(std::chrono::milliseconds timeout) {
  if (fenced()) return;
  try {
    turn(timeout);
  } catch (const store::FencedError& e) {
    // Another scheduler was elected while this one still served: the store refused the write
    // (nothing of that call changed). Whatever this turn had not answered yet, the workers send
    // again to the new leader after SHUTDOWN; the store holds everything that was recorded.
    step_down(e.what());
  }
}

void Dispatcher::step_down(const std::string& why) {
  if (fenced()) return;
  fenced_reason_ = why.empty() ? "stepped down" : why;
  // Calls still out are abandoned: nobody reads their answers.
  outstanding_.clear();
  spdlog::error("fenced off by the state of record ({}); stepping down", fenced_reason_);
  shutdown();
}

void Dispatcher::turn(std::chrono::milliseconds timeout) {
  // Wait no longer than the next round that is due.
  if (round_due_) {
    // A short queue is placed once the short-round gap has passed (run_round), so the poll must
    // not sleep out the round delay first: that would add round_delay_ms to every offer of a
    // lightly loaded scheduler. It wakes at the end of the gap (rounded up to the poll's
    // millisecond), or for the next message, whichever comes first.
    const std::size_t queued = matcher_.index().queued();
    const auto left =
        queued > 0 && queued <= options_.short_queue
            ? std::chrono::ceil<std::chrono::milliseconds>(short_round_at() - Monotonic::now())
            : std::chrono::duration_cast<std::chrono::milliseconds>(round_due_at_ -
                                                                    Monotonic::now());
    timeout = std::clamp(left, std::chrono::milliseconds(0), timeout);
  }
  // With calls out, the poll also wakes for their answers on the store's socket, so the loop
  // reads whichever comes first, a message or an answer, instead of waiting for Redis; it does
  // not sleep at all when the oldest call's answer is in already (read by an earlier call).
  const int store_fd = outstanding_.empty() ? -1 : store_.fd();
  if (!outstanding_.empty() && (store_fd < 0 || front_ready())) {
    timeout = std::chrono::milliseconds(0);
  }
  zmq::pollitem_t items[] = {{workers_.socket().handle(), 0, ZMQ_POLLIN, 0},
                             {management_.socket().handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, store_fd, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, store_fd < 0 ? 2 : 3, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw IoError(std::string("poll: ") + e.what());
  }
  auto batch = std::make_shared<Batch>();
  for (std::size_t i = 0; i < options_.read_batch; ++i) {
    auto in = workers_.try_recv();
    if (!in) {
      workers_read_ = Monotonic::now();
      break;
    }
    handle_worker(*in, *batch);
  }
  // A round the workers' credit made due is planned before their transitions are sent, so that
  // Redis records its offers first and the desks work on them while it runs the decisions.
  run_round();
  // The calls of the turns before are still running in Redis, or have just run: this turn's
  // worker transitions go behind them, and the answers that have come in are read once the
  // management socket has been read, so that Redis works while this loop parses.
  send_batch(std::move(batch));
  // A management request can be long (a submit carries up to 10,000 cases), and a client may
  // pipeline many: read them for a bounded slice of time, so that the workers' messages are read
  // before the lease timers run. Otherwise a long import starves the workers socket and
  // check_timers() expires sessions whose heartbeats are waiting unread.
  const auto management_until = Monotonic::now() + kManagementSlice;
  // Submits are staged and recorded together, in one store call (flush_submits); any other
  // request is served after the submits read before it, and after every call sent, so it sees
  // their cases.
  for (std::size_t i = 0; i < 64 && (i == 0 || Monotonic::now() < management_until); ++i) {
    auto in = management_.try_recv();
    if (!in) break;
    if (stage_submit(*in)) continue;
    flush_submits();
    finish();
    handle_management(*in);
  }
  answer_ready();
  flush_submits();
  check_timers();
  run_round();
  // The answers in by now are read; the rest wake the next turn's poll when they come, and
  // meanwhile the loop reads the messages that come first.
  answer_ready();
  if (!outstanding_.empty() && metrics_) metrics_->turns_ahead.Increment();
}

bool Dispatcher::offer_live(const PendingOffer& p) {
  auto slot = slot_of(ReceiptNumber::from_packed(p.receipt));
  if (!slot) return false;
  const auto& rec = matcher_.index().record(*slot);
  return rec.state == CaseState::kOffered && rec.epoch == p.epoch;
}

bool Dispatcher::front_ready() {
  const Outstanding& o = outstanding_.front();
  return o.unsent.has_value() || store_.ready(o.pending);
}

void Dispatcher::answer_ready() {
  while (!outstanding_.empty() && front_ready()) finish(outstanding_.front().seq);
}

void Dispatcher::send_ahead(const std::vector<store::Transition>& ts,
                            std::function<void(std::vector<store::TransitionResult>&)> answered,
                            std::function<void(const Error&)> failed) {
  Outstanding o;
  o.seq = next_call_++;
  try {
    o.pending = store_.send(ts);
  } catch (const IoError& e) {
    // Answered in its turn by finish(), so that answers keep the order of the calls.
    o.unsent = e;
  }
  o.answered = std::move(answered);
  o.failed = std::move(failed);
  outstanding_.push_back(std::move(o));
}

void Dispatcher::finish(std::uint64_t through) {
  while (!outstanding_.empty() && outstanding_.front().seq <= through) {
    Outstanding o = std::move(outstanding_.front());
    outstanding_.pop_front();
    std::vector<store::TransitionResult> results;
    try {
      if (o.unsent) throw *o.unsent;
      results = store_.wait(o.pending);
    } catch (const store::FencedError& e) {
      // The calls behind it are fenced off too: their submitters learn it now.
      o.failed(e);
      for (auto& later : outstanding_) later.failed(e);
      outstanding_.clear();
      throw;
    } catch (const IoError& e) {
      o.failed(e);
      continue;
    }
    o.answered(results);
  }
}

void Dispatcher::shutdown() {
  if (stopping_) return;
  // What was sent is answered first: RESULTs for the workers' messages, OFFERs for the offers
  // recorded.
  try {
    finish();
    // Samples waiting for the store get one more try, unless the store fenced us off.
    if (!unsampled_.empty() && !fenced()) {
      sample(std::exchange(unsampled_, {}));
      finish();
    }
  } catch (const store::FencedError& e) {
    if (fenced_reason_.empty()) fenced_reason_ = e.what();
    outstanding_.clear();
  }
  if (!unsampled_.empty())
    spdlog::warn("{} decided cases drawn for QA review were not sampled: {}", unsampled_.size(),
                 fenced() ? "fenced off" : "store unreachable");
  stopping_ = true;
  for (auto& [peer, s] : sessions_) {
    send(peer, Message{Type::kShutdown, {{"reason", "scheduler stopping"}}});
  }
  if (metrics_) metrics_->leader.Set(0);
  spdlog::info("dispatcher stopped: {} sessions told, {} offers outstanding", sessions_.size(),
               offered_at_.size());
}

DispatchStats Dispatcher::stats() const {
  DispatchStats s = stats_;
  s.workers = sessions_.size();
  s.queued = matcher_.index().queued();
  if (!cycle_days_.empty()) {
    std::vector<double> v(cycle_days_.begin(), cycle_days_.end());
    auto k = v.begin() + static_cast<std::ptrdiff_t>(v.size() * 8 / 10);
    std::nth_element(v.begin(), k, v.end());
    s.p80_cycle_days = *k;
  }
  return s;
}

void Dispatcher::send(const std::string& peer, const Message& m, bool management) {
  auto& server = management ? management_ : workers_;
  after_send(peer, m.type, management, server.send(peer, m));
}

void Dispatcher::send_body(const std::string& peer, Type type, std::string_view body) {
  after_send(peer, type, false, workers_.send_body(peer, type, body));
}

void Dispatcher::after_send(const std::string& peer, Type type, bool management, bool sent) {
  if (!sent) {
    if (metrics_) metrics_->zmq_error(management).Increment();
    spdlog::debug("could not send {} to {}: peer gone or its queue full", protocol::to_string(type),
                  peer);
    return;
  }
  if (!management) {
    if (auto it = sessions_.find(peer); it != sessions_.end())
      it->second->last_sent = Monotonic::now();
  }
}

void Dispatcher::reply_error(const std::string& peer, Code code, const std::string& message,
                             const json* re, bool management) {
  ++stats_.rejected_messages;
  if (metrics_) metrics_->rejection(management, code).Increment();
  spdlog::warn("{} socket: refused a message from peer {} ({}): {}",
               management ? "management" : "workers",
               json(peer).dump(-1, ' ', true, json::error_handler_t::replace),
               protocol::to_string(code), message);
  send(peer, protocol::error_message(code, message, re), management);
}

// ---------------------------------------------------------------------------------------------
// Worker socket.

void Dispatcher::handle_worker(protocol::Received& in, Batch& batch) {
  if (in.error) {
    reply_error(in.peer, in.error->code(), in.error->what(), nullptr, false);
    return;
  }
  const Message& m = *in.message;
  if (metrics_) metrics_->message(false, m.type).Increment();
  const json* re = m.body.contains("id") ? &m.body["id"] : nullptr;
  try {
    // A session's start and end, presence and pulls act on the index as the store has it: the
    // calls still out are answered first.
    if (m.type == Type::kHello || m.type == Type::kBye || m.type == Type::kPresence ||
        m.type == Type::kPull) {
      finish();
    }
    if (m.type == Type::kHello) {
      hello(in.peer, m.body);
      return;
    }
    auto it = sessions_.find(in.peer);
    const bool worker_type = m.type == Type::kAccept || m.type == Type::kDecline ||
                             m.type == Type::kDecide || m.type == Type::kPull ||
                             m.type == Type::kPresence || m.type == Type::kCredit ||
                             m.type == Type::kHeartbeat || m.type == Type::kBye;
    if (!worker_type) {
      throw ProtocolError(Code::kUnknownType,
                          std::string(protocol::to_string(m.type)) + " is not a worker message");
    }
    if (it == sessions_.end()) {
      throw ProtocolError(Code::kNotRegistered, "no session for this peer: send HELLO first");
    }
    Session& s = *it->second;
    s.last_heard = Monotonic::now();
    switch (m.type) {
      case Type::kHeartbeat:
      case Type::kCredit:
        add_credit(s, m.body);
        return;
      case Type::kBye: {
        const bool release = protocol::optional_bool(m.body, "release", false);
        // Offers return now; assigned cases stay for lease_ms unless released.
        for (std::uint32_t slot = 0; slot < matcher_.index().size(); ++slot) {
          const auto& rec = matcher_.index().record(slot);
          if (rec.officer == kNoOfficer || !held(rec.state) || session_of_[rec.officer] != s.peer)
            continue;
          if (rec.state == CaseState::kOffered || release) {
            auto t = transition(store::Op::kLeaseExpiry, slot, "scheduler");
            t.detail = "worker said goodbye";
            batch.transitions.push_back(std::move(t));
            Batch::Reply r;
            Item item;
            item.kind = Item::Kind::kDecline;
            item.receipt = ReceiptNumber::from_packed(rec.receipt);
            item.receipt_text = item.receipt.str();
            item.officer = rec.officer;
            item.before = rec.state;
            item.tracked = true;
            item.transition = batch.transitions.size() - 1;
            r.items.push_back(std::move(item));
            batch.replies.push_back(std::move(r));  // No peer: nobody is answered.
          }
        }
        for (OfficerId o : s.officers) {
          unplay(o);
        }
        spdlog::info("worker session {} said goodbye ({} officers)", s.id, s.officers.size());
        sessions_.erase(it);
        if (metrics_) metrics_->workers_connected.Set(static_cast<double>(sessions_.size()));
        return;
      }
      case Type::kPresence: {
        const auto officer = protocol::require_string(m.body, "officer");
        const auto p = parse_presence(protocol::require_string(m.body, "presence"));
        if (!p)
          throw ProtocolError(Code::kBadRequest,
                              "field 'presence': expected available, away or offline");
        const auto id = matcher_.find_officer(officer);
        if (!id || session_of_[*id] != s.peer) {
          throw ProtocolError(Code::kUnknownOfficer,
                              "officer " + officer + " is not played on this connection");
        }
        declared_presence_[*id] = *p;
        set_effective_presence(*id);
        add_credit(s, m.body);
        send(in.peer, Message{Type::kResult, {{"re", re ? *re : json()}, {"ok", true}}});
        return;
      }
      case Type::kPull: {
        const auto officer = protocol::require_string(m.body, "officer");
        const auto id = matcher_.find_officer(officer);
        if (!id || session_of_[*id] != s.peer) {
          throw ProtocolError(Code::kUnknownOfficer,
                              "officer " + officer + " is not played on this connection");
        }
        add_credit(s, m.body);
        const int before = matcher_.officer(*id).load;
        round_due_ = true;
        round_due_at_ = Monotonic::now();
        // The officer asks for work now: this round does not wait out the short-round gap, so
        // that the answer counts what it offered.
        last_short_round_ = {};
        run_round();
        finish();  // The officer learns how many offers the round recorded for them.
        send(in.peer, Message{Type::kResult,
                              {{"re", re ? *re : json()},
                               {"offered", std::max(0, matcher_.officer(*id).load - before)}}});
        return;
      }
      default:
        break;
    }
    // ACCEPT, DECLINE, DECIDE: items for the store.
    const bool decide = m.type == Type::kDecide;
    const char* list = decide ? "decisions" : "offers";
    const auto& arr = protocol::require_array(m.body, list);
    Batch::Reply reply;
    reply.peer = in.peer;
    reply.re = re ? *re : json();
    reply.items.reserve(arr.size());
    std::vector<store::Transition> ts;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const auto path = protocol::item_path(list, i);
      Item item;
      item.kind = decide                    ? Item::Kind::kDecide
                  : m.type == Type::kAccept ? Item::Kind::kAccept
                                            : Item::Kind::kDecline;
      item.receipt_text = protocol::require_string(arr[i], "receipt", path);
      const std::int64_t epoch = protocol::require_int(arr[i], "epoch", path);
      const auto r = ReceiptNumber::parse(item.receipt_text);
      if (!r)
        throw ProtocolError(Code::kBadRequest, "field '" + path + ".receipt': " +
                                                   ReceiptNumber::parse_error(item.receipt_text));
      item.receipt = *r;
      if (decide) {
        item.outcome = protocol::require_string(arr[i], "outcome", path);
        if (item.outcome != "approve" && item.outcome != "deny" && item.outcome != "rfe" &&
            item.outcome != "refer" && item.outcome != "transfer") {
          throw ProtocolError(
              Code::kBadRequest,
              "field '" + path +
                  ".outcome': expected approve, deny, rfe, refer or transfer, got '" +
                  item.outcome + "'");
        }
        if (item.outcome == "transfer") {
          item.to = protocol::require_string(arr[i], "to", path);
          if (!catalog_.find_center(item.to))
            throw ProtocolError(Code::kBadRequest,
                                "field '" + path + ".to': unknown center '" + item.to + "'");
        }
      } else {
        item.recuse = protocol::optional_bool(arr[i], "recuse", false, path);
      }
      const std::string note =
          protocol::optional_string(arr[i], decide ? "note" : "reason", {}, path);
      store::Transition t;
      t.receipt = *r;
      t.epoch = epoch;
      t.detail = note;
      if (auto slot = slot_of(*r)) {
        const auto& rec = matcher_.index().record(*slot);
        item.tracked = true;
        item.before = rec.state;
        item.senior = rec.senior_review;
        t.center = catalog_.center(rec.center).code;
        if (rec.officer != kNoOfficer && session_of_[rec.officer] == in.peer)
          item.officer = rec.officer;
      } else if (auto c = catalog_.center_for_prefix(r->prefix())) {
        t.center = catalog_.center(*c).code;  // A resent decision about a case already decided.
      }
      // The holder is the session's officer holding the case; a stranger is refused by the store.
      t.officer = item.officer != kNoOfficer ? matcher_.officer(item.officer).id : std::string("?");
      t.actor = t.officer;
      if (item.kind == Item::Kind::kAccept) {
        t.op = store::Op::kAccept;
      } else if (item.kind == Item::Kind::kDecline) {
        t.op = store::Op::kDecline;
      } else {
        if (item.outcome == "approve" || item.outcome == "deny") {
          t.op = item.senior ? store::Op::kQaReview : store::Op::kDecide;
          t.arg = item.outcome;
        } else if (item.outcome == "rfe") {
          t.op = store::Op::kRfeOut;
        } else {
          t.op = store::Op::kHold;  // refer; and the first step of an officer's transfer.
          if (t.detail.empty())
            t.detail = item.outcome == "refer" ? "referred" : "transfer to " + item.to;
        }
        // A decision sent again gets the first answer and changes nothing (invariant 3).
        t.idempotency_key =
            "w:" + item.outcome + ":" + item.receipt_text + ":" + std::to_string(epoch);
      }
      if (t.center.empty()) {
        item.error = {{"receipt", item.receipt_text},
                      {"ok", false},
                      {"code", "unknown_case"},
                      {"message", "no such case"}};
      } else {
        item.transition = ts.size();
        ts.push_back(std::move(t));
      }
      reply.items.push_back(std::move(item));
    }
    add_credit(s, m.body);
    reply.credit = protocol::optional_int(m.body, "credit", 0);
    // Only a message read whole goes to the store, so a bad item refuses its message alone.
    const std::size_t base = batch.transitions.size();
    for (auto& item : reply.items) {
      if (item.transition != SIZE_MAX) item.transition += base;
    }
    for (auto& t : ts) batch.transitions.push_back(std::move(t));
    batch.replies.push_back(std::move(reply));
  } catch (const ProtocolError& e) {
    reply_error(in.peer, e.code(), e.what(), re, false);
  }
}

void Dispatcher::add_credit(Session& s, const json& body) {
  const std::int64_t more = protocol::optional_int(body, "credit", 0);
  if (more < 0) throw ProtocolError(Code::kBadRequest, "field 'credit': must not be negative");
  if (more == 0) return;
  const bool was_empty = s.credit <= 0;
  s.credit = std::min<std::int64_t>(s.credit + more, 1'000'000);
  if (was_empty) {
    for (OfficerId o : s.officers) set_effective_presence(o);
  }
  round_soon();
}

void Dispatcher::set_effective_presence(OfficerId id) {
  Presence p = Presence::kOffline;
  if (!session_of_[id].empty()) {
    auto it = sessions_.find(session_of_[id]);
    if (it != sessions_.end())
      p = it->second->credit > 0 ? declared_presence_[id] : Presence::kAway;
  }
  if (matcher_.officer(id).presence != p) {
    matcher_.set_presence(id, p);
    if (p == Presence::kAvailable) round_soon();
  }
}

void Dispatcher::leave_session(OfficerId id) {
  auto& peer = session_of_[id];
  if (peer.empty()) return;
  if (auto it = sessions_.find(peer); it != sessions_.end()) {
    auto& v = it->second->officers;
    v.erase(std::remove(v.begin(), v.end(), id), v.end());
    if (v.empty()) {
      sessions_.erase(it);
      if (metrics_) metrics_->workers_connected.Set(static_cast<double>(sessions_.size()));
    }
  }
  unplay(id);
}

void Dispatcher::unplay(OfficerId id) {
  session_of_[id].clear();
  set_effective_presence(id);
}

void Dispatcher::hello(const std::string& peer, const json& body) {
  const auto& officers = protocol::require_array(body, "officers");
  if (officers.empty() || officers.size() > kMaxOfficersPerHello) {
    throw ProtocolError(Code::kBadRequest, "field 'officers': expected 1 to 10000 officers");
  }
  const std::int64_t credit = protocol::optional_int(body, "credit", 0);
  if (credit < 0) throw ProtocolError(Code::kBadRequest, "field 'credit': must not be negative");
  // A peer that says HELLO again starts over (its officers stay its own).
  auto s = std::make_unique<Session>();
  s->peer = peer;
  s->id = "w-" + std::to_string(next_session_++);
  s->credit = credit;
  s->last_heard = s->last_sent = Monotonic::now();
  json accepted = json::array();
  json rejected = json::array();
  std::vector<std::pair<OfficerId, Presence>> taking;
  for (std::size_t i = 0; i < officers.size(); ++i) {
    const auto path = protocol::item_path("officers", i);
    const auto name = protocol::require_string(officers[i], "officer", path);
    const auto p =
        parse_presence(protocol::optional_string(officers[i], "presence", "available", path));
    if (!p)
      throw ProtocolError(Code::kBadRequest,
                          "field '" + path + ".presence': expected available, away or offline");
    const auto id = matcher_.find_officer(name);
    if (!id || matcher_.officer(*id).removed) {
      rejected.push_back({{"officer", name},
                          {"code", "unknown_officer"},
                          {"message", id ? "removed from the roster" : "not on the roster"}});
      continue;
    }
    taking.emplace_back(*id, *p);
  }
  if (taking.empty())
    throw ProtocolError(Code::kUnknownOfficer, "none of the officers is on the roster");
  for (const auto& [id, p] : taking) {
    // A desk that restarted takes its officer back from its old session.
    if (session_of_[id] != peer) leave_session(id);
    session_of_[id] = peer;
    declared_presence_[id] = p;
    s->officers.push_back(id);
    const Officer& o = matcher_.officer(id);
    accepted.push_back({{"officer", o.id},
                        {"center", catalog_.center(o.center).code},
                        {"capacity", o.capacity},
                        {"senior", o.senior}});
  }
  // What the worker believes it holds, against what the index says.
  std::unordered_set<std::uint64_t> claimed;
  json lost = json::array();
  if (body.contains("leases")) {
    const auto& leases = protocol::require_array(body, "leases");
    for (std::size_t i = 0; i < leases.size(); ++i) {
      const auto text =
          protocol::require_string(leases[i], "receipt", protocol::item_path("leases", i));
      const auto epoch =
          protocol::require_int(leases[i], "epoch", protocol::item_path("leases", i));
      const auto r = ReceiptNumber::parse(text);
      const auto slot = r ? slot_of(*r) : std::nullopt;
      const bool ours = slot && held(matcher_.index().record(*slot).state) &&
                        session_of_[matcher_.index().record(*slot).officer] == peer &&
                        matcher_.index().record(*slot).epoch == static_cast<std::uint32_t>(epoch);
      if (!ours) lost.push_back({{"receipt", text}, {"reason", "lease_expired"}});
    }
  }
  json resumed = json::array();
  for (std::uint32_t slot = 0; slot < matcher_.index().size(); ++slot) {
    const auto& rec = matcher_.index().record(slot);
    if (rec.officer != kNoOfficer && held(rec.state) && session_of_[rec.officer] == peer) {
      resumed.push_back(case_json(catalog_, matcher_, slot));
    }
  }
  if (auto old = sessions_.find(peer); old != sessions_.end()) {
    // Officers the peer played and does not name again are no longer played: their cases are
    // orphans, which the sweep reclaims unless a desk takes the officer back within a lease.
    for (OfficerId o : old->second->officers) {
      if (std::find(s->officers.begin(), s->officers.end(), o) != s->officers.end()) continue;
      unplay(o);
    }
    sessions_.erase(old);
  }
  Session& ref = *s;
  sessions_[peer] = std::move(s);
  for (OfficerId id : ref.officers) set_effective_presence(id);
  if (metrics_) metrics_->workers_connected.Set(static_cast<double>(sessions_.size()));
  spdlog::info("worker session {} registered {} officers ({} rejected, {} cases resumed)", ref.id,
               ref.officers.size(), rejected.size(), resumed.size());
  send(peer, Message{Type::kWelcome,
                     {{"re", body.contains("id") ? body["id"] : json()},
                      {"session", ref.id},
                      {"heartbeat_ms", options_.heartbeat_ms},
                      {"lease_ms", options_.lease_ms()},
                      {"offer_timeout_ms", options_.offer_timeout_ms},
                      {"max_message_bytes", options_.channel.max_message_bytes},
                      {"officers", std::move(accepted)},
                      {"rejected", std::move(rejected)},
                      {"resumed", std::move(resumed)},
                      {"lost", std::move(lost)}}});
  round_due_ = false;
  round_soon();
}

void Dispatcher::send_batch(std::shared_ptr<Batch> batch) {
  if (batch->replies.empty()) return;
  send_ahead(
      batch->transitions,
      [this, batch](std::vector<store::TransitionResult>& results) {
        answer_batch(*batch, results);
      },
      [this, batch](const Error& e) {
        if (const auto* io = dynamic_cast<const IoError*>(&e)) batch_unreachable(*batch, *io);
      });
}

void Dispatcher::batch_unreachable(Batch& batch, const IoError& e) {
  // Nothing is lost: the workers keep their items and send them again (docs/protocol.md). The
  // call may have run all the same (it timed out after it was sent, and Redis ran it later):
  // the store answers a repeated decision with its first answer.
  ++stats_.store_outages;
  spdlog::error("state of record unreachable; {} worker messages answered 'unavailable': {}",
                batch.replies.size(), e.what());
  for (auto& r : batch.replies) {
    // The worker sends the message again with its credit (docs/protocol.md): counted once.
    if (auto it = sessions_.find(r.peer); r.credit > 0 && it != sessions_.end()) {
      Session& s = *it->second;
      const bool had = s.credit > 0;
      s.credit -= r.credit;
      if (had && s.credit <= 0) {
        for (OfficerId o : s.officers) set_effective_presence(o);
      }
    }
    if (!r.peer.empty())
      reply_error(r.peer, Code::kUnavailable,
                  "the state of record cannot be reached; send the items again (a call cut off "
                  "after it was sent may still have been recorded, and a repeat is answered as "
                  "the first)",
                  &r.re, false);
  }
}

void Dispatcher::answer_batch(Batch& batch, std::vector<store::TransitionResult>& results) {
  std::vector<store::Transition> follow;
  std::vector<std::pair<ReceiptNumber, std::string>> transfers;  // receipt, destination
  const auto now = Monotonic::now();
  // RESULT bodies are written as text: {"re":...,"results":[...]}, each item as the JSON
  // object it stands for would serialise (sorted keys).
  std::string body;
  for (auto& reply : batch.replies) {
    body.assign("{\"re\":");
    body += reply.re.dump(-1, ' ', false, json::error_handler_t::replace);
    body += ",\"results\":[";
    bool first = true;
    const auto add = [&](const json& entry) {
      if (!first) body += ',';
      first = false;
      body += entry.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    const auto add_applied = [&](const Item& item, const store::TransitionResult& res,
                                 bool duplicate) {
      if (!first) body += ',';
      first = false;
      body += duplicate ? "{\"duplicate\":true,\"epoch\":" : "{\"epoch\":";
      append_json_number(body, res.epoch);
      body += ",\"ok\":true,\"receipt\":";
      append_json_string(body, item.receipt_text);
      body += ",\"state\":";
      append_json_string(body, to_string(res.state));
      body += '}';
    };
    for (auto& item : reply.items) {
      if (!item.error.is_null()) {
        add(item.error);
        continue;
      }
      const auto& res = results[item.transition];
      if (!res.ok()) {
        ++stats_.store_refusals;
        add({{"receipt", item.receipt_text},
             {"ok", false},
             {"code", code_of(res.status)},
             {"message", res.message}});
        // The index may be behind the store (a lapse, an earlier outage): read the case back.
        if (item.tracked) resync(batch.transitions[item.transition].center, item.receipt);
        continue;
      }
      const auto slot = slot_of(item.receipt);
      // A repeat of an answer already applied changes nothing in the index, except an ACCEPT
      // whose first answer never came back (its call was cut off after it ran): the index
      // still shows the offer, and learns the acceptance now.
      const bool repeated = res.status == store::TransitionResult::Status::kDuplicate;
      const bool fresh =
          (!repeated || (item.kind == Item::Kind::kAccept && slot &&
                         matcher_.index().record(*slot).state == CaseState::kOffered)) &&
          slot && item.officer != kNoOfficer && held(item.before) &&
          matcher_.index().record(*slot).officer == item.officer &&
          held(matcher_.index().record(*slot).state);
      if (!fresh) {
        if (reply.peer.empty() && slot) {
          // A goodbye's reclaim: the case goes back to its queue.
          requeue(item.receipt, res.epoch, true);
          outcome(*slot, metrics::OfferOutcome::kLeaseExpired);
          note(*slot, item.before);
          ++stats_.reclaimed;
          add_applied(item, res, false);
        } else {
          add_applied(item, res, true);
        }
        continue;
      }
      auto& rec = matcher_.index().record(*slot);
      switch (item.kind) {
        case Item::Kind::kAccept:
          rec.state = CaseState::kAssigned;
          rec.epoch = static_cast<std::uint32_t>(res.epoch);
          ++stats_.accepted;
          outcome(*slot, metrics::OfferOutcome::kAccepted);
          note(*slot, CaseState::kOffered);
          if (auto it = offered_at_.find(item.receipt.packed()); it != offered_at_.end()) {
            if (metrics_)
              metrics_->offer_latency.Observe(
                  std::chrono::duration<double>(now - it->second).count());
            offered_at_.erase(it);
          }
          break;
        case Item::Kind::kDecline:
          offered_at_.erase(item.receipt.packed());
          if (reply.peer.empty()) {
            ++stats_.reclaimed;
          } else {
            ++stats_.declined;
          }
          requeue(item.receipt, res.epoch, true, item.recuse);
          outcome(*slot, reply.peer.empty() ? metrics::OfferOutcome::kLeaseExpired : metrics::OfferOutcome::kDeclined);
          note(*slot, item.before);
          break;
        case Item::Kind::kDecide:
          after_decision(item.receipt, item.officer, item.outcome, res.epoch, follow);
          if (item.outcome == "transfer") transfers.emplace_back(item.receipt, item.to);
          break;
      }
      add_applied(item, res, repeated);
    }
    body += "]}";
    if (!reply.peer.empty()) send_body(reply.peer, Type::kResult, body);
  }
  // Sent ahead like any other call: waiting for it here would hold the loop until Redis had
  // run every call queued before it (a wave's decisions and offers, 100 ms under load).
  if (!follow.empty()) sample(std::move(follow));
  for (const auto& [r, to] : transfers) {
    auto slot = slot_of(r);
    if (!slot) continue;
    const auto& rec = matcher_.index().record(*slot);
    const std::string from = catalog_.center(rec.center).code;
    try {
      const auto res = store_.transfer(from, r, rec.epoch, to, "scheduler",
                                       "w:transfer:" + r.str() + ":" + std::to_string(rec.epoch));
      if (!res.ok()) {
        spdlog::warn("transfer of {} to {} refused: {}; the case stays on hold", r.str(), to,
                     res.message);
        continue;
      }
      Case c = matcher_.index().to_case(*slot);
      c.center = *catalog_.find_center(to);
      c.state = res.state;
      c.officer = kNoOfficer;
      c.epoch = static_cast<std::uint64_t>(res.epoch);
      note(matcher_.index().to_case(*slot), CaseState::kOnHold, CaseState::kTransferred);
      matcher_.forget(r);
      matcher_.restore(c);
      note(c, CaseState::kTransferred, c.state);
      ++stats_.transferred;
    } catch (const IoError& e) {
      spdlog::error(
          "transfer of {} to {} cut short (it stays on hold; the next start finishes it): {}",
          r.str(), to, e.what());
    }
  }
}

void Dispatcher::sample(std::vector<store::Transition> samples) {
  auto held = std::make_shared<std::vector<store::Transition>>(std::move(samples));
  send_ahead(
      *held,
      [this, held](std::vector<store::TransitionResult>& res) { record_qa_samples(*held, res); },
      [this, held](const Error& e) {
        if (!dynamic_cast<const IoError*>(&e)) {
          spdlog::error("QA sampling of {} decided cases not recorded: {}", held->size(), e.what());
          return;
        }
        // The decisions stand, and the samples are sent again until the store answers. The
        // call may have run with its answer lost: sent again, it answers as it did (each
        // sample has its idempotency key), so a review the store holds is never left
        // untracked.
        spdlog::error(
            "QA sampling of {} decided cases deferred, store unreachable (sent again "
            "in {} ms): {}",
            held->size(), kSampleRetry.count(), e.what());
        unsampled_.insert(unsampled_.end(), held->begin(), held->end());
        next_sample_retry_ = Monotonic::now() + kSampleRetry;
      });
}

void Dispatcher::record_qa_samples(const std::vector<store::Transition>& samples,
                                   std::vector<store::TransitionResult>& res) {
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto r = samples[i].receipt;
    const auto slot = slot_of(r);
    // The index's copy still waits for this sample: decided, at the epoch the sample expected.
    // While a sample waited for the store, a refused message naming the case may have read it
    // back: forgotten (the store showed it decided) or restored (Redis had run the sample).
    const bool waiting =
        slot && matcher_.index().record(*slot).state == CaseState::kDecided &&
        matcher_.index().record(*slot).epoch == static_cast<std::uint32_t>(samples[i].epoch);
    if (!res[i].ok()) {
      spdlog::warn("QA sampling of {} refused: {}", r.str(), res[i].message);
      if (waiting) matcher_.forget(r);
      continue;
    }
    if (!waiting) {
      // A read-back restored it as the store holds it (resync() noted the move).
      if (slot) {
        ++stats_.qa_sampled;
        continue;
      }
      bool unreachable = false;
      const auto stored = read_back(samples[i].center, r, &unreachable);
      if (unreachable) {
        // Sent again later: its key answers the same, and the case is read back then.
        unsampled_.push_back(samples[i]);
        next_sample_retry_ = Monotonic::now() + kSampleRetry;
        continue;
      }
      if (!stored) {
        spdlog::warn("QA sample of {} recorded, but the store no longer holds the case", r.str());
        continue;
      }
      ++stats_.qa_sampled;
      if (!restore_stored(r, *stored)) continue;
      note(matcher_.index().to_case(*slot_of(r)), CaseState::kDecided, stored->state);
      continue;
    }
    Case c = matcher_.index().to_case(*slot);
    c.state = CaseState::kQaReview;
    c.senior_review = true;
    c.officer = kNoOfficer;
    c.epoch = static_cast<std::uint64_t>(res[i].epoch);
    if (auto decider = matcher_.find_officer(samples[i].officer)) {
      if (std::find(c.excluded.begin(), c.excluded.end(), *decider) == c.excluded.end())
        c.excluded.push_back(*decider);
    }
    matcher_.restore(c);
    note(c, CaseState::kDecided, CaseState::kQaReview);
    ++stats_.qa_sampled;
  }
  round_soon();  // The sampled cases wait for a senior officer.
}

void Dispatcher::round_soon() {
  if (round_due_) return;
  round_due_ = true;
  // Full rounds are round_delay_ms apart at least, so that the changes arriving in between are
  // planned together; a change after a quiet spell is planned at once. A delay counted from
  // the change instead held back the offers for the credit a burst of decisions brought, until
  // the decisions were sent to Redis ahead of them.
  round_due_at_ = std::max(Monotonic::now(),
                           last_planned_ + std::chrono::milliseconds(options_.round_delay_ms));
}

void Dispatcher::after_decision(ReceiptNumber r, OfficerId officer, const std::string& outcome,
                                std::int64_t epoch, std::vector<store::Transition>& follow) {
  // The officer's slot is free again: the round that fills it must not wait for the next
  // message or the periodic round (a round planned while this decision's call was still out
  // could not use the slot).
  round_soon();
  auto slot = *slot_of(r);
  Case c = matcher_.index().to_case(slot);
  offered_at_.erase(r.packed());
  c.officer = kNoOfficer;
  c.epoch = static_cast<std::uint64_t>(epoch);
  if (outcome == "approve" || outcome == "deny") {
    ++stats_.decided;
    const auto now = clock_.now();
    if (now > c.deadline) ++stats_.decided_late;
    note(c, CaseState::kAssigned, CaseState::kDecided);
    if (agency_) {
      if (!c.senior_review) {
        agency_->on_completion(c.center, c.form, outcome == "approve" ? Outcome::kApprove : Outcome::kDeny,
                               std::chrono::duration_cast<Seconds>(now - c.received));
      }
      // A miss is counted once, by the watch: at the sweep after the deadline passed, or here
      // when it passed since. A QA review's decision is not the case's.
      if (!c.senior_review)
        agency_->deadlines().closed(c.receipt.packed(), c.center, c.form, c.priority, c.deadline,
                                    now);
    }
    cycle_days_.push_back(std::chrono::duration<double>(now - c.received).count() / 86'400.0);
    if (cycle_days_.size() > DispatchStats::kWindow) cycle_days_.pop_front();
    const FormPolicy& form = catalog_.form(c.form);
    const bool sample = !c.senior_review && form.qa_sample_rate > 0 &&
                        std::uniform_real_distribution<double>(0, 1)(rng_) < form.qa_sample_rate;
    if (sample) {
      // The case stays in the index (not queued) until the sample is recorded. Restoring it
      // releases the decider's slot, since the index shows the decider holding it.
      c.state = CaseState::kDecided;
      matcher_.restore(c);
      store::Transition t;
      t.op = store::Op::kQaSample;
      t.receipt = r;
      t.center = catalog_.center(c.center).code;
      t.epoch = epoch;
      t.actor = "scheduler";
      t.officer = matcher_.officer(officer).id;  // The decider, excluded from the review.
      t.idempotency_key = "s:qa:" + r.str() + ":" + std::to_string(epoch);
      follow.push_back(std::move(t));
    } else {
      matcher_.release(officer);
      matcher_.forget(r);
    }
    return;
  }
  if (outcome == "rfe") {
    ++stats_.rfe;
    c.state = CaseState::kRfePending;
    c.preferred_officer = officer;  // The response comes back to this officer when present.
    if (on_rfe) on_rfe(r);
  } else {
    ++stats_.referred;
    c.state = CaseState::kOnHold;
  }
  matcher_.restore(c);  // Releases the officer's slot.
  note(c, CaseState::kAssigned, c.state);
}

void Dispatcher::requeue(ReceiptNumber r, std::int64_t epoch, bool clear_officer, bool recuse) {
  auto slot = slot_of(r);
  if (!slot) return;
  Case c = matcher_.index().to_case(*slot);
  const OfficerId was = c.officer;
  c.state = c.senior_review ? CaseState::kQaReview : CaseState::kQueued;
  if (clear_officer) c.officer = kNoOfficer;
  c.epoch = static_cast<std::uint64_t>(epoch);
  if (recuse && was != kNoOfficer &&
      std::find(c.excluded.begin(), c.excluded.end(), was) == c.excluded.end()) {
    c.excluded.push_back(was);
  }
  matcher_.restore(c);
  round_soon();
}

void Dispatcher::lose(OfficerId officer, ReceiptNumber r, const char* reason) {
  if (officer == kNoOfficer || session_of_[officer].empty()) return;
  send(session_of_[officer],
       Message{Type::kLeaseLost, {{"cases", {{{"receipt", r.str()}, {"reason", reason}}}}}});
}

void Dispatcher::with_roster_presence(const std::function<void()>& f) {
  finish();  // Plans count what the store has recorded.
  const auto n = matcher_.officers().size();
  std::vector<Presence> live(n);
  for (OfficerId id = 0; id < n; ++id) {
    live[id] = matcher_.officer(id).presence;
    matcher_.set_presence(id, declared_presence_[id]);
  }
  struct Restore {
    matching::Matcher& m;
    const std::vector<Presence>& p;
    ~Restore() {
      for (OfficerId id = 0; id < p.size(); ++id) m.set_presence(id, p[id]);
    }
  } restore{matcher_, live};
  f();
}

// ---------------------------------------------------------------------------------------------
// Agency metrics.

void Dispatcher::set_agency_metrics(metrics::AgencyMetrics* agency) {
  agency_ = agency;
  if (!agency_) return;
  const auto& idx = matcher_.index();
  const auto now = clock_.now().time_since_epoch().count();
  for (std::uint32_t slot = 0; slot < idx.slots(); ++slot) {
    const auto& rec = idx.record(slot);
    if (rec.receipt == 0 || rec.state == CaseState::kDecided) continue;  // Free slots are kDecided.
    agency_->on_transition(rec.center, rec.form, CaseState::kReceived, rec.state);
    // Late before this process watched: counted by the one that saw the deadline pass.
    if (rec.deadline < now) agency_->deadlines().already_late(rec.receipt);
  }
  refresh_agency();
}

void Dispatcher::note(std::uint32_t slot, CaseState from) {
  if (!agency_) return;
  const auto& rec = matcher_.index().record(slot);
  agency_->on_transition(rec.center, rec.form, from, rec.state);
}

void Dispatcher::note(const Case& c, CaseState from, CaseState to) {
  if (agency_) agency_->on_transition(c.center, c.form, from, to);
}

void Dispatcher::outcome(std::uint32_t slot, metrics::OfferOutcome o) {
  if (agency_) agency_->on_offer_outcome(matcher_.index().record(slot).center, o);
}

void Dispatcher::refresh_agency() {
  // At risk: queued with less slack than the threshold; deadline misses: undecided cases past
  // their deadline (a QA review follows a decision). One pass over the index a second; free
  // slots are kDecided.
  const auto& catalog = catalog_;
  std::vector<std::int64_t> risk(catalog.centers().size() * catalog.forms().size(), 0);
  const auto now = clock_.now();
  const auto& idx = matcher_.index();
  metrics::DeadlineWatch& deadlines = agency_->deadlines();
  deadlines.begin_sweep(now);
  for (std::uint32_t slot = 0; slot < idx.slots(); ++slot) {
    const auto& rec = idx.record(slot);
    if (rec.receipt == 0 || rec.state == CaseState::kDecided) continue;
    // Not the store's yet, or not at all (its offer's answer drops it).
    if (!ahead_.empty() && ahead_.count(rec.receipt)) continue;
    if (!unrecorded_.empty() && unrecorded_.count(rec.receipt)) continue;
    if (!rec.senior_review && rec.state != CaseState::kQaReview &&
        rec.state != CaseState::kTransferred && rec.state != CaseState::kReceived) {
      deadlines.open_case(rec.receipt, rec.center, rec.form, rec.priority,
                          TimePoint(Seconds(rec.deadline)));
    }
    if (rec.state != CaseState::kQueued && rec.state != CaseState::kQaReview) continue;
    if (matching::Matcher::slack_days(rec.deadline, now) < options_.at_risk_slack_days) {
      ++risk[rec.center * catalog.forms().size() + rec.form];
    }
  }
  deadlines.end_sweep();
  for (CenterId c = 0; c < catalog.centers().size(); ++c) {
    for (FormId f = 0; f < catalog.forms().size(); ++f) {
      const auto n = risk[c * catalog.forms().size() + f];
      if (n > 0 || agency_at_risk_seen_.count(c * catalog.forms().size() + f)) {
        agency_->set_at_risk(c, f, n);
        agency_at_risk_seen_.insert(c * catalog.forms().size() + f);
      }
    }
  }
  agency_->set_officers(matcher_.officers());
  agency_->tick();
}

// ---------------------------------------------------------------------------------------------
// Timers: offer timeouts, silent sessions, heartbeats.

void Dispatcher::check_timers() {
  const auto now = Monotonic::now();
  // Timers act on cases the calls still out may have moved (an ACCEPT against its offer's
  // timeout): those calls are answered first, when a timer acts. Only then: the periodic check
  // runs every heartbeat / 4, and waiting for Redis there would hold the loop (and every desk's
  // messages) behind whatever Redis is running.
  while (!offer_timeouts_.empty() && offer_timeouts_.top().at <= now &&
         !offer_live(offer_timeouts_.top()))
    offer_timeouts_.pop();
  if (!offer_timeouts_.empty() && offer_timeouts_.top().at <= now) finish();
  // Offer timeouts, earliest first; an entry whose case moved on is stale and skipped.
  std::vector<store::Transition> timeouts;
  std::vector<OfficerId> holders;
  while (!offer_timeouts_.empty() && offer_timeouts_.top().at <= now) {
    const PendingOffer p = offer_timeouts_.top();
    offer_timeouts_.pop();
    if (!offer_live(p)) continue;
    const auto r = ReceiptNumber::from_packed(p.receipt);
    auto slot = slot_of(r);
    const auto& rec = matcher_.index().record(*slot);
    auto t = transition(store::Op::kOfferTimeout, *slot, "scheduler");
    t.detail = "offer not answered in " + std::to_string(options_.offer_timeout_ms) + " ms";
    timeouts.push_back(std::move(t));
    holders.push_back(rec.officer);
  }
  if (!timeouts.empty()) {
    try {
      const auto res = store_.apply(timeouts);
      for (std::size_t i = 0; i < timeouts.size(); ++i) {
        if (!res[i].ok()) {
          // The index is behind the store (a call whose answer was lost moved the case).
          spdlog::warn("offer timeout of {} refused: {}", timeouts[i].receipt.str(),
                       res[i].message);
          if (!resync(timeouts[i].center, timeouts[i].receipt)) {
            offer_timeouts_.push({now + std::chrono::seconds(1), timeouts[i].receipt.packed(),
                                  static_cast<std::uint32_t>(timeouts[i].epoch)});
          }
          continue;
        }
        offered_at_.erase(timeouts[i].receipt.packed());
        lose(holders[i], timeouts[i].receipt, "offer_timeout");
        requeue(timeouts[i].receipt, res[i].epoch, true);
        if (auto slot = slot_of(timeouts[i].receipt)) {
          outcome(*slot, metrics::OfferOutcome::kTimedOut);
          note(*slot, CaseState::kOffered);
        }
        ++stats_.timed_out;
      }
    } catch (const IoError& e) {
      // The offers stay out; their timeouts are tried again on the next check.
      spdlog::error("offer timeouts postponed, store unreachable: {}", e.what());
      for (std::size_t i = 0; i < timeouts.size(); ++i) {
        offer_timeouts_.push({now + std::chrono::seconds(1), timeouts[i].receipt.packed(),
                              static_cast<std::uint32_t>(timeouts[i].epoch)});
      }
    }
  }
  if (!unsampled_.empty() && now >= next_sample_retry_) sample(std::exchange(unsampled_, {}));
  if (agency_ && now >= next_agency_tick_) {
    next_agency_tick_ = now + std::chrono::seconds(1);
    refresh_agency();
  }
  if (now < next_timer_check_) return;
  next_timer_check_ = now + std::chrono::milliseconds(std::max(10, options_.heartbeat_ms / 4));
  std::vector<std::string> silent;
  const auto lease = std::chrono::milliseconds(options_.lease_ms());
  const auto beat = std::chrono::milliseconds(options_.heartbeat_ms);
  for (auto& [peer, s] : sessions_) {
    // Silent means nothing came from the session for a lease before the socket was last read
    // to the end: a loop held up (a store call waiting out a stalled Redis) has not read the
    // heartbeats that came meanwhile, and must not count them as missed.
    if (workers_read_ - s->last_heard > lease) {
      silent.push_back(peer);
    } else if (now - s->last_sent >= beat) {
      send(peer, Message{Type::kHeartbeat, {}});
    }
  }
  if (!silent.empty()) finish();
  for (const auto& peer : silent) expire_session(peer, "lease_expired");
  if (now >= next_orphan_sweep_) {
    next_orphan_sweep_ = now + lease;
    reclaim_orphans();
  }
}

void Dispatcher::reclaim_orphans() {
  // The sweep reads the index as it is, calls still out or not: noting a case costs nothing, and
  // only when one is due to be reclaimed are those calls answered first (one of them may have
  // moved it), and the index read again.
  for (int pass = 0;; ++pass) {
    if (sweep_orphans(/*reclaim=*/pass > 0 || outstanding_.empty())) return;
    finish();
  }
}

bool Dispatcher::sweep_orphans(bool reclaim_now) {
  std::unordered_map<std::uint64_t, std::int64_t> seen;
  std::vector<store::Transition> ts;
  for (std::uint32_t slot = 0; slot < matcher_.index().size(); ++slot) {
    const auto& rec = matcher_.index().record(slot);
    if (rec.receipt == 0 || rec.officer == kNoOfficer || !held(rec.state) ||
        !session_of_[rec.officer].empty()) {
      continue;
    }
    if (auto it = orphans_.find(rec.receipt); it != orphans_.end() && it->second == rec.epoch) {
      auto t = transition(store::Op::kLeaseExpiry, slot, "scheduler");
      t.detail = "no session has played officer " + matcher_.officer(rec.officer).id + " for " +
                 std::to_string(options_.lease_ms()) + " ms";
      ts.push_back(std::move(t));
    } else {
      seen.emplace(rec.receipt, rec.epoch);
    }
  }
  if (!ts.empty() && !reclaim_now) return false;
  if (!ts.empty()) {
    if (!reclaim(ts)) {
      // Try again at the next sweep: keep them noted.
      for (const auto& t : ts) seen.emplace(t.receipt.packed(), t.epoch);
    } else {
      spdlog::warn("{} held cases of officers no session plays reclaimed", ts.size());
    }
  }
  orphans_ = std::move(seen);
  return true;
}

bool Dispatcher::reclaim(const std::vector<store::Transition>& ts) {
  try {
    expire_leases(ts, nullptr);
  } catch (const IoError& e) {
    spdlog::error("{} leases cannot be reclaimed yet, store unreachable: {}", ts.size(), e.what());
    return false;
  }
  return true;
}

std::vector<store::Transition> Dispatcher::held_by(OfficerId id, const std::string& actor,
                                                   const std::string& detail) const {
  std::vector<store::Transition> ts;
  const auto& idx = matcher_.index();
  for (std::uint32_t slot = 0; slot < idx.size(); ++slot) {
    const auto& rec = idx.record(slot);
    if (rec.officer != id || !held(rec.state)) continue;
    auto t = transition(store::Op::kLeaseExpiry, slot, actor);
    t.detail = detail;
    ts.push_back(std::move(t));
  }
  return ts;
}

std::int64_t Dispatcher::expire_leases(const std::vector<store::Transition>& ts,
                                       const char* lost_reason) {
  const auto res = store_.apply(ts);
  std::int64_t expired = 0;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (!res[i].ok()) {
      spdlog::warn("lease expiry of {} refused: {}", ts[i].receipt.str(), res[i].message);
      resync(ts[i].center, ts[i].receipt);  // Unread, the case waits for the next sweep.
      continue;
    }
    offered_at_.erase(ts[i].receipt.packed());
    const auto& rec = matcher_.index().record(*slot_of(ts[i].receipt));
    const auto before = rec.state;
    if (lost_reason) lose(rec.officer, ts[i].receipt, lost_reason);
    requeue(ts[i].receipt, res[i].epoch, true);
    if (auto slot = slot_of(ts[i].receipt)) {
      outcome(*slot, metrics::OfferOutcome::kLeaseExpired);
      note(*slot, before);
    }
    ++expired;
    if (lost_reason) continue;
    ++stats_.reclaimed;
    if (metrics_) metrics_->leases_expired.Add({{"center", ts[i].center}}).Increment();
  }
  return expired;
}

void Dispatcher::expire_session(const std::string& peer, const char* reason) {
  auto it = sessions_.find(peer);
  if (it == sessions_.end()) return;
  std::vector<store::Transition> ts;
  for (std::uint32_t slot = 0; slot < matcher_.index().size(); ++slot) {
    const auto& rec = matcher_.index().record(slot);
    if (rec.officer == kNoOfficer || !held(rec.state) || session_of_[rec.officer] != peer) continue;
    auto t = transition(store::Op::kLeaseExpiry, slot, "scheduler");
    t.detail = std::string("worker session ") + it->second->id + " silent for " +
               std::to_string(options_.lease_ms()) + " ms";
    ts.push_back(std::move(t));
  }
  if (!reclaim(ts)) {
    // Keep the session until the store answers: its leases cannot lapse unrecorded.
    spdlog::error("session {} silent but its leases cannot be reclaimed yet", it->second->id);
    return;
  }
  spdlog::warn("worker session {} ({} officers) {}: {} cases reclaimed", it->second->id,
               it->second->officers.size(), reason, ts.size());
  const auto officers = it->second->officers;
  sessions_.erase(it);
  for (OfficerId o : officers) {
    unplay(o);
  }
  if (metrics_) metrics_->workers_connected.Set(static_cast<double>(sessions_.size()));
}

// ---------------------------------------------------------------------------------------------
// Rounds.

struct Dispatcher::RoundOut {
  matching::RoundPlan plan;
  std::vector<matching::Assignment> kept;  // The plan's assignments that credit let through.
  std::vector<CaseState> before;           // Their states before the round (queued or QA review).
  std::vector<std::string> peers;          // The sessions their credit was taken from.
  std::vector<store::Transition> offers;   // Their offer transitions.
  Monotonic::time_point at;                // When the round was planned.
};

void Dispatcher::run_round() {
  const auto now = Monotonic::now();
  const bool periodic = now - last_round_ >= std::chrono::milliseconds(options_.round_interval_ms);
  if (stopping_ || sessions_.empty()) {
    // Nobody to offer to: a HELLO asks for the next round. Leaving the request pending would make
    // step() wait zero milliseconds and spin while cases are queued.
    round_due_ = false;
    return;
  }
  // A short queue is placed at once, without waiting round_delay_ms for more changes: the
  // greedy placement costs microseconds where the graph costs milliseconds.
  const std::size_t queued = matcher_.index().queued();
  const bool short_queue = !periodic && round_due_ && queued > 0 && queued <= options_.short_queue;
  // A short queue waits out the gap since the last short round (it stays due meanwhile).
  if (short_queue && now < short_round_at()) return;
  if (!periodic && !short_queue && (!round_due_ || now < round_due_at_)) return;
  round_due_ = false;
  if (queued == 0) {
    last_round_ = now;
    return;
  }
  matching::RoundPlan plan;
  if (short_queue) {
    plan = short_queue_planner_.plan(matcher_, options_.short_queue);
    // Only a round that placed cases spaces the next: one that found nobody with room costs no
    // store call and no OFFER, and the slot freed right after it is used at once.
    if (!plan.assignments.empty()) last_short_round_ = now;
    ++stats_.short_rounds;
    if (metrics_) metrics_->short_rounds.Increment();
  } else {
    last_round_ = last_planned_ = now;
    plan = matcher_.plan_round();
    ++stats_.rounds;
  }
  // Credit caps what each session may be sent.
  std::unordered_map<std::string, std::int64_t> room;
  auto round = std::make_shared<RoundOut>();
  round->at = now;
  matching::RoundPlan taken;
  taken.at = plan.at;
  taken.assignments.reserve(plan.assignments.size());
  std::vector<CaseState> states;  // Of the taken cases, before apply() offers them.
  states.reserve(plan.assignments.size());
  for (const auto& a : plan.assignments) {
    const auto& peer = session_of_[a.officer];
    if (peer.empty()) continue;
    auto [it, fresh] = room.try_emplace(peer, 0);
    if (fresh) {
      const auto session = sessions_.find(peer);
      it->second = session == sessions_.end() ? 0 : session->second->credit;
    }
    if (it->second <= 0) continue;
    --it->second;
    taken.assignments.push_back(a);
    states.push_back(matcher_.index().record(*slot_of(a.receipt)).state);
  }
  // The offers are taken in the index now, before the store has them: the cases leave their
  // queues, the officers' loads grow and the sessions' credit is spent, so that the next round can
  // be planned (and its offers sent ahead of the workers' transitions) while this one's call is
  // still out. record_offers() gives back what the store refuses, and a call that fails gives
  // back the whole round (Redis may still have run it: a later offer of such a case is then
  // refused, and the read-back finds the earlier one).
  matcher_.apply(taken);
  round->kept.reserve(taken.assignments.size());
  round->offers.reserve(taken.assignments.size());
  round->before.reserve(taken.assignments.size());
  for (std::size_t i = 0; i < taken.assignments.size(); ++i) {
    const auto& a = taken.assignments[i];
    const auto slot = *slot_of(a.receipt);
    const auto& rec = matcher_.index().record(slot);
    if (rec.state != CaseState::kOffered || rec.officer != a.officer) continue;  // Not applied.
    auto t = transition(store::Op::kOffer, slot, "scheduler");
    t.officer = matcher_.officer(a.officer).id;
    round->offers.push_back(std::move(t));
    round->kept.push_back(a);
    round->peers.push_back(session_of_[a.officer]);
    round->before.push_back(states[i]);
  }
  for (const auto& peer : round->peers) spend_credit(peer, 1);
  round->plan = std::move(plan);
  send_ahead(
      round->offers,
      [this, round](std::vector<store::TransitionResult>& res) { record_offers(*round, res); },
      [this, round](const Error& e) {
        if (dynamic_cast<const IoError*>(&e))
          spdlog::error("round skipped, store unreachable: {}", e.what());
        for (std::size_t i = 0; i < round->kept.size(); ++i) give_back(*round, i);
      });
}

Dispatcher::Monotonic::time_point Dispatcher::short_round_at() const {
  return last_short_round_ + std::chrono::microseconds(options_.short_round_gap_us);
}

void Dispatcher::spend_credit(const std::string& peer, std::int64_t n) {
  auto it = sessions_.find(peer);
  if (it == sessions_.end()) return;
  auto& s = *it->second;
  const bool had = s.credit > 0;
  s.credit -= n;
  if (had != (s.credit > 0)) {
    for (OfficerId o : s.officers) set_effective_presence(o);
  }
}

void Dispatcher::give_back(const RoundOut& round, std::size_t i) {
  const auto& a = round.kept[i];
  spend_credit(round.peers[i], -1);
  // A case in adopted_ stays there: back in its queue, its next offer's answer reads the
  // stored case back.
  // A case whose import failed too is forgotten: a submit sent again brings it back.
  withdraw_offer(a, /*forget=*/unrecorded_.erase(a.receipt.packed()) > 0);
}

void Dispatcher::withdraw_offer(const matching::Assignment& a, bool forget) {
  auto slot = slot_of(a.receipt);
  if (!slot) return;
  const auto& rec = matcher_.index().record(*slot);
  if (rec.state != CaseState::kOffered || rec.officer != a.officer) return;
  matcher_.release(a.officer);
  if (forget) {
    matcher_.forget(a.receipt);
    return;
  }
  requeue(a.receipt, rec.epoch, /*clear_officer=*/true, /*recuse=*/false);
}

void Dispatcher::time_out_offer(ReceiptNumber r, std::int64_t epoch) {
  offer_timeouts_.push({Monotonic::now() + std::chrono::milliseconds(options_.offer_timeout_ms),
                        r.packed(), static_cast<std::uint32_t>(epoch)});
}

void Dispatcher::readopt(const matching::Assignment& a, const std::string& center) {
  const auto stored = read_back(center, a.receipt);
  const auto slot = slot_of(a.receipt);
  if (!stored || !slot || stored->state != CaseState::kOffered ||
      stored->officer != matcher_.officer(a.officer).id)
    return;
  const auto& rec = matcher_.index().record(*slot);
  if (rec.state == CaseState::kOffered && rec.officer == a.officer)
    restore_stored(a.receipt, *stored);
}

std::optional<store::StoredCase> Dispatcher::read_back(const std::string& center, ReceiptNumber r,
                                                       bool* unreachable) {
  try {
    return store_.get(center, r);
  } catch (const IoError& e) {
    spdlog::error("cannot read {} back from the store: {}", r.str(), e.what());
    if (unreachable) *unreachable = true;
    return std::nullopt;
  } catch (const Error& e) {
    // A stored record this build cannot read (or a reply of the wrong type) is not an outage:
    // reading it again would fail the same way. The case is treated as one the store does not
    // hold for this scheduler, and its record is left for an operator.
    spdlog::error("cannot read {} back from the store, its record is unreadable: {}", r.str(),
                  e.what());
    return std::nullopt;
  }
}

void Dispatcher::forget_case(ReceiptNumber r) {
  if (auto slot = slot_of(r)) {
    const auto& rec = matcher_.index().record(*slot);
    if (held(rec.state) && rec.officer != kNoOfficer) matcher_.release(rec.officer);
  }
  offered_at_.erase(r.packed());
  matcher_.forget(r);
}

bool Dispatcher::resync(const std::string& center, ReceiptNumber r) {
  std::optional<Case> before;
  if (const auto slot = slot_of(r)) before = matcher_.index().to_case(*slot);
  bool unreachable = false;
  const auto stored = read_back(center, r, &unreachable);
  if (unreachable) return false;
  const auto same_offer = [&](const Case& now) {
    return before && before->state == CaseState::kOffered && before->officer == now.officer &&
           before->epoch == now.epoch;
  };
  if (stored && restore_stored(r, *stored)) {
    const Case now = matcher_.index().to_case(*slot_of(r));
    if (before && before->state != now.state) note(now, before->state, now.state);
    // An offer this scheduler did not make, or made at another epoch, times out in its turn.
    if (now.state == CaseState::kOffered && !same_offer(now)) {
      offered_at_.erase(r.packed());
      time_out_offer(r, static_cast<std::int64_t>(now.epoch));
    }
    return true;
  }
  forget_case(r);
  if (before && stored && before->state != stored->state)
    note(*before, before->state, stored->state);
  return true;
}

bool Dispatcher::restore_stored(ReceiptNumber r, const store::StoredCase& stored) {
  if (stored.state == CaseState::kDecided || stored.state == CaseState::kTransferred) return false;
  Case c;
  try {
    c = service::to_case(stored, catalog_, matcher_);
  } catch (const Error& e) {
    spdlog::error("cannot restore {}: {}", r.str(), e.what());
    return false;
  }
  forget_case(r);
  try {
    matcher_.restore(c);
  } catch (const Error& e) {
    spdlog::error("cannot restore {}: {}", r.str(), e.what());
    return false;
  }
  return true;
}

void Dispatcher::record_offers(RoundOut& round, std::vector<store::TransitionResult>& res) {
  const auto& kept = round.kept;
  const auto& offers = round.offers;
  const auto now = round.at;
  // What the store recorded: the round's offers, and offers an earlier call recorded.
  std::vector<matching::Assignment> recorded;
  std::vector<CaseState> before;
  std::vector<std::int64_t> epochs;
  recorded.reserve(kept.size());
  before.reserve(kept.size());
  epochs.reserve(kept.size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    // A case whose import the store did not take (drop_unrecorded): its offer is refused, and
    // the read-back below finds no case, or the one stored before (restored as it is).
    const bool unrecorded = unrecorded_.erase(kept[i].receipt.packed()) > 0;
    // A case the import found stored by an earlier attempt (adopt_stored): its offer was
    // recorded (the stored case was at epoch 0) or refused; either way the stored case is read
    // back below and replaces the one queued ahead.
    const bool adopted = adopted_.erase(kept[i].receipt.packed()) > 0;
    if (res[i].status == store::TransitionResult::Status::kApplied) {
      if (adopted) readopt(kept[i], offers[i].center);
      recorded.push_back(kept[i]);
      before.push_back(round.before[i]);
      epochs.push_back(res[i].epoch);
      continue;
    }
    // The round's offer is given back: its credit, and the case, replaced by what the store
    // holds (the slot of the officer the index shows holding it goes with it).
    spend_credit(round.peers[i], -1);
    bool unreachable = false;
    const auto stored = read_back(offers[i].center, kept[i].receipt, &unreachable);
    // Unread: the case goes back to its queue as the index had it. Its next offer is refused
    // again, and read back then.
    const bool unread = unreachable && !unrecorded;
    if (unread) withdraw_offer(kept[i], /*forget=*/false);
    const bool back = !unread && stored && restore_stored(kept[i].receipt, *stored);
    if (!back && !unread) forget_case(kept[i].receipt);
    const OfficerId holder = stored && stored->state == CaseState::kOffered
                                 ? matcher_.find_officer(stored->officer).value_or(kNoOfficer)
                                 : kNoOfficer;
    if (holder != kNoOfficer && !session_of_[holder].empty() && slot_of(kept[i].receipt)) {
      // An earlier round's call that was cut off after it was sent (a timeout) recorded an
      // offer of this case: it stands, and its officer gets it now. Otherwise nothing would
      // send it, and the case would wait, offered, until that officer's session ended.
      spdlog::warn("offer of {} to {} was already recorded (a store call cut off earlier)",
                   kept[i].receipt.str(), stored->officer);
      spend_credit(session_of_[holder], 1);
      matching::Assignment a = kept[i];
      a.officer = holder;
      recorded.push_back(a);
      before.push_back(round.before[i]);
      epochs.push_back(stored->epoch);
      continue;
    }
    // The agency counted the case in its state before the round (a case whose import the
    // store did not take, not at all): it now counts it as the store holds it.
    if (back && !unrecorded && stored->state != round.before[i])
      note(matcher_.index().to_case(*slot_of(kept[i].receipt)), round.before[i], stored->state);
    if (!unrecorded && !adopted) {  // Else its import's answer was logged already.
      ++stats_.store_refusals;
      spdlog::warn("store refused the offer of {}: {}", kept[i].receipt.str(), res[i].message);
    }
    round_soon();  // The case, back in its queue, need not wait for the periodic round.
  }
  const auto recorded_at = Monotonic::now();  // The offers are in the store from here.
  const auto expires_mono = now + std::chrono::milliseconds(options_.offer_timeout_ms);
  const auto expires_unix = unix_now() + (options_.offer_timeout_ms + 999) / 1000;
  // Each session's offered slots, in plan order; the OFFER text is written from the index.
  std::unordered_map<std::string, std::vector<std::uint32_t>> out;
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    const auto& a = recorded[i];
    const auto found = slot_of(a.receipt);
    if (!found) {
      // Forgotten meanwhile (a refused message read it back as decided): nothing to send.
      spdlog::warn("offer of {} recorded, but the case left the index meanwhile", a.receipt.str());
      spend_credit(session_of_[a.officer], -1);
      continue;
    }
    const auto slot = *found;
    auto& rec = matcher_.index().record(slot);
    rec.epoch = static_cast<std::uint32_t>(epochs[i]);
    if (agency_) {
      agency_->on_offered(rec.center, rec.form, Seconds(std::max<std::int64_t>(0, unix_now() - rec.received)));
      agency_->on_transition(rec.center, rec.form, before[i], CaseState::kOffered);
    }
    offer_timeouts_.push({expires_mono, a.receipt.packed(), rec.epoch});
    offered_at_[a.receipt.packed()] = recorded_at;
    out[session_of_[a.officer]].push_back(slot);
    ++stats_.offered;
  }
  std::string body;
  for (auto& [peer, list] : out) {
    for (std::size_t from = 0; from < list.size(); from += options_.max_offers_per_message) {
      const auto to = std::min(list.size(), from + options_.max_offers_per_message);
      body.assign("{\"offers\":[");
      for (std::size_t k = from; k < to; ++k) {
        if (k > from) body += ',';
        offer_writer_.append_case(body, list[k], expires_unix);
      }
      body += "]}";
      send_body(peer, Type::kOffer, body);
    }
  }
  if (on_round) on_round(round.plan);
}

// ---------------------------------------------------------------------------------------------
// Conversions.

store::Transition Dispatcher::transition(store::Op op, std::uint32_t slot,
                                         const std::string& actor) const {
  const auto& rec = matcher_.index().record(slot);
  store::Transition t;
  t.op = op;
  t.receipt = ReceiptNumber::from_packed(rec.receipt);
  t.center = catalog_.center(rec.center).code;
  t.epoch = rec.epoch;
  t.actor = actor;
  t.officer = rec.officer != kNoOfficer ? matcher_.officer(rec.officer).id : "";
  return t;
}

}  // namespace docket::dispatch
