#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/types.h"
#include "docket/protocol/channel.h"
#include "docket/worker/desk_clock.h"

/// The worker side of the Docket wire protocol (docs/protocol.md, section 3): an officer's desk
/// agent over one DEALER socket, playing one or many officers.
namespace docket::worker {

/// A case as the scheduler sends it (docs/protocol.md, "<case>").
struct Case {
  std::string receipt;
  std::int64_t epoch = 0;  ///< The fencing epoch every answer about the case quotes.
  std::string officer;
  std::string state;  ///< "offered" or "assigned".
  std::string form;
  std::string center;
  std::string priority;
  std::optional<TimePoint> received;
  std::optional<TimePoint> deadline;
  bool qa = false;                   ///< A quality review: its outcome is approve or deny.
  bool returning = false;            ///< Back from a request for evidence.
  std::optional<TimePoint> expires;  ///< For an offer: when it times out unanswered.

  /// Reads a case object; `path` names it in errors ("offers[2]"). Throws
  /// protocol::ProtocolError (kBadRequest) naming the field that is missing or of the wrong type.
  static Case from_json(const nlohmann::json& j, std::string_view path);
  nlohmann::json to_json() const;
};

/// What an officer decided about an assigned case.
struct Decision {
  Outcome outcome = Outcome::kApprove;
  std::string to{};    ///< The receiving center, for a transfer only.
  std::string note{};  ///< Free text (a referral's unit, for instance); optional.
};

/// The wire spelling of an outcome: approve, deny, rfe, refer, transfer. (core's to_string says
/// "request_evidence"; the protocol says "rfe".)
std::string_view wire_name(Outcome o);
/// Parses the wire spelling; also accepts core's spellings. Empty when unknown.
std::optional<Outcome> parse_wire_outcome(std::string_view s);

/// Where a held case stands on this desk.
enum class Stage : std::uint8_t {
  kOffered,    ///< Waiting for the officer to accept or decline.
  kAccepting,  ///< ACCEPT queued or sent, not yet answered.
  kDeclining,  ///< DECLINE queued or sent, not yet answered.
  kAssigned,   ///< The officer's to work on.
  kDeciding,   ///< DECIDE queued or sent, not yet answered.
};
std::string_view to_string(Stage s);

/// A case this desk holds, with what is pending about it.
struct HeldCase {
  Case info{};
  Stage stage = Stage::kOffered;
  /// The offer used one of the connection's credits, so answering it grants one back. Offers
  /// resumed in a WELCOME were counted against an earlier session and grant nothing.
  bool owes_credit = false;
  /// When the offer expires on the desk's monotonic clock, for an offer whose `expires` is in
  /// another calendar than the desk's (see DeskOptions::calendar_tolerance); zero otherwise.
  Millis local_expiry{0};
  std::optional<Decision> decision{};  ///< Set while kDeciding.
  std::string decline_reason{};
  bool recuse = false;
};

/// An officer the desk's connection plays.
struct OfficerSpec {
  std::string id;
  Presence presence = Presence::kAvailable;
};

/// What the scheduler said about an officer in WELCOME.
struct OfficerInfo {
  std::string id;
  std::string center;
  int capacity = 0;
  bool senior = false;
};

/// Something the desk reports to whoever drives it (the program's behaviour, or a test).
struct Event {
  enum class Kind : std::uint8_t {
    kWelcome,       ///< Registered; `count` = cases resumed.
    kRejected,      ///< An officer was refused (`officer`, `code`, `message`); when `officer`
                    ///< is empty, none was accepted and the desk has stopped.
    kOffer,         ///< A new offer to answer (`info`).
    kAssigned,      ///< A case is the officer's to work (`info`): accepted, or resumed.
    kDeclined,      ///< A decline was recorded (`receipt`).
    kDecided,       ///< A decision was recorded (`receipt`, `decision`, `duplicate`).
    kRefused,       ///< An answer about a case was refused (`receipt`, `code`, `message`).
    kLost,          ///< The case is no longer this desk's (`receipt`, `code` = the reason;
                    ///< `offer_expired` when the desk dropped an offer past its `expires`).
    kPullResult,    ///< A PULL was answered (`officer`, `count` = offers sent).
    kPresenceSet,   ///< A PRESENCE change was recorded (`officer`).
    kError,         ///< The scheduler answered ERROR (`code`, `message`).
    kShutdown,      ///< The scheduler is stopping (`message`); the desk reconnects.
    kDisconnected,  ///< The socket was closed (`message` says why); a reconnect is scheduled.
  };
  Kind kind = Kind::kError;
  std::string receipt{};
  std::string officer{};
  std::string code{};
  std::string message{};
  std::optional<Case> info{};
  std::optional<Decision> decision{};
  bool duplicate = false;
  std::int64_t count = 0;
};
std::string_view to_string(Event::Kind k);

/// Counters of what went over the wire, for --stats-every and tests.
struct DeskStats {
  std::int64_t offers = 0;      ///< Offers received (OFFER items and resumed offers).
  std::int64_t accepted = 0;    ///< Acceptances the scheduler confirmed.
  std::int64_t declined = 0;    ///< Declines the scheduler confirmed.
  std::int64_t decided = 0;     ///< Decisions the scheduler confirmed (duplicates included once).
  std::int64_t duplicates = 0;  ///< Of those, answered `duplicate: true`.
  std::int64_t refused = 0;     ///< Per-case refusals (stale_epoch, not_holder, ...).
  std::int64_t lost = 0;        ///< Cases dropped by LEASE_LOST or not resumed.
  std::int64_t expired = 0;     ///< Offers dropped unanswered because their `expires` passed.
  std::int64_t resent = 0;      ///< Requests sent again after ERROR unavailable.
  std::int64_t malformed = 0;   ///< Messages from the scheduler that could not be read.
  std::int64_t errors = 0;      ///< ERROR messages received.
  std::int64_t reconnects = 0;  ///< Sockets closed for silence, SHUTDOWN or a lost session.
  std::int64_t heartbeats = 0;  ///< HEARTBEATs sent.
  std::int64_t sent = 0;        ///< Messages sent.
  std::int64_t received = 0;    ///< Messages received (readable or not).
};

struct DeskOptions {
  static constexpr int DEFAULT_CREDIT = 8;
  /// Until WELCOME announces the scheduler's values, these are assumed (the protocol's defaults).
  static constexpr Millis DEFAULT_HEARTBEAT{1000};
  static constexpr Millis DEFAULT_LEASE{3000};
  /// Reconnect backoff of docs/protocol.md: 0.1 s doubling to 5 s.
  static constexpr Millis DEFAULT_BACKOFF_INITIAL{100};
  static constexpr Millis DEFAULT_BACKOFF_MAX{5000};
  /// Items per ACCEPT, DECLINE or DECIDE, so that a large simulated desk stays far below the
  /// 1 MiB message limit (an item is about 80 bytes).
  static constexpr std::size_t DEFAULT_MAX_BATCH = 1000;
  /// Messages read per poll() before timers run, so a flood cannot starve the heartbeat.
  static constexpr std::size_t DEFAULT_MAX_READS = 4096;
  static constexpr const char* DEFAULT_AGENT = "docket-worker/0.1.0";
  /// The protocol's offer timeout, until WELCOME announces the scheduler's.
  static constexpr Millis DEFAULT_OFFER_TIMEOUT{30'000};
  /// An offer's `expires` further than this from the desk's wall clock is taken to be in another
  /// calendar (a scheduler on a simulated one, --start/--time-scale, or clocks far apart): such
  /// an offer is timed from its arrival with the WELCOME's offer_timeout_ms instead.
  static constexpr Seconds DEFAULT_CALENDAR_TOLERANCE{3600};

  /// The scheduler's worker endpoint, or several separated by commas (the schedulers of a
  /// high-availability group, of which only the leader serves): the desk starts with the first
  /// and moves to the next each time it reconnects, so a desk whose scheduler went silent or
  /// stopped tries the others. The backoff doubles once every endpoint has been tried.
  std::string endpoint = protocol::DEFAULT_WORKER_ENDPOINT;
  std::vector<OfficerSpec> officers;
  /// The fixed window of offers in flight: HELLO grants it, and every answered offer grants one
  /// credit back.
  int credit = DEFAULT_CREDIT;
  Millis backoff_initial = DEFAULT_BACKOFF_INITIAL;
  Millis backoff_max = DEFAULT_BACKOFF_MAX;
  /// How long to wait for WELCOME after HELLO before trying again.
  Millis hello_timeout = DEFAULT_LEASE;
  std::size_t max_batch = DEFAULT_MAX_BATCH;
  std::size_t max_reads = DEFAULT_MAX_READS;
  std::string agent = DEFAULT_AGENT;
  Seconds calendar_tolerance = DEFAULT_CALENDAR_TOLERANCE;
  protocol::ChannelOptions channel;  ///< Message limit, CURVE keys, routing id.
};

/// One worker session: registers its officers, keeps their offers and cases with their epochs,
/// answers for them, heartbeats, and reconnects when the scheduler goes silent or stops.
///
/// Single-threaded: one loop calls poll() repeatedly and the action methods between calls.
/// Actions are queued and go out, batched, at the start of the next poll() (or on flush()).
/// Nothing the officer did is lost across a reconnect or an `unavailable` error: pending
/// answers are kept with their cases and sent again once the scheduler takes them.
class Desk {
 public:
  enum class State : std::uint8_t {
    kIdle,        ///< start() not called yet.
    kConnecting,  ///< HELLO sent, waiting for WELCOME.
    kReady,       ///< Registered.
    kBackoff,     ///< Socket closed; reconnecting when the backoff ends.
    kRejected,    ///< No officer was accepted (ERROR unknown_officer); stopped for good.
    kStopped,     ///< bye() was called.
  };

