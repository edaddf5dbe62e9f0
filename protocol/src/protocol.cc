#include "docket/protocol/protocol.h"

#include <array>

namespace docket::protocol {
namespace {

constexpr std::array<std::string_view, kTypeCount> kTypeNames = {
    "HELLO",      "WELCOME",  "OFFER",    "ACCEPT", "DECLINE",   "DECIDE",
    "RESULT",     "PULL",     "PRESENCE", "CREDIT", "HEARTBEAT", "BYE",
    "LEASE_LOST", "SHUTDOWN", "REQUEST",  "REPLY",  "ERROR"};

constexpr std::array<std::string_view, kCodeCount> kCodeNames = {
    "malformed",    "too_large",      "version",         "unknown_type",
    "bad_request",  "not_registered", "unknown_command", "unknown_officer",
    "unknown_case", "unavailable",    "not_leader",      "internal"};

std::string where(std::string_view path, std::string_view key) {
  std::string p(path);
  if (!p.empty()) p += '.';
  p += key;
  return p;
}

[[noreturn]] void wrong(std::string_view path, std::string_view key, std::string_view expected,
                        const nlohmann::json* got) {
  std::string m = "field '" + where(path, key) + "': ";
  m += got ? "expected " + std::string(expected) + ", got " + std::string(got->type_name())
           : "missing";
  throw ProtocolError(Code::kBadRequest, m);
}

const nlohmann::json* find(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

std::string_view to_string(Type t) { return kTypeNames.at(static_cast<std::size_t>(t)); }

std::optional<Type> parse_type(std::string_view text) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == text) return static_cast<Type>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Code c) { return kCodeNames.at(static_cast<std::size_t>(c)); }

std::optional<Code> parse_code(std::string_view text) {
  for (std::size_t i = 0; i < kCodeNames.size(); ++i) {
    if (kCodeNames[i] == text) return static_cast<Code>(i);
  }
  return std::nullopt;
}

std::vector<zmq::message_t> encode(const Message& m) {
  std::vector<zmq::message_t> frames;
  frames.reserve(3);
  frames.emplace_back(kSignature.data(), kSignature.size());
  const auto type = to_string(m.type);
  frames.emplace_back(type.data(), type.size());
  // A default-constructed body (null) is sent as the empty object the protocol requires.
  const std::string body =
      m.body.is_null() ? std::string("{}")
                       : m.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  frames.emplace_back(body.data(), body.size());
  return frames;
}

Message decode(const std::vector<zmq::message_t>& frames, std::size_t max_bytes) {
  std::size_t total = 0;
  for (const auto& f : frames) total += f.size();
  if (total > max_bytes) {
    throw ProtocolError(Code::kTooLarge, "message of " + std::to_string(total) +
                                             " bytes exceeds the limit of " +
                                             std::to_string(max_bytes));
  }
  if (frames.size() != 3) {
    throw ProtocolError(Code::kMalformed, "expected 3 frames (signature, type, body), got " +
                                              std::to_string(frames.size()));
  }
  const std::string_view sig = frames[0].to_string_view();
  if (sig != kSignature) {
    if (sig.size() == 4 && sig.substr(0, 3) == "DKT") {
      throw ProtocolError(Code::kVersion, "protocol version '" + std::string(sig.substr(3)) +
                                              "' is not spoken here; this scheduler speaks " +
                                              std::string(kSignature));
    }
    throw ProtocolError(Code::kMalformed, "frame 0 must be the signature DKT1");
  }
  const std::string_view type_text = frames[1].to_string_view();
  const auto type = parse_type(type_text);
  if (!type) {
    std::string shown(type_text.substr(0, 32));
    for (char& ch : shown) {
      if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) ch = '?';
    }
    throw ProtocolError(Code::kUnknownType, "unknown message type '" + shown + "'");
  }
  Message m;
  m.type = *type;
  const auto body = frames[2].to_string_view();
  // The parser validates UTF-8 and rejects trailing garbage; exceptions stay off for speed.
  m.body = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (m.body.is_discarded())
    throw ProtocolError(Code::kMalformed, "body is not valid JSON (UTF-8)");
  if (!m.body.is_object()) throw ProtocolError(Code::kMalformed, "body must be a JSON object");
  return m;
}

Message error_message(Code code, std::string_view message, const nlohmann::json* re) {
  Message m{Type::kError, {{"code", to_string(code)}, {"message", message}}};
  if (re && !re->is_null()) m.body["re"] = *re;
  return m;
}

const nlohmann::json& require(const nlohmann::json& obj, std::string_view key,
                              std::string_view path) {
  const auto* v = find(obj, key);
  if (!v) wrong(path, key, "", nullptr);
  return *v;
}

std::string require_string(const nlohmann::json& obj, std::string_view key, std::string_view path) {
  const auto& v = require(obj, key, path);
  if (!v.is_string()) wrong(path, key, "a string", &v);
  return v.get<std::string>();
}

std::int64_t require_int(const nlohmann::json& obj, std::string_view key, std::string_view path) {
  const auto& v = require(obj, key, path);
  if (!v.is_number_integer()) wrong(path, key, "an integer", &v);
  return v.get<std::int64_t>();
}

const nlohmann::json& require_array(const nlohmann::json& obj, std::string_view key,
                                    std::string_view path) {
  const auto& v = require(obj, key, path);
  if (!v.is_array()) wrong(path, key, "an array", &v);
  return v;
}

std::string optional_string(const nlohmann::json& obj, std::string_view key, std::string def,
                            std::string_view path) {
  const auto* v = find(obj, key);
  if (!v) return def;
  if (!v->is_string()) wrong(path, key, "a string", v);
  return v->get<std::string>();
}

std::int64_t optional_int(const nlohmann::json& obj, std::string_view key, std::int64_t def,
                          std::string_view path) {
  const auto* v = find(obj, key);
  if (!v) return def;
  if (!v->is_number_integer()) wrong(path, key, "an integer", v);
  return v->get<std::int64_t>();
}

bool optional_bool(const nlohmann::json& obj, std::string_view key, bool def,
                   std::string_view path) {
  const auto* v = find(obj, key);
  if (!v) return def;
  if (!v->is_boolean()) wrong(path, key, "true or false", v);
  return v->get<bool>();
}

std::string item_path(std::string_view array, std::size_t i) {
  return std::string(array) + "[" + std::to_string(i) + "]";
}

}  // namespace docket::protocol
