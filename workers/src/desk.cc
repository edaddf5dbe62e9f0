#include "docket/worker/desk.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <thread>
#include <utility>

#include "docket/core/error.h"

namespace docket::worker {
namespace {

using nlohmann::json;
using protocol::Code;
using protocol::Type;

std::optional<TimePoint> optional_time(const json& j, std::string_view key, std::string_view path) {
  const auto* v = j.contains(key) && !j.at(key).is_null() ? &j.at(key) : nullptr;
  if (!v) return std::nullopt;
  return TimePoint(Seconds(protocol::require_int(j, key, path)));
}

}  // namespace

Case Case::from_json(const json& j, std::string_view path) {
  if (!j.is_object()) {
    throw protocol::ProtocolError(Code::kBadRequest,
                                  "field '" + std::string(path) + "': expected an object");
  }
  Case c;
  c.receipt = protocol::require_string(j, "receipt", path);
  c.epoch = protocol::require_int(j, "epoch", path);
  c.officer = protocol::optional_string(j, "officer", {}, path);
  c.state = protocol::optional_string(j, "state", "offered", path);
  c.form = protocol::optional_string(j, "form", {}, path);
  c.center = protocol::optional_string(j, "center", {}, path);
  c.priority = protocol::optional_string(j, "priority", "normal", path);
  c.received = optional_time(j, "received", path);
  c.deadline = optional_time(j, "deadline", path);
  c.qa = protocol::optional_bool(j, "qa", false, path);
  c.returning = protocol::optional_bool(j, "returning", false, path);
  c.expires = optional_time(j, "expires", path);
  return c;
}

json Case::to_json() const {
  json j = {{"receipt", receipt},   {"epoch", epoch}, {"officer", officer},
            {"state", state},       {"form", form},   {"center", center},
            {"priority", priority}, {"qa", qa},       {"returning", returning}};
  if (received) j["received"] = received->time_since_epoch().count();
  if (deadline) j["deadline"] = deadline->time_since_epoch().count();
  if (expires) j["expires"] = expires->time_since_epoch().count();
  return j;
}

std::string_view wire_name(Outcome o) {
  switch (o) {
    case Outcome::kApprove:
      return "approve";
    case Outcome::kDeny:
      return "deny";
    case Outcome::kRequestEvidence:
      return "rfe";
    case Outcome::kRefer:
      return "refer";
    case Outcome::kTransfer:
      return "transfer";
  }
  return "approve";
}

std::optional<Outcome> parse_wire_outcome(std::string_view s) {
  if (s == "rfe") return Outcome::kRequestEvidence;
  return parse_outcome(s);
}

std::string_view to_string(Stage s) {
  switch (s) {
    case Stage::kOffered:
      return "offered";
    case Stage::kAccepting:
      return "accepting";
    case Stage::kDeclining:
      return "declining";
    case Stage::kAssigned:
      return "assigned";
    case Stage::kDeciding:
      return "deciding";
  }
  return "?";
}

std::string_view to_string(Event::Kind k) {
  switch (k) {
    case Event::Kind::kWelcome:
      return "welcome";
    case Event::Kind::kRejected:
      return "rejected";
    case Event::Kind::kOffer:
      return "offer";
    case Event::Kind::kAssigned:
      return "assigned";
    case Event::Kind::kDeclined:
      return "declined";
    case Event::Kind::kDecided:
      return "decided";
    case Event::Kind::kRefused:
      return "refused";
    case Event::Kind::kLost:
      return "lost";
    case Event::Kind::kPullResult:
      return "pull_result";
    case Event::Kind::kPresenceSet:
      return "presence_set";
    case Event::Kind::kError:
      return "error";
    case Event::Kind::kShutdown:
      return "shutdown";
    case Event::Kind::kDisconnected:
      return "disconnected";
  }
  return "?";
}

std::string_view to_string(Desk::State s) {
  switch (s) {
    case Desk::State::kIdle:
      return "idle";
    case Desk::State::kConnecting:
      return "connecting";
    case Desk::State::kReady:
      return "ready";
    case Desk::State::kBackoff:
      return "backoff";
    case Desk::State::kRejected:
      return "rejected";
    case Desk::State::kStopped:
      return "stopped";
  }
  return "?";
}

Desk::Desk(zmq::context_t& ctx, DeskOptions options, const DeskClock& clock)
    : ctx_(ctx),
      options_(std::move(options)),
      clock_(clock),
      backoff_(options_.backoff_initial),
      retry_backoff_(options_.backoff_initial) {
  if (options_.officers.empty()) throw InvalidArgument("a desk needs at least one officer");
  std::set<std::string> seen;
  for (const auto& o : options_.officers) {
    if (o.id.empty()) throw InvalidArgument("an officer id is empty");
    if (!seen.insert(o.id).second) throw InvalidArgument("officer '" + o.id + "' is given twice");
  }
  if (options_.credit < 0) throw InvalidArgument("credit must not be negative");
  if (options_.max_batch == 0) options_.max_batch = 1;
  endpoints_ = protocol::split_endpoints(options_.endpoint);
}

Desk::~Desk() = default;

void Desk::start() {
  if (state_ != State::kIdle) return;
  connect();
}

void Desk::connect() {
  client_ = std::make_unique<protocol::Client>(ctx_, endpoint(), options_.channel);
  state_ = State::kConnecting;
  last_received_ = clock_.monotonic();
  send_hello();
}

void Desk::disconnect(const std::string& why) {
  client_.reset();
  ++stats_.reconnects;
  state_ = State::kBackoff;
  reconnect_at_ = clock_.monotonic() + backoff_;
  const std::string from = endpoint();
  // The next attempt goes to the next scheduler given (a standby may have taken over); the
  // backoff grows only once all of them have been tried.
  current_ = (current_ + 1) % endpoints_.size();
  spdlog::warn("desk: disconnected from {} ({}); reconnecting to {} in {} ms", from, why,
               endpoint(), backoff_.count());
  emit({.kind = Event::Kind::kDisconnected, .message = why});
  if (current_ == 0) backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  // Answers to requests of the old session will never come; the cases keep their stages, and
  // the answers are queued again once the next WELCOME says which cases are still ours.
  in_flight_.clear();
  retries_.clear();
  outbox_.clear();
  pending_credit_ = 0;
  session_.clear();
}

void Desk::send_hello() {
  json officers = json::array();
  for (const auto& o : options_.officers) {
    officers.push_back({{"officer", o.id}, {"presence", docket::to_string(o.presence)}});
  }
  json leases = json::array();
  for (const auto& [receipt, c] : cases_) {
    leases.push_back({{"receipt", receipt}, {"epoch", c.info.epoch}});
  }
  hello_id_ = next_id_++;
  json body = {{"id", hello_id_},
               {"agent", options_.agent},
               {"officers", std::move(officers)},
               {"credit", options_.credit}};
  if (!leases.empty()) body["leases"] = std::move(leases);
  spdlog::info("desk: HELLO to {} for {} officer(s), credit {}, {} lease(s)", endpoint(),
               options_.officers.size(), options_.credit, cases_.size());
  send(Type::kHello, std::move(body));
}

void Desk::send(Type type, json body) {
  if (!client_) return;
  client_->send(protocol::Message{type, std::move(body)});
  ++stats_.sent;
  last_sent_ = clock_.monotonic();
}

void Desk::send_request(Request r) {
  const std::int64_t id = next_id_++;
  json body = r.body;
  body["id"] = id;
  send(r.type, std::move(body));
  in_flight_.emplace(id, std::move(r));
}

const HeldCase* Desk::find(const std::string& receipt) const {
  auto it = cases_.find(receipt);
  return it == cases_.end() ? nullptr : &it->second;
}

OfficerSpec& Desk::officer(const std::string& id) {
  for (auto& o : options_.officers) {
    if (o.id == id) return o;
  }
  throw InvalidArgument("officer '" + id + "' is not played by this desk");
}

HeldCase& Desk::held(const std::string& receipt, std::initializer_list<Stage> stages) {
  auto it = cases_.find(receipt);
  if (it == cases_.end()) throw InvalidArgument("no case " + receipt + " on this desk");
  if (std::find(stages.begin(), stages.end(), it->second.stage) == stages.end()) {
    throw InvalidArgument("case " + receipt + " is " + std::string(to_string(it->second.stage)));
  }
  return it->second;
}

void Desk::enqueue(const std::string& receipt) { outbox_.push_back(receipt); }

bool Desk::accept(const std::string& receipt) {
  auto& c = held(receipt, {Stage::kOffered});
  if (past_expiry(c)) {
    expire(receipt);
    return false;
  }
  c.stage = Stage::kAccepting;
  if (std::exchange(c.owes_credit, false)) ++pending_credit_;
  enqueue(receipt);
  return true;
}

bool Desk::past_expiry(const HeldCase& c) const {
  if (c.local_expiry.count() > 0) return clock_.monotonic() >= c.local_expiry;
  // `expires` is rounded up to the second by the scheduler, and this clock reads whole seconds
  // rounded down, so `now >= expires` never drops an offer the scheduler still holds open by
  // its own clock; a desk clock that runs ahead drops early, which only costs the offer.
  return c.info.expires && clock_.now() >= *c.info.expires;
}

void Desk::time_offer(HeldCase& h) const {
  h.local_expiry = Millis(0);
  if (!h.info.expires) return;
  const auto apart = *h.info.expires - clock_.now();
  if (apart > options_.calendar_tolerance || -apart > options_.calendar_tolerance) {
    // The scheduler's timeout runs on its monotonic clock from when it sent the offer, so timing
    // it from the arrival here is never earlier than the scheduler.
    h.local_expiry = clock_.monotonic() + offer_timeout_;
  }
}

void Desk::expire(const std::string& receipt) {
  auto it = cases_.find(receipt);
  if (it == cases_.end()) return;
  HeldCase& c = it->second;
  // The offer used a credit and will not be answered: grant it back, as for a timeout.
  if (std::exchange(c.owes_credit, false)) ++pending_credit_;
  ++stats_.expired;
  const auto expires = c.info.expires ? c.info.expires->time_since_epoch().count() : 0;
  const auto late = c.local_expiry.count() > 0
                        ? (clock_.monotonic() - c.local_expiry).count() / 1000
                        : (clock_.now() - *c.info.expires).count();
  spdlog::warn(
      "desk: offer {} to {} (epoch {}) expired at {} ({} s ago{}) unanswered; dropped, not "
      "accepted late",
      receipt, c.info.officer, c.info.epoch, expires, late,
      c.local_expiry.count() > 0 ? ", timed from its arrival" : "");
  emit({.kind = Event::Kind::kLost,
        .receipt = receipt,
        .officer = c.info.officer,
        .code = "offer_expired",
        .message = "expired " + std::to_string(late) + " s ago"});
  cases_.erase(it);
}

void Desk::expire_offers() {
  const TimePoint now = clock_.now();
  if (now == last_expiry_sweep_) return;
  last_expiry_sweep_ = now;
  std::vector<std::string> due;
  for (const auto& [receipt, c] : cases_) {
    if (c.stage == Stage::kOffered && past_expiry(c)) due.push_back(receipt);
  }
  for (const auto& receipt : due) expire(receipt);
}

void Desk::decline(const std::string& receipt, std::string reason, bool recuse) {
  auto& c = held(receipt, {Stage::kOffered});
  c.stage = Stage::kDeclining;
  c.decline_reason = std::move(reason);
  c.recuse = recuse;
  if (std::exchange(c.owes_credit, false)) ++pending_credit_;
  enqueue(receipt);
}

void Desk::decide(const std::string& receipt, Decision decision) {
  auto& c = held(receipt, {Stage::kAssigned});
  if (decision.outcome == Outcome::kTransfer && decision.to.empty()) {
    throw InvalidArgument("a transfer of " + receipt + " needs the receiving center ('to')");
  }
  if (c.info.qa && decision.outcome != Outcome::kApprove && decision.outcome != Outcome::kDeny) {
    throw InvalidArgument("case " + receipt + " is a quality review: approve or deny only");
  }
  c.stage = Stage::kDeciding;
  c.decision = std::move(decision);
  enqueue(receipt);
}

void Desk::pull(const std::string& id) {
  officer(id);
  control_.push_back(Request{Type::kPull, {{"officer", id}}, {}, id});
}

void Desk::set_presence(const std::string& id, Presence presence) {
  officer(id).presence = presence;
  control_.push_back(Request{
      Type::kPresence, {{"officer", id}, {"presence", docket::to_string(presence)}}, {}, id});
}

void Desk::bye(bool release) {
  if (state_ == State::kStopped) return;
  if (client_ && state_ == State::kReady) {
    flush();
    send(Type::kBye, {{"release", release}});
  }
  client_.reset();
  state_ = State::kStopped;
}

void Desk::flush() {
  if (state_ != State::kReady || !client_) return;
  // Group the queued answers by kind, keeping their order, then send them in batches.
  std::vector<Request> batches;
  Request accepts{Type::kAccept, {}, {}, {}};
  Request declines{Type::kDecline, {}, {}, {}};
  Request decides{Type::kDecide, {}, {}, {}};
  json accept_items = json::array();
  json decline_items = json::array();
  json decide_items = json::array();
  int credit = std::exchange(pending_credit_, 0);
  auto close = [&](Request& r, json& items, Type type) {
    if (items.empty()) return;
    r.body = {{type == Type::kDecide ? "decisions" : "offers", std::move(items)}};
    // The credit for answered offers rides on the first ACCEPT or DECLINE going out.
    if (type != Type::kDecide && credit > 0) r.body["credit"] = std::exchange(credit, 0);
    batches.push_back(std::move(r));
    r = Request{type, {}, {}, {}};
    items = json::array();
  };
  std::set<std::string> done;
  for (const auto& receipt : std::exchange(outbox_, {})) {
    if (!done.insert(receipt).second) continue;
    auto it = cases_.find(receipt);
    if (it == cases_.end()) continue;
    const HeldCase& c = it->second;
    if (c.stage == Stage::kAccepting && past_expiry(c)) {
      // Accepted while the answer could not go out (a reconnect), and expired meanwhile.
      expire(receipt);
      continue;
    }
    switch (c.stage) {
      case Stage::kAccepting:
        accept_items.push_back({{"receipt", receipt}, {"epoch", c.info.epoch}});
        accepts.receipts.push_back(receipt);
        if (accepts.receipts.size() >= options_.max_batch)
          close(accepts, accept_items, Type::kAccept);
        break;
      case Stage::kDeclining: {
        json item = {{"receipt", receipt}, {"epoch", c.info.epoch}};
        if (!c.decline_reason.empty()) item["reason"] = c.decline_reason;
        if (c.recuse) item["recuse"] = true;
        decline_items.push_back(std::move(item));
        declines.receipts.push_back(receipt);
        if (declines.receipts.size() >= options_.max_batch) {
          close(declines, decline_items, Type::kDecline);
        }
        break;
      }
      case Stage::kDeciding: {
        const Decision& d = *c.decision;
        json item = {
            {"receipt", receipt}, {"epoch", c.info.epoch}, {"outcome", wire_name(d.outcome)}};
        if (!d.to.empty()) item["to"] = d.to;
        if (!d.note.empty()) item["note"] = d.note;
        decide_items.push_back(std::move(item));
        decides.receipts.push_back(receipt);
        if (decides.receipts.size() >= options_.max_batch)
          close(decides, decide_items, Type::kDecide);
        break;
      }
      default:
        break;
    }
  }
  close(accepts, accept_items, Type::kAccept);
  close(declines, decline_items, Type::kDecline);
  close(decides, decide_items, Type::kDecide);
  // Credit for offers that were lost unanswered keeps the window at its size.
  if (credit > 0) send(Type::kCredit, {{"credit", credit}});
  for (auto& r : batches) send_request(std::move(r));
  while (!control_.empty()) {
    send_request(std::move(control_.front()));
    control_.pop_front();
  }
}

std::vector<Event> Desk::poll(Millis timeout) {
  flush();
  const Millis wait = std::max(Millis(0), std::min(timeout, time_to_next_timer()));
  if (client_) {
    std::size_t reads = 0;
    Millis next_wait = wait;
    while (client_ && reads < options_.max_reads) {
      std::optional<protocol::Message> m;
      try {
        m = client_->recv(next_wait);
      } catch (const protocol::ProtocolError& e) {
        ++stats_.received;
        ++stats_.malformed;
        last_received_ = clock_.monotonic();
        spdlog::warn("desk: unreadable message from the scheduler ({}): {}",
                     protocol::to_string(e.code()), e.what());
        next_wait = Millis(0);
        ++reads;
        continue;
      }
      if (!m) break;
      ++reads;
      ++stats_.received;
      last_received_ = clock_.monotonic();
      next_wait = Millis(0);
      try {
        handle(*m);
      } catch (const protocol::ProtocolError& e) {
        ++stats_.malformed;
        spdlog::warn("desk: {} from the scheduler refused: {}", protocol::to_string(m->type),
                     e.what());
      }
    }
  } else if (wait.count() > 0) {
    std::this_thread::sleep_for(wait);
  }
  run_timers();
  flush();
  return std::exchange(events_, {});
}

Millis Desk::time_to_next_timer() const {
  const Millis now = clock_.monotonic();
  switch (state_) {
    case State::kBackoff:
      return reconnect_at_ - now;
    case State::kConnecting:
      return last_received_ + options_.hello_timeout - now;
    case State::kReady: {
      Millis next = std::min(last_sent_ + heartbeat_, last_received_ + lease_);
      if (!retries_.empty()) next = std::min(next, retries_.begin()->first);
      return next - now;
    }
    default:
      return Millis(50);
  }
}

void Desk::run_timers() {
  if (state_ != State::kStopped && state_ != State::kRejected) expire_offers();
  const Millis now = clock_.monotonic();
  switch (state_) {
    case State::kBackoff:
      if (now >= reconnect_at_) connect();
      break;
    case State::kConnecting:
      if (now - last_received_ >= options_.hello_timeout) disconnect("no WELCOME in time");
      break;
    case State::kReady:
      if (now - last_received_ >= lease_) {
        disconnect("scheduler silent for " + std::to_string(lease_.count()) + " ms");
        break;
      }
      while (!retries_.empty() && retries_.begin()->first <= now) {
        Request r = std::move(retries_.begin()->second);
        retries_.erase(retries_.begin());
        ++stats_.resent;
        send_request(std::move(r));
      }
      if (now - last_sent_ >= heartbeat_) {
        ++stats_.heartbeats;
        send(Type::kHeartbeat, json::object());
      }
      break;
    default:
      break;
  }
}

void Desk::handle(const protocol::Message& m) {
  const json& body = m.body;
  switch (m.type) {
    case Type::kWelcome:
      on_welcome(body);
      break;
    case Type::kOffer:
      on_offer(body);
      break;
    case Type::kResult:
      on_result(body);
      break;
    case Type::kLeaseLost:
      on_lease_lost(body);
      break;
    case Type::kError:
      on_error(body);
      break;
    case Type::kHeartbeat:
      break;
    case Type::kShutdown: {
      const std::string reason = protocol::optional_string(body, "reason", "scheduler stopping");
      spdlog::warn("desk: SHUTDOWN from the scheduler: {}", reason);
      emit({.kind = Event::Kind::kShutdown, .message = reason});
      disconnect("SHUTDOWN: " + reason);
      break;
    }
    default:
      ++stats_.malformed;
      spdlog::warn("desk: unexpected {} from the scheduler ignored", protocol::to_string(m.type));
  }
}

void Desk::on_welcome(const json& body) {
  if (state_ != State::kConnecting) {
    spdlog::warn("desk: WELCOME while {} ignored", to_string(state_));
    return;
  }
  // Everything is read and checked before any state changes, so a malformed WELCOME leaves
  // the desk waiting for a good one (or for its timeout).
  const std::string session = protocol::optional_string(body, "session");
  const Millis heartbeat(
      protocol::optional_int(body, "heartbeat_ms", DeskOptions::DEFAULT_HEARTBEAT.count()));
  const Millis lease(protocol::optional_int(body, "lease_ms", 3 * heartbeat.count()));
  const Millis offer_timeout(
      protocol::optional_int(body, "offer_timeout_ms", DeskOptions::DEFAULT_OFFER_TIMEOUT.count()));
  if (heartbeat.count() <= 0 || lease.count() <= 0 || offer_timeout.count() <= 0) {
    throw protocol::ProtocolError(Code::kBadRequest,
                                  "heartbeat_ms, lease_ms and offer_timeout_ms must be positive");
  }
  std::map<std::string, OfficerInfo> infos;
  if (body.contains("officers") && !body["officers"].is_null()) {
    const auto& arr = protocol::require_array(body, "officers");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const auto path = protocol::item_path("officers", i);
      OfficerInfo info;
      info.id = protocol::require_string(arr[i], "officer", path);
      info.center = protocol::optional_string(arr[i], "center", {}, path);
      info.capacity = static_cast<int>(protocol::optional_int(arr[i], "capacity", 0, path));
      info.senior = protocol::optional_bool(arr[i], "senior", false, path);
      infos[info.id] = info;
    }
  }
  std::vector<Event> rejected;
  if (body.contains("rejected") && !body["rejected"].is_null()) {
    const auto& arr = protocol::require_array(body, "rejected");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const auto path = protocol::item_path("rejected", i);
      rejected.push_back(
          {.kind = Event::Kind::kRejected,
           .officer = protocol::require_string(arr[i], "officer", path),
           .code = protocol::optional_string(arr[i], "code", "unknown_officer", path),
           .message = protocol::optional_string(arr[i], "message", {}, path)});
    }
  }
  std::vector<Case> resumed;
  if (body.contains("resumed") && !body["resumed"].is_null()) {
    const auto& arr = protocol::require_array(body, "resumed");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      resumed.push_back(Case::from_json(arr[i], protocol::item_path("resumed", i)));
    }
  }
  std::map<std::string, std::string> lost;
  if (body.contains("lost") && !body["lost"].is_null()) {
    const auto& arr = protocol::require_array(body, "lost");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const auto path = protocol::item_path("lost", i);
      lost[protocol::require_string(arr[i], "receipt", path)] =
          protocol::optional_string(arr[i], "reason", "lease_expired", path);
    }
  }

  state_ = State::kReady;
  ever_registered_ = true;
  session_ = session;
  heartbeat_ = heartbeat;
  lease_ = lease;
  offer_timeout_ = offer_timeout;
  backoff_ = options_.backoff_initial;
  retry_backoff_ = options_.backoff_initial;
  officer_info_ = std::move(infos);
  for (auto& e : rejected) {
    spdlog::error("desk: officer {} rejected: {} {}", e.officer, e.code, e.message);
    // A rejected officer is not offered again in later HELLOs: the answer would be the same.
    std::erase_if(options_.officers, [&](const OfficerSpec& o) { return o.id == e.officer; });
    emit(std::move(e));
  }

  // Reconcile the cases held here with what the scheduler says is ours now.
  std::set<std::string> resumed_receipts;
  for (auto& c : resumed) {
    resumed_receipts.insert(c.receipt);
    const bool offered = c.state == "offered";
    auto it = cases_.find(c.receipt);
    if (it == cases_.end()) {
      HeldCase h{.info = c, .stage = offered ? Stage::kOffered : Stage::kAssigned};
      if (offered) time_offer(h);
      cases_.emplace(c.receipt, h);
      if (offered) ++stats_.offers;
      emit({.kind = offered ? Event::Kind::kOffer : Event::Kind::kAssigned,
            .receipt = c.receipt,
            .officer = c.officer,
            .info = c});
      continue;
    }
    HeldCase& h = it->second;
    const Stage before = h.stage;
    h.info = c;
    h.owes_credit = false;
    if (offered) time_offer(h);
    if (offered) {
      if (before == Stage::kAccepting || before == Stage::kDeclining) {
        enqueue(c.receipt);  // The answer is sent again with the epoch of now.
      } else if (before != Stage::kOffered) {
        // It was ours to work and has come back as a new offer: the work done is void.
        h.stage = Stage::kOffered;
        h.decision.reset();
        emit({.kind = Event::Kind::kOffer, .receipt = c.receipt, .officer = c.officer, .info = c});
      }
    } else if (before == Stage::kDeciding) {
      enqueue(c.receipt);
    } else if (before != Stage::kAssigned) {
      h.stage = Stage::kAssigned;
      emit({.kind = Event::Kind::kAssigned, .receipt = c.receipt, .officer = c.officer, .info = c});
    }
  }
  for (auto it = cases_.begin(); it != cases_.end();) {
    if (resumed_receipts.contains(it->first)) {
      ++it;
      continue;
    }
    if (it->second.stage == Stage::kDeciding) {
      // The decision may have been recorded just before the connection was lost. Sending it
      // again with its epoch settles that: a recorded one is answered `duplicate`, one that was
      // not is refused; either way it is never recorded twice.
      enqueue(it->first);
      ++it;
      continue;
    }
    const auto l = lost.find(it->first);
    const std::string reason = l != lost.end() ? l->second : "not_resumed";
    ++stats_.lost;
    spdlog::warn("desk: case {} lost on reconnect ({})", it->first, reason);
    emit({.kind = Event::Kind::kLost,
          .receipt = it->first,
          .officer = it->second.info.officer,
          .code = reason});
    it = cases_.erase(it);
  }
  spdlog::info("desk: WELCOME session {} (heartbeat {} ms, lease {} ms), {} case(s) resumed",
               session_, heartbeat_.count(), lease_.count(), resumed.size());
  emit({.kind = Event::Kind::kWelcome,
        .message = session_,
        .count = static_cast<std::int64_t>(resumed.size())});
}