  /// Throws InvalidArgument when `options.officers` is empty, an officer id is empty or repeated,
  /// `credit` is negative, or `endpoint` names no endpoint. Neither connects nor sends.
  Desk(zmq::context_t& ctx, DeskOptions options, const DeskClock& clock);
  ~Desk();
  Desk(const Desk&) = delete;
  Desk& operator=(const Desk&) = delete;

  /// Connects and sends HELLO. Throws IoError when the endpoint is not valid.
  void start();

  /// Sends what is queued, waits up to `timeout` for messages (less when a timer is due sooner),
  /// handles every message waiting, runs the timers (heartbeat, silence, reconnect, retries) and
  /// returns what happened. Messages that cannot be read are logged and counted, never thrown.
  /// Throws IoError only for a fault of the socket itself.
  std::vector<Event> poll(Millis timeout);
  /// Sends the queued answers now (poll() does this too). Does nothing unless registered.
  void flush();

  /// Accepts an offer. An offer whose `expires` has passed (by this desk's clock) is not
  /// accepted late: it is dropped, logged and reported as kLost with code `offer_expired`, and
  /// false is returned; the scheduler returns it to its queue on its own timeout. Throws
  /// InvalidArgument unless `receipt` is an unanswered offer here.
  bool accept(const std::string& receipt);
  /// Declines an offer; `recuse` also excludes the officer from the case for good. Throws
  /// InvalidArgument unless `receipt` is an unanswered offer here.
  void decline(const std::string& receipt, std::string reason = {}, bool recuse = false);
  /// Records a decision. Throws InvalidArgument unless `receipt` is assigned here and not being
  /// decided, when a transfer has no `to`, or when a QA case's outcome is not approve or deny.
  void decide(const std::string& receipt, Decision decision);
  /// Asks for the officer's next case now. Throws InvalidArgument for an officer not played here.
  void pull(const std::string& officer);
  /// Changes an officer's presence (also carried by every later HELLO). Throws InvalidArgument
  /// for an officer not played here.
  void set_presence(const std::string& officer, Presence presence);
  /// Ends the session: sends BYE (when connected) and closes the socket. Idempotent.
  void bye(bool release = false);

