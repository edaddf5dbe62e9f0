#include "docket/protocol/channel.h"

#include <zmq_addon.hpp>

namespace docket::protocol {
namespace {

void set_common(zmq::socket_t& s, const ChannelOptions& o) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, o.high_water_mark);
  s.set(zmq::sockopt::rcvhwm, o.high_water_mark);
  // Far larger messages are dropped by libzmq itself (it closes that connection); those up to
  // 4x the limit are read, so that the peer is told why it was refused.
  s.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(o.max_message_bytes * 4));
}

std::vector<zmq::message_t> read_all(zmq::socket_t& s, zmq::recv_flags flags, bool& got) {
  std::vector<zmq::message_t> frames;
  got = zmq::recv_multipart(s, std::back_inserter(frames), flags).has_value();
  return frames;
}

}  // namespace

Server::Server(zmq::context_t& ctx, const std::string& endpoint, ChannelOptions options)
    : socket_(ctx, zmq::socket_type::router), options_(std::move(options)) {
  set_common(socket_, options_);
  // Sending to a peer that is gone fails instead of vanishing, so the caller can count it.
  socket_.set(zmq::sockopt::router_mandatory, 1);
  if (options_.curve.enabled()) {
    socket_.set(zmq::sockopt::curve_server, 1);
    socket_.set(zmq::sockopt::curve_secretkey, options_.curve.secret);
  }
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    throw IoError("cannot bind " + endpoint + ": " + e.what());
  }
}

std::string Server::endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

std::optional<Received> Server::try_recv() {
  std::vector<zmq::message_t> frames;
  try {
    if (!zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait))
      return std::nullopt;
  } catch (const zmq::error_t& e) {
    if (e.num() == EAGAIN || e.num() == EINTR) return std::nullopt;
    throw IoError(std::string("receive: ") + e.what());
  }
  Received r;
  if (frames.empty()) return std::nullopt;
  r.peer = frames.front().to_string();
  frames.erase(frames.begin());
  if (frames.size() >= 2) r.raw_type = parse_type(frames[1].to_string_view());
  try {
    r.message = decode(frames, options_.max_message_bytes);
  } catch (const ProtocolError& e) {
    r.error = e;
  }
  return r;
}

bool Server::send(const std::string& peer, const Message& m) {
  auto frames = encode(m);
  return send_frames(peer, frames);
}

bool Server::send_body(const std::string& peer, Type type, std::string_view body) {
  std::vector<zmq::message_t> frames;
  frames.reserve(3);
  frames.emplace_back(kSignature.data(), kSignature.size());
  const auto name = to_string(type);
  frames.emplace_back(name.data(), name.size());
  frames.emplace_back(body.data(), body.size());
  return send_frames(peer, frames);
}

bool Server::send_frames(const std::string& peer, std::vector<zmq::message_t>& frames) {
  try {
    if (!socket_.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
      return false;
    // After the routing frame the message is committed: the rest cannot fail with EAGAIN.
    socket_.send(frames[0], zmq::send_flags::sndmore);
    socket_.send(frames[1], zmq::send_flags::sndmore);
    socket_.send(frames[2], zmq::send_flags::none);
    return true;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH || e.num() == EAGAIN) return false;
    throw IoError(std::string("send: ") + e.what());
  }
}

Client::Client(zmq::context_t& ctx, const std::string& endpoint, ChannelOptions options)
    : socket_(ctx, zmq::socket_type::dealer), options_(std::move(options)), endpoint_(endpoint) {
  set_common(socket_, options_);
  if (!options_.identity.empty()) socket_.set(zmq::sockopt::routing_id, options_.identity);
  if (options_.curve.enabled()) {
    socket_.set(zmq::sockopt::curve_serverkey, options_.curve.server_public);
    socket_.set(zmq::sockopt::curve_publickey, options_.curve.public_key);
    socket_.set(zmq::sockopt::curve_secretkey, options_.curve.secret);
  }
  try {
    socket_.connect(endpoint);
  } catch (const zmq::error_t& e) {
    throw IoError("cannot connect to " + endpoint + ": " + e.what());
  }
}

void Client::send(const Message& m) {
  auto frames = encode(m);
  try {
    socket_.send(frames[0], zmq::send_flags::sndmore);
    socket_.send(frames[1], zmq::send_flags::sndmore);
    socket_.send(frames[2], zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    throw IoError(std::string("send: ") + e.what());
  }
}

std::optional<Message> Client::recv(std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  try {
    if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
    bool got = false;
    auto frames = read_all(socket_, zmq::recv_flags::dontwait, got);
    if (!got) return std::nullopt;
    return decode(frames, options_.max_message_bytes);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return std::nullopt;
    throw IoError(std::string("receive: ") + e.what());
  }
}

nlohmann::json Client::call(const std::string& cmd, nlohmann::json args,
                            std::chrono::milliseconds timeout) {
  const std::int64_t id = next_id_++;
  send(Message{Type::kRequest, {{"id", id}, {"cmd", cmd}, {"args", std::move(args)}}});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw TimeoutError("no answer from " + endpoint_ + " to '" + cmd + "'");
    auto m = recv(left);
    if (!m) continue;
    // Answers to earlier requests that timed out are skipped.
    const auto re = m->body.find("re");
    if (re == m->body.end() || *re != id) continue;
    if (m->type == Type::kError) {
      const auto code = parse_code(optional_string(m->body, "code")).value_or(Code::kInternal);
      throw ProtocolError(code, optional_string(m->body, "message", "error"));
    }
    if (m->type != Type::kReply)
      throw ProtocolError(Code::kMalformed,
                          "expected REPLY, got " + std::string(to_string(m->type)));
    return m->body.value("result", nlohmann::json::object());
  }
}

std::pair<std::string, std::string> curve_keypair() {
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0) throw IoError("this libzmq has no CURVE support");
  return {pub, sec};
}

std::vector<std::string> split_endpoints(std::string_view list) {
  std::vector<std::string> out;
  std::string_view rest = list;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (!one.empty()) out.emplace_back(one);
  }
  if (out.empty()) throw InvalidArgument("no scheduler endpoint in '" + std::string(list) + "'");
  return out;
}

}  // namespace docket::protocol
