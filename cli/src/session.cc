#include "docket/cli/session.h"

#include <algorithm>
#include <string_view>

namespace docket::cli {

Session::Session(SessionOptions options) : options_(std::move(options)) {
  endpoints_ = protocol::split_endpoints(options_.endpoint);
  leader_found_ = endpoints_.size() == 1;
  protocol::ChannelOptions& channel = channel_;
  if (!options_.server_key.empty()) {
    // A management client needs no lasting identity: a fresh key pair per run is enough for
    // CURVE's encryption, and the scheduler authorizes by its own policy.
    const auto [pub, sec] = protocol::curve_keypair();
    channel.curve.server_public = options_.server_key;
    channel.curve.public_key = pub;
    channel.curve.secret = sec;
  }
  connect(0);
}

void Session::connect(std::size_t index) {
  client_.reset();
  current_ = index;
  try {
    client_ = std::make_unique<protocol::Client>(ctx_, endpoints_[index], channel_);
  } catch (const IoError& e) {
    throw InvalidArgument(std::string("--scheduler: ") + e.what() + " (expected tcp://host:port)");
  }
}

void Session::find_leader() {
  leader_found_ = true;
  const auto saved = options_.timeout;
  options_.timeout = std::min(options_.timeout, options_.probe_timeout);
  std::string tried;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (i != current_) connect(i);
    try {
      const Answer a = wait(send("ping", nlohmann::json::object()));
      if (!a.refused && a.result.value("leader", false)) {
        options_.timeout = saved;
        return;
      }
      tried += (tried.empty() ? "" : "; ") + endpoints_[i] + " answered as a standby";
    } catch (const TimeoutError&) {
      tried += (tried.empty() ? "" : "; ") + endpoints_[i] + " did not answer";
    }
    pending_.clear();
    early_.clear();
  }
  options_.timeout = saved;
  throw TimeoutError("no scheduler answered as the leader within " +
                     std::to_string(options_.probe_timeout.count()) + " ms each (" + tried + ")");
}

Session::~Session() {
  // The socket must close before the context, or the context's destructor would wait for it.
  client_.reset();
}

std::int64_t Session::send(const std::string& cmd, nlohmann::json args) {
  if (!leader_found_) find_leader();
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
      throw TimeoutError("no answer from " + endpoint() + " within " +
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