  State state() const { return state_; }
  bool registered() const { return state_ == State::kReady; }
  /// True once any WELCOME has arrived (the scheduler was reachable at least once).
  bool ever_registered() const { return ever_registered_; }
  const std::string& session() const { return session_; }
  /// The endpoint the desk is connected (or connecting) to now.
  const std::string& endpoint() const { return endpoints_[current_]; }
  /// Every endpoint given, in the order they are tried.
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  Millis heartbeat_interval() const { return heartbeat_; }
  Millis lease() const { return lease_; }
  /// The backoff the next reconnect will wait.
  Millis next_backoff() const { return backoff_; }
  const std::map<std::string, HeldCase>& cases() const { return cases_; }
  const HeldCase* find(const std::string& receipt) const;
  const std::vector<OfficerSpec>& officers() const { return options_.officers; }
  /// What WELCOME said about each accepted officer.
  const std::map<std::string, OfficerInfo>& officer_info() const { return officer_info_; }
  const DeskStats& stats() const { return stats_; }
  const DeskClock& clock() const { return clock_; }

 private:
  struct Request {
    protocol::Type type = protocol::Type::kHeartbeat;
    nlohmann::json body;                ///< Without "id".
    std::vector<std::string> receipts;  ///< The case items, in order.
    std::string officer;                ///< For PULL and PRESENCE.
  };

