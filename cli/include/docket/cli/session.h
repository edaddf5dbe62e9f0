#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "docket/core/error.h"
#include "docket/protocol/channel.h"

namespace docket::cli {

/// An ERROR reply to a management request. Unlike protocol::ProtocolError it keeps the code as
/// the scheduler spelled it, so a code newer than this program is still printed as sent.
class Refused : public Error {
 public:
  Refused(std::string code, const std::string& message) : Error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }
  /// unknown_case and unknown_officer: what was named does not exist.
  bool not_found() const { return code_ == "unknown_case" || code_ == "unknown_officer"; }

 private:
  std::string code_;
};

/// How to reach the scheduler's management socket.
struct SessionOptions {
  /// How long each endpoint of a list gets to answer the leader probe (at most `timeout`).
  static constexpr std::chrono::milliseconds DEFAULT_PROBE_TIMEOUT{2000};

  /// One endpoint, or several separated by commas (a high-availability group): then the first
  /// request is preceded by a `ping` to each in turn, and the session stays with the first that
  /// answers as the leader (a standby does not bind its sockets, so it does not answer).
  std::string endpoint;
  std::chrono::milliseconds probe_timeout = DEFAULT_PROBE_TIMEOUT;
  std::chrono::milliseconds timeout{5000};  ///< Per request: the wait for its answer.
  std::string server_key;                   ///< CURVE: the scheduler's public key (Z85).
};

/// The answer to one request: the REPLY's result, or the ERROR.
struct Answer {
  nlohmann::json result;  ///< Null when `refused` is set.
  std::optional<Refused> refused;
};

/// A management connection that can keep several requests in flight (docs/protocol.md
/// section 4: answers come back in order). protocol::Client::call waits for each answer before
/// the next request, which would make a large import pay one round trip per batch; this class
/// adds the pipelined form on top of Client::send and Client::recv.
class Session {
 public:
  /// Connects to the first endpoint (ZeroMQ connects lazily, so nothing is known about the peer
  /// yet). Throws InvalidArgument for an endpoint ZeroMQ cannot parse, or when `endpoint` names
  /// none.
  explicit Session(SessionOptions options);
  ~Session();

  /// Sends a request and returns its id without waiting. With several endpoints, the first call
  /// finds the leader first; it throws TimeoutError when none answers as the leader.
  std::int64_t send(const std::string& cmd, nlohmann::json args);
  /// Waits for the answer to request `id`, at most the timeout from now. Throws TimeoutError
  /// when nothing came. Answers to other requests that arrive first are kept for their own wait.
  Answer wait(std::int64_t id);
  /// send() then wait(); throws Refused for an ERROR answer.
  nlohmann::json call(const std::string& cmd, nlohmann::json args);

  const SessionOptions& options() const { return options_; }
  /// The endpoint requests go to (the leader found, with several).
  const std::string& endpoint() const { return endpoints_[current_]; }

 private:
  void connect(std::size_t index);
  void find_leader();

  SessionOptions options_;
  std::vector<std::string> endpoints_;
  std::size_t current_ = 0;
  bool leader_found_ = false;
  protocol::ChannelOptions channel_;
  zmq::context_t ctx_;
  std::unique_ptr<protocol::Client> client_;
  std::int64_t next_id_ = 1;
  std::set<std::int64_t> pending_;        // Sent, answer not yet received.
  std::map<std::int64_t, Answer> early_;  // Answers received before their wait().
};

}  // namespace docket::cli
