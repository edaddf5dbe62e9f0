#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docket/protocol/protocol.h"

namespace docket::protocol {

/// CURVE keys (Z85 text, 40 characters each). Empty: plain TCP.
struct CurveKeys {
  std::string server_public;  ///< The scheduler's public key (both sides).
  std::string secret;         ///< This side's secret key.
  std::string public_key;     ///< This side's public key (clients).
  bool enabled() const { return !server_public.empty() || !secret.empty(); }
};

struct ChannelOptions {
  static constexpr int DEFAULT_HIGH_WATER_MARK = 100'000;

  std::size_t max_message_bytes = DEFAULT_MAX_MESSAGE_BYTES;
  int high_water_mark = DEFAULT_HIGH_WATER_MARK;
  std::string identity;  ///< Client routing id; empty = ZeroMQ picks one.
  CurveKeys curve;
};

/// A message from a client, or the reason it could not be read. Either `message` or `error` is
/// set.
struct Received {
  std::string peer;  ///< The client's routing id.
  std::optional<Message> message;
  std::optional<ProtocolError> error;
  std::optional<Type> raw_type;  ///< The type frame when it could be read (for error replies).
};

/// The scheduler's side: a bound ROUTER socket. Not thread-safe (one event loop owns it).
class Server {
 public:
  /// Binds `endpoint` ("tcp://127.0.0.1:0" picks a free port). Throws IoError when it cannot.
  Server(zmq::context_t& ctx, const std::string& endpoint, ChannelOptions options = {});
  /// The endpoint actually bound, with the port chosen.
  std::string endpoint() const;
  /// Receives one message without waiting; an empty optional when none is waiting. A message
  /// that cannot be read comes back with `error` set (the caller replies and counts it). Throws
  /// IoError for a fault of the socket itself.
  std::optional<Received> try_recv();
  /// Sends without waiting. False when the peer is gone or its queue is full (the message is
  /// dropped: every message the scheduler sends is either a reply or recoverable by timeout).
  bool send(const std::string& peer, const Message& m);
  /// send() for a body already serialised: `body` must be the text of a JSON object (the caller
  /// writes it; nothing here checks it). For large messages built without a JSON value.
  bool send_body(const std::string& peer, Type type, std::string_view body);
  zmq::socket_t& socket() { return socket_; }

 private:
  bool send_frames(const std::string& peer, std::vector<zmq::message_t>& frames);
  zmq::socket_t socket_;
  ChannelOptions options_;
};

/// A client's side: one connected DEALER socket. Not thread-safe.
class Client {
 public:
  /// Connects to `endpoint`. Throws IoError when the endpoint is not valid.
  Client(zmq::context_t& ctx, const std::string& endpoint, ChannelOptions options = {});
  /// Queues a message (blocking only when the send queue is full). Throws IoError on a fault.
  void send(const Message& m);
  /// Waits up to `timeout` for a message; an empty optional when none came. Throws
  /// ProtocolError when what came cannot be read.
  std::optional<Message> recv(std::chrono::milliseconds timeout);
  /// Sends a management REQUEST and waits for its REPLY. Throws ProtocolError with the server's
  /// code for an ERROR reply, TimeoutError when nothing came within `timeout`.
  nlohmann::json call(const std::string& cmd, nlohmann::json args,
                      std::chrono::milliseconds timeout);
  zmq::socket_t& socket() { return socket_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  zmq::socket_t socket_;
  ChannelOptions options_;
  std::string endpoint_;
  std::int64_t next_id_ = 1;
};

/// A fresh CURVE key pair (public, secret), Z85 text. Throws IoError when libzmq lacks CURVE.
std::pair<std::string, std::string> curve_keypair();

/// The endpoints of a comma-separated list ("tcp://a:5555, tcp://b:5555"), in order, blanks
/// around each trimmed and empty items skipped: the schedulers a worker or docketctl may reach,
/// the leader among them. Throws InvalidArgument when the list names none.
std::vector<std::string> split_endpoints(std::string_view list);

}  // namespace docket::protocol
