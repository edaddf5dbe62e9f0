#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "docket/protocol/channel.h"
#include "docket/worker/behaviour.h"
#include "docket/worker/desk.h"

namespace docket::worker::testing {

using namespace std::chrono_literals;
using nlohmann::json;
using protocol::Type;

/// 2025-10-01 12:00 UTC, the instant every test starts at.
inline constexpr TimePoint kStart{Seconds(1'759'320'000)};

/// A scheduler played by the test: a real protocol::Server on a loopback port, and a Desk
/// connected to it. Both live in the test's thread; the helpers alternate between polling the
/// desk and reading the server, so the conversation is scripted step by step.
class ScriptedScheduler {
 public:
  ScriptedScheduler() : server_(ctx_, "tcp://127.0.0.1:0"), clock_(kStart) {}

  /// A desk for `officers` with the server's endpoint, started (HELLO on its way).
  Desk& start(std::vector<std::string> officers = {"ISO-CSC-00001"}, int credit = 4) {
    DeskOptions o;
    o.endpoint = server_.endpoint();
    for (auto& id : officers) o.officers.push_back({id, Presence::kAvailable});
    o.credit = credit;
    return start_with(std::move(o));
  }
  Desk& start_with(DeskOptions o) {
    o.endpoint = server_.endpoint();
    desk_ = std::make_unique<Desk>(ctx_, std::move(o), clock_);
    desk_->start();
    return *desk_;
  }

  /// A desk given `endpoints` as they are (this server's endpoint() among others), started.
  Desk& start_at(std::string endpoints, std::vector<std::string> officers = {"ISO-CSC-00001"}) {
    DeskOptions o;
    o.endpoint = std::move(endpoints);
    for (auto& id : officers) o.officers.push_back({id, Presence::kAvailable});
    o.credit = 4;
    desk_ = std::make_unique<Desk>(ctx_, std::move(o), clock_);
    desk_->start();
    return *desk_;
  }
  zmq::context_t& context() { return ctx_; }

  Desk& desk() { return *desk_; }
  ManualDeskClock& clock() { return clock_; }
  protocol::Server& server() { return server_; }
  std::vector<Event>& events() { return events_; }

  /// Lets the desk run once (its socket waits at most `wait` of real time).
  void pump(std::chrono::milliseconds wait = 1ms) {
    for (auto& e : desk_->poll(wait)) {
      if (behaviour_) behaviour_->on_event(*desk_, e);
      events_.push_back(std::move(e));
    }
    if (behaviour_) behaviour_->tick(*desk_);
  }
  /// From now on every event also goes to `b`, and `b` ticks after each poll.
  void attach(Behaviour* b) { behaviour_ = b; }

  /// The next message the server receives, pumping the desk meanwhile; fails the test when none
  /// comes within `limit` of real time. Heartbeats are skipped unless asked for.
  protocol::Message next(bool skip_heartbeats = true, std::chrono::milliseconds limit = 2000ms) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      pump();
      while (auto r = server_.try_recv()) {
        if (!r->message) {
          ADD_FAILURE() << "the desk sent something unreadable: " << r->error->what();
          continue;
        }
        peer_ = r->peer;
        if (skip_heartbeats && r->message->type == Type::kHeartbeat) continue;
        return *r->message;
      }
    }
    ADD_FAILURE() << "the desk sent nothing within " << limit.count() << " ms";
    return protocol::Message{Type::kError, json::object()};
  }

  /// The next message, which must be of type `t`.
  protocol::Message expect(Type t, bool skip_heartbeats = true) {
    auto m = next(skip_heartbeats);
    EXPECT_EQ(protocol::to_string(m.type), protocol::to_string(t)) << m.body.dump();
    return m;
  }

  /// True when the desk sends nothing (heartbeats included) during `real` of real time.
  bool quiet(std::chrono::milliseconds real = 30ms) {
    const auto until = std::chrono::steady_clock::now() + real;
    while (std::chrono::steady_clock::now() < until) {
      pump();
      if (auto r = server_.try_recv()) {
        ADD_FAILURE() << "unexpected "
                      << (r->message ? protocol::to_string(r->message->type) : "garbage") << " "
                      << (r->message ? r->message->body.dump() : "");
        return false;
      }
    }
    return true;
  }

  /// Moves the test clock on by `d` in steps, the scheduler heartbeating at each, so that the
  /// desk's lease of the scheduler does not lapse meanwhile.
  void advance_alive(std::chrono::milliseconds d, std::chrono::milliseconds step = 500ms) {
    while (d.count() > 0) {
      const auto by = std::min(d, step);
      send(Type::kHeartbeat, json::object());
      pump();
      clock_.advance(by);
      pump();
      d -= by;
    }
  }

  void send(Type t, json body) {
    ASSERT_TRUE(server_.send(peer_, protocol::Message{t, std::move(body)}));
  }
  /// Sends frames as they are, for malformed messages.
  void send_raw(const std::vector<std::string>& frames) {
    auto& s = server_.socket();
    s.send(zmq::buffer(peer_), zmq::send_flags::sndmore);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      s.send(zmq::buffer(frames[i]),
             i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }

  /// Reads HELLO and answers WELCOME with `extra` fields merged in. Returns the HELLO.
  protocol::Message welcome(json extra = json::object()) {
    auto hello = expect(Type::kHello);
    json body = {{"re", hello.body["id"]},
                 {"session", "w-test"},
                 {"heartbeat_ms", 1000},
                 {"lease_ms", 3000},
                 {"offer_timeout_ms", 30000}};
    body.update(extra);
    send(Type::kWelcome, body);
    wait_event(Event::Kind::kWelcome);
    return hello;
  }

  /// Pumps until the desk reports an event of kind `k` and returns it (removing it from the
  /// list); fails the test after `limit` of real time.
  Event wait_event(Event::Kind k, std::chrono::milliseconds limit = 2000ms) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if (it->kind == k) {
          Event e = std::move(*it);
          events_.erase(it);
          return e;
        }
      }
      if (std::chrono::steady_clock::now() >= until) break;
      pump();
    }
    ADD_FAILURE() << "no " << to_string(k) << " event within " << limit.count() << " ms";
    return Event{};
  }

  std::size_t count(Event::Kind k) const {
    std::size_t n = 0;
    for (const auto& e : events_) n += e.kind == k ? 1 : 0;
    return n;
  }

 private:
  zmq::context_t ctx_;
  protocol::Server server_;
  ManualDeskClock clock_;
  std::unique_ptr<Desk> desk_;
  Behaviour* behaviour_ = nullptr;
  std::vector<Event> events_;
  std::string peer_;
};

/// A case as the scheduler would send it.
inline json case_json(const std::string& receipt, std::int64_t epoch,
                      const std::string& state = "offered",
                      const std::string& officer = "ISO-CSC-00001",
                      const std::string& form = "I-130") {
  json c = {{"receipt", receipt},   {"epoch", epoch},         {"officer", officer},
            {"state", state},       {"form", form},           {"center", "CSC"},
            {"priority", "normal"}, {"received", 1759000000}, {"deadline", 1790856000},
            {"qa", false},          {"returning", false}};
  if (state == "offered") c["expires"] = kStart.time_since_epoch().count() + 30;
  return c;
}

}  // namespace docket::worker::testing