void Desk::on_offer(const json& body) {
  const auto& offers = protocol::require_array(body, "offers");
  for (std::size_t i = 0; i < offers.size(); ++i) {
    Case c;
    try {
      c = Case::from_json(offers[i], protocol::item_path("offers", i));
    } catch (const protocol::ProtocolError& e) {
      // One bad item does not spoil the others; the scheduler times it out.
      ++stats_.malformed;
      spdlog::warn("desk: offer refused: {}", e.what());
      continue;
    }
    ++stats_.offers;
    auto [it, fresh] = cases_.try_emplace(c.receipt);
    if (!fresh && it->second.stage != Stage::kOffered) {
      // The case was ours in another role (a reclaimed case offered back); the new offer wins.
      spdlog::info("desk: case {} offered again at epoch {}", c.receipt, c.epoch);
    }
    it->second = HeldCase{.info = c, .stage = Stage::kOffered, .owes_credit = true};
    time_offer(it->second);
    if (past_expiry(it->second)) {
      // Arrived too late to be answered (a slow network or a desk that was not polling).
      expire(c.receipt);
      continue;
    }
    emit({.kind = Event::Kind::kOffer, .receipt = c.receipt, .officer = c.officer, .info = c});
  }
}

void Desk::on_lease_lost(const json& body) {
  const auto& items = protocol::require_array(body, "cases");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto path = protocol::item_path("cases", i);
    const std::string receipt = protocol::require_string(items[i], "receipt", path);
    const std::string reason = protocol::optional_string(items[i], "reason", "lease_expired", path);
    auto it = cases_.find(receipt);
    if (it == cases_.end()) continue;
    // An offer that timed out used a credit and will never be answered: grant it back.
    if (it->second.owes_credit) ++pending_credit_;
    ++stats_.lost;
    spdlog::info("desk: lease lost for {} ({})", receipt, reason);
    emit({.kind = Event::Kind::kLost,
          .receipt = receipt,
          .officer = it->second.info.officer,
          .code = reason});
    cases_.erase(it);
  }
}

