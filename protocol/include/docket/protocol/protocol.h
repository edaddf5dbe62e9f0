#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "docket/core/error.h"

/// The Docket wire protocol, version 1 (docs/protocol.md): three frames per message, a
/// signature, a type and a JSON body. Shared by the scheduler, the worker and docketctl.
namespace docket::protocol {

/// Frame 0 of every message; the digit is the protocol version.
inline constexpr std::string_view kSignature = "DKT1";
inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t DEFAULT_MAX_MESSAGE_BYTES = std::size_t{1} << 20;
inline constexpr const char* DEFAULT_WORKER_ENDPOINT = "tcp://127.0.0.1:5570";
inline constexpr const char* DEFAULT_MANAGEMENT_ENDPOINT = "tcp://127.0.0.1:5571";

enum class Type : std::uint8_t {
  // Worker socket.
  kHello,
  kWelcome,
  kOffer,
  kAccept,
  kDecline,
  kDecide,
  kResult,
  kPull,
  kPresence,
  kCredit,
  kHeartbeat,
  kBye,
  kLeaseLost,
  kShutdown,
  // Management socket.
  kRequest,
  kReply,
  // Both.
  kError,
};
inline constexpr int kTypeCount = 17;
/// "HELLO", "LEASE_LOST", ...
std::string_view to_string(Type t);
std::optional<Type> parse_type(std::string_view text);

/// The codes an ERROR message carries (docs/protocol.md, section 2).
enum class Code : std::uint8_t {
  kMalformed,
  kTooLarge,
  kVersion,
  kUnknownType,
  kBadRequest,
  kNotRegistered,
  kUnknownCommand,
  kUnknownOfficer,
  kUnknownCase,
  kUnavailable,
  kNotLeader,
  kInternal,
};
inline constexpr int kCodeCount = 12;
/// "malformed", "too_large", ...
std::string_view to_string(Code c);
std::optional<Code> parse_code(std::string_view text);

/// A request or message the protocol refuses; what an ERROR reply carries.
class ProtocolError : public Error {
 public:
  ProtocolError(Code code, const std::string& message) : Error(message), code_(code) {}
  Code code() const { return code_; }

 private:
  Code code_;
};

/// One message: its type and its JSON body (always an object).
struct Message {
  Type type = Type::kHeartbeat;
  nlohmann::json body = nlohmann::json::object();
};

/// The three frames of a message.
std::vector<zmq::message_t> encode(const Message& m);

/// Reads the frames of one message (routing id already stripped). Throws ProtocolError:
/// kTooLarge when the frames together exceed `max_bytes`; kMalformed for another number of
/// frames, a bad signature or a body that is not a JSON object; kVersion for a signature of
/// another version; kUnknownType for a type this version does not have.
Message decode(const std::vector<zmq::message_t>& frames,
               std::size_t max_bytes = DEFAULT_MAX_MESSAGE_BYTES);

/// An ERROR message; `re` is copied from the request when it has one.
Message error_message(Code code, std::string_view message, const nlohmann::json* re = nullptr);

/// Field access that names what is wrong. Each throws ProtocolError(kBadRequest) with the path
/// of the field ("offers[2].epoch") when the field is missing or of the wrong type.
const nlohmann::json& require(const nlohmann::json& obj, std::string_view key,
                              std::string_view path = {});
std::string require_string(const nlohmann::json& obj, std::string_view key,
                           std::string_view path = {});
std::int64_t require_int(const nlohmann::json& obj, std::string_view key,
                         std::string_view path = {});
const nlohmann::json& require_array(const nlohmann::json& obj, std::string_view key,
                                    std::string_view path = {});
/// The optional forms return the default when the field is absent (or null), and throw when it
/// is present with the wrong type.
std::string optional_string(const nlohmann::json& obj, std::string_view key, std::string def = {},
                            std::string_view path = {});
std::int64_t optional_int(const nlohmann::json& obj, std::string_view key, std::int64_t def,
                          std::string_view path = {});
bool optional_bool(const nlohmann::json& obj, std::string_view key, bool def,
                   std::string_view path = {});
/// "path[i]" for error messages.
std::string item_path(std::string_view array, std::size_t i);

}  // namespace docket::protocol