  void connect();
  void disconnect(const std::string& why);
  void send_hello();
  void send(protocol::Type type, nlohmann::json body);
  void send_request(Request r);
  void handle(const protocol::Message& m);
  void on_welcome(const nlohmann::json& body);
  void on_offer(const nlohmann::json& body);
  void on_result(const nlohmann::json& body);
  void on_lease_lost(const nlohmann::json& body);
  void on_error(const nlohmann::json& body);
  void on_case_results(const Request& r, const nlohmann::json& body);
  void revert(const std::string& receipt);
  void drop(const std::string& receipt);
  /// True when the case is an offer whose `expires` is at or before the desk's wall time.
  bool past_expiry(const HeldCase& c) const;
  /// Sets h.local_expiry when h's `expires` is in another calendar (see DeskOptions).
  void time_offer(HeldCase& h) const;
  /// Drops an expired offer: logs, counts, reports kLost `offer_expired`, grants its credit back.
  void expire(const std::string& receipt);
  /// Expires every unanswered offer past its `expires`; runs at most once per wall second.
  void expire_offers();
  void enqueue(const std::string& receipt);
  void run_timers();
  Millis time_to_next_timer() const;
  OfficerSpec& officer(const std::string& id);
  HeldCase& held(const std::string& receipt, std::initializer_list<Stage> stages);
  void emit(Event e) { events_.push_back(std::move(e)); }

  zmq::context_t& ctx_;
  DeskOptions options_;
  const DeskClock& clock_;
  std::unique_ptr<protocol::Client> client_;
  std::vector<std::string> endpoints_;
  std::size_t current_ = 0;  ///< Index into endpoints_.
  State state_ = State::kIdle;
  bool ever_registered_ = false;
  std::string session_;
  Millis heartbeat_ = DeskOptions::DEFAULT_HEARTBEAT;
  Millis lease_ = DeskOptions::DEFAULT_LEASE;
  Millis offer_timeout_ = DeskOptions::DEFAULT_OFFER_TIMEOUT;
  Millis backoff_;
  Millis retry_backoff_;
  Millis last_sent_{0};
  Millis last_received_{0};
  Millis reconnect_at_{0};
  std::int64_t next_id_ = 1;
  std::int64_t hello_id_ = 0;
  std::map<std::string, HeldCase> cases_;
  std::map<std::string, OfficerInfo> officer_info_;
  std::vector<std::string> outbox_;  ///< Receipts with an answer to send.
  std::deque<Request> control_;      ///< PULL and PRESENCE waiting for a session.
  std::map<std::int64_t, Request> in_flight_;
  std::multimap<Millis, Request> retries_;  ///< Refused with `unavailable`, by when to resend.
  int pending_credit_ = 0;
  TimePoint last_expiry_sweep_{};
  std::vector<Event> events_;
  DeskStats stats_;
};

std::string_view to_string(Desk::State s);

}  // namespace docket::worker