void Desk::on_result(const json& body) {
  const auto re = body.find("re");
  if (re == body.end() || !re->is_number_integer()) {
    throw protocol::ProtocolError(Code::kBadRequest, "RESULT without an integer 're'");
  }
  auto it = in_flight_.find(re->get<std::int64_t>());
  if (it == in_flight_.end()) {
    spdlog::debug("desk: RESULT for unknown request {} ignored", re->dump());
    return;
  }
  Request r = std::move(it->second);
  in_flight_.erase(it);
  retry_backoff_ = options_.backoff_initial;
  switch (r.type) {
    case Type::kPull:
      emit({.kind = Event::Kind::kPullResult,
            .officer = r.officer,
            .count = protocol::optional_int(body, "offered", 0)});
      break;
    case Type::kPresence:
      emit({.kind = Event::Kind::kPresenceSet, .officer = r.officer});
      break;
    default:
      on_case_results(r, body);
  }
}

void Desk::on_case_results(const Request& r, const json& body) {
  const auto& results = protocol::require_array(body, "results");
  if (results.size() != r.receipts.size()) {
    // Without one entry per item the answers cannot be matched; the cases go back to where they
    // were so that the officer's answers are sent again.
    ++stats_.malformed;
    spdlog::warn("desk: RESULT has {} entries for {} items; sending them again", results.size(),
                 r.receipts.size());
    for (const auto& receipt : r.receipts) enqueue(receipt);
    return;
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto path = protocol::item_path("results", i);
    const std::string& receipt = r.receipts[i];
    auto cit = cases_.find(receipt);
    if (cit == cases_.end()) continue;  // Lost meanwhile.
    HeldCase& c = cit->second;
    const json& res = results[i];
    if (!protocol::optional_bool(res, "ok", false, path)) {
      const std::string code = protocol::optional_string(res, "code", "refused", path);
      const std::string message = protocol::optional_string(res, "message", {}, path);
      ++stats_.refused;
      spdlog::warn("desk: {} of {} refused: {} {}", protocol::to_string(r.type), receipt, code,
                   message);
      emit({.kind = Event::Kind::kRefused,
            .receipt = receipt,
            .officer = c.info.officer,
            .code = code,
            .message = message});
      // A malformed answer can be corrected and sent again; any other refusal means the case is
      // not this officer's to answer for (any more).
      if (code == "bad_request") {
        revert(receipt);
      } else {
        drop(receipt);
      }
      continue;
    }
    const std::int64_t epoch = protocol::optional_int(res, "epoch", c.info.epoch, path);
    switch (r.type) {
      case Type::kAccept:
        if (c.stage != Stage::kAccepting) break;
        c.stage = Stage::kAssigned;
        c.info.epoch = epoch;
        c.info.state = protocol::optional_string(res, "state", "assigned", path);
        ++stats_.accepted;
        emit({.kind = Event::Kind::kAssigned,
              .receipt = receipt,
              .officer = c.info.officer,
              .info = c.info});
        break;
      case Type::kDecline:
        ++stats_.declined;
        emit({.kind = Event::Kind::kDeclined, .receipt = receipt, .officer = c.info.officer});
        cases_.erase(cit);
        break;
      case Type::kDecide: {
        const bool duplicate = protocol::optional_bool(res, "duplicate", false, path);
        ++stats_.decided;
        if (duplicate) ++stats_.duplicates;
        emit({.kind = Event::Kind::kDecided,
              .receipt = receipt,
              .officer = c.info.officer,
              .code = protocol::optional_string(res, "state", {}, path),
              .decision = c.decision,
              .duplicate = duplicate});
        cases_.erase(cit);
        break;
      }
      default:
        break;
    }
  }
}

