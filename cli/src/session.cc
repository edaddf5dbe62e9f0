#include "docket/cli/session.h"

namespace docket::cli {

Session::Session(SessionOptions options) : options_(std::move(options)) {
  protocol::ChannelOptions channel;
  if (!options_.server_key.empty()) {
    // A management client needs no lasting identity: a fresh key pair per run is enough for
    // CURVE's encryption, and the scheduler authorizes by its own policy.
    const auto [pub, sec] = protocol::curve_keypair();
    channel.curve.server_public = options_.server_key;
    channel.curve.public_key = pub;
    channel.curve.secret = sec;
  }
  try {
    client_ = std::make_unique<protocol::Client>(ctx_, options_.endpoint, channel);
  } catch (const IoError& e) {
    throw InvalidArgument(std::string("--scheduler: ") + e.what() + " (expected tcp://host:port)");
  }
}

Session::~Session() {
  // The socket must close before the context, or the context's destructor would wait for it.
  client_.reset();
}

std::int64_t Session::send(const std::string& cmd, nlohmann::json args) {
  const std::int64_t id = next_id_++;
  pending_.insert(id);
  client_->send(protocol::Message{protocol::Type::kRequest,
                                  {{"id", id}, {"cmd", cmd}, {"args", std::move(args)}}});
  return id;
}

Answer Session::wait(std::int64_t id) {
  if (const auto it = early_.find(id); it != early_.end()) {
    Answer a = std::move(it->second);
    early_.erase(it);
    return a;
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      pending_.erase(id);
      throw TimeoutError("no answer from " + options_.endpoint + " within " +
                         std::to_string(options_.timeout.count()) + " ms");
    }
    std::optional<protocol::Message> m;
    try {
      m = client_->recv(left);
    } catch (const protocol::ProtocolError& e) {
      // An answer this program cannot read is the scheduler's fault as much as a refusal.
      throw Refused(std::string(protocol::to_string(e.code())), e.what());
    }
    if (!m) continue;
    const auto re_it = m->body.find("re");
    if (re_it == m->body.end() || !re_it->is_number_integer()) continue;
    const auto re = re_it->get<std::int64_t>();
    // Answers to requests nobody waits for any more (they timed out) are dropped.
    if (re != id && !pending_.contains(re)) continue;
    Answer a;
    if (m->type == protocol::Type::kError) {
      const auto code = m->body.find("code");
      const auto message = m->body.find("message");
      a.refused.emplace(
          code != m->body.end() && code->is_string() ? code->get<std::string>() : "internal",
          message != m->body.end() && message->is_string() ? message->get<std::string>() : "error");
    } else if (m->type == protocol::Type::kReply) {
      a.result = m->body.value("result", nlohmann::json::object());
    } else {
      a.refused.emplace("malformed",
                        "expected REPLY, got " + std::string(protocol::to_string(m->type)));
    }
    pending_.erase(re);
    if (re == id) return a;
    early_[re] = std::move(a);
  }
}

nlohmann::json Session::call(const std::string& cmd, nlohmann::json args) {
  Answer a = wait(send(cmd, std::move(args)));
  if (a.refused) throw *a.refused;
  return std::move(a.result);
}

}  // namespace docket::cli