void Desk::revert(const std::string& receipt) {
  auto it = cases_.find(receipt);
  if (it == cases_.end()) return;
  HeldCase& c = it->second;
  if (c.stage == Stage::kAccepting || c.stage == Stage::kDeclining) c.stage = Stage::kOffered;
  if (c.stage == Stage::kDeciding) {
    c.stage = Stage::kAssigned;
    c.decision.reset();
  }
}

void Desk::drop(const std::string& receipt) { cases_.erase(receipt); }

void Desk::on_error(const json& body) {
  ++stats_.errors;
  const std::string code_text = protocol::optional_string(body, "code", "internal");
  const std::string message = protocol::optional_string(body, "message");
  const auto code = protocol::parse_code(code_text);
  const auto re = body.find("re");
  const bool has_re = re != body.end() && re->is_number_integer();
  const std::int64_t id = has_re ? re->get<std::int64_t>() : 0;

  if (has_re && id == hello_id_ && state_ == State::kConnecting) {
    if (code == Code::kUnknownOfficer) {
      spdlog::error("desk: no officer accepted: {}", message);
      client_.reset();
      state_ = State::kRejected;
      emit({.kind = Event::Kind::kRejected, .code = code_text, .message = message});
      return;
    }
    emit({.kind = Event::Kind::kError, .code = code_text, .message = message});
    disconnect("HELLO refused: " + code_text + " " + message);
    return;
  }
  auto it = has_re ? in_flight_.find(id) : in_flight_.end();
  if (it == in_flight_.end()) {
    spdlog::warn("desk: ERROR {} from the scheduler: {}", code_text, message);
    emit({.kind = Event::Kind::kError, .code = code_text, .message = message});
    if (code == Code::kNotRegistered) disconnect("session ended by the scheduler");
    return;
  }
  Request r = std::move(it->second);
  in_flight_.erase(it);
  if (code == Code::kUnavailable) {
    // Nothing was changed: the same items go again after a backoff, under a new id.
    const Millis due = clock_.monotonic() + retry_backoff_;
    spdlog::warn("desk: {} refused as unavailable; sending again in {} ms",
                 protocol::to_string(r.type), retry_backoff_.count());
    retry_backoff_ = std::min(retry_backoff_ * 2, options_.backoff_max);
    retries_.emplace(due, std::move(r));
    return;
  }
  spdlog::warn("desk: {} refused: {} {}", protocol::to_string(r.type), code_text, message);
  emit({.kind = Event::Kind::kError, .code = code_text, .message = message});
  if (code == Code::kNotRegistered) {
    // The session is gone; the next WELCOME says which cases are still ours, and the answers
    // pending about them are sent again then.
    disconnect("session ended by the scheduler");
    return;
  }
  for (const auto& receipt : r.receipts) {
    emit(
        {.kind = Event::Kind::kRefused, .receipt = receipt, .code = code_text, .message = message});
    revert(receipt);
  }
  // The credit an unanswered request carried was not counted; it goes out again.
  pending_credit_ += static_cast<int>(protocol::optional_int(r.body, "credit", 0));
}

}  // namespace docket::worker
