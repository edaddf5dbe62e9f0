#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "docket/core/error.h"

namespace docket::store {

/// Redis answered a command with an error reply (e.g. a script's error or WRONGTYPE). The
/// connection is fine; the command was refused.
class ReplyError : public Error {
 public:
  using Error::Error;
};

/// True for an error Redis answers a command with, without running it, while it cannot run
/// commands for a reason that passes: loading its data (LOADING), a script running past
/// busy-reply-threshold (BUSY), a replica cut off from its master or turned read-only by a
/// failover (MASTERDOWN, READONLY), a cluster moving slots (TRYAGAIN, CLUSTERDOWN), memory
/// full (OOM), a failed background save (MISCONF), too few replicas (NOREPLICAS). The command
/// may be sent again later, as after a lost connection.
bool cannot_run_yet(std::string_view error);

/// A Redis reply, decoded from hiredis' redisReply into owned values.
struct Reply {
  enum class Type : std::uint8_t { kNil, kInteger, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  std::int64_t integer = 0;
  std::string str;              ///< kString, kStatus and kError.
  std::vector<Reply> elements;  ///< kArray.

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
  /// The string of a kString/kStatus reply. Throws ReplyError on an error reply, InvalidArgument
  /// on any other type.
  const std::string& as_string() const;
  /// The integer of a kInteger reply (or a kString holding one). Throws as as_string().
  std::int64_t as_integer() const;
};

/// Where and how to reach Redis.
struct RedisOptions {
  static constexpr int DEFAULT_CONNECT_TIMEOUT_MS = 2'000;
  static constexpr int DEFAULT_COMMAND_TIMEOUT_MS = 5'000;
  static constexpr int DEFAULT_RECONNECT_ATTEMPTS = 5;
  static constexpr int DEFAULT_RECONNECT_BACKOFF_MS = 50;

  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  ///< AUTH when not empty.
  int connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  int command_timeout_ms = DEFAULT_COMMAND_TIMEOUT_MS;
  /// How many times an idempotent command is retried after a lost connection (with exponential
  /// backoff starting at reconnect_backoff_ms), before IoError reaches the caller.
  int reconnect_attempts = DEFAULT_RECONNECT_ATTEMPTS;
  int reconnect_backoff_ms = DEFAULT_RECONNECT_BACKOFF_MS;
};

/// The longest after its first write that a request sent ahead is written again: the first read
/// and every reconnect attempt may wait out the connect and command timeouts, with the backoffs
/// between them (a timeout of 0, none, counts as 0; the sum saturates at a day). The connection
/// holds the bound whatever the waits took: a request it would send again later fails instead,
/// as a timeout. A call's retry key must outlast it (StoreOptions::retry_ttl_s).
std::chrono::milliseconds longest_resend(const RedisOptions& options);

namespace detail {
/// Code the server runs by name (a function of a library, or a script by its SHA1), with the
/// source that gives it to the server again (redis.cc).
struct Code;
}  // namespace detail

/// Counters a connection keeps, for metrics and tests.
struct RedisCounters {
  std::uint64_t commands = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t io_errors = 0;
  std::uint64_t reply_errors = 0;
  /// NOSCRIPT answered (script loaded again), or a function not found (library loaded again).
  std::uint64_t script_reloads = 0;
};

/// One synchronous connection to Redis over hiredis. Not thread-safe: one per thread.
///
/// Errors are translated at this boundary: a refused or lost connection is IoError, a deadline
/// passing is TimeoutError, an error reply is ReplyError (only from the throwing calls; the
/// pipelined calls return error replies in place so one bad command does not hide the others).
///
/// A write to a socket the server has closed raises SIGPIPE, whose default action ends the
/// process: the connection blocks the signal in the calling thread while it uses the socket,
/// unless the process ignored SIGPIPE when the connection (or its latest reconnection) opened.
/// A process that ignores SIGPIPE and later gives it back a default action or a handler must
/// not use a connection it used meanwhile: the connection may have reconnected in that time
/// (it does so by itself), and it then writes unguarded.
class RedisConnection {
 public:
  /// Connects. Throws IoError (or TimeoutError) when the server cannot be reached.
  explicit RedisConnection(RedisOptions options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Runs one command. When the connection is lost, reconnects and retries if `idempotent`,
  /// else throws IoError at once (the command may or may not have run). Throws IoError on an
  /// error reply for which cannot_run_yet() holds, ReplyError on any other.
  Reply command(const std::vector<std::string>& argv, bool idempotent = true);
  /// Sends every command, then reads every reply (one round trip). Error replies are returned in
  /// place. The retry rule of command() applies to the whole batch.
  std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& commands,
                              bool idempotent = true);

  /// Loads a Lua script (SCRIPT LOAD) and returns its SHA1.
  std::string load_script(std::string_view source);
  /// EVALSHA with the script's source kept for NOSCRIPT: on NOSCRIPT (a restarted or flushed
  /// server) the script is loaded again and the call retried once. Throws ReplyError when the
  /// script itself raises an error, IoError as command() does.
  Reply eval(std::string_view sha, std::string_view source, const std::vector<std::string>& keys,
             const std::vector<std::string>& args, bool idempotent = true);
  /// Pipelined EVALSHA calls, each with its keys and args; NOSCRIPT is handled as in eval().
  struct Call {
    std::vector<std::string> keys;
    std::vector<std::string> args;
  };
  std::vector<Reply> eval_pipeline(std::string_view sha, std::string_view source,
                                   const std::vector<Call>& calls, bool idempotent = true);

  /// A request sent ahead with send_eval_pipeline(), to be answered by receive_eval_pipeline().
  using Ticket = std::uint64_t;
  /// Sends pipelined EVALSHA calls and returns at once, without reading the replies, so that the
  /// caller can work while Redis runs them. Requests sent ahead are run, and answered, in the
  /// order sent; any other call on this connection first reads the replies of those still out
  /// (and keeps them for their tickets). Only for calls that are safe to repeat (the store's
  /// carry retry keys): when the connection is lost before every reply was read, the requests
  /// still unanswered are sent again, in order, on a new connection.
  Ticket send_eval_pipeline(std::string_view sha, const std::vector<Call>& calls);
  /// The replies to a request sent ahead, in call order (waits for them); NOSCRIPT is handled as
  /// in eval_pipeline(). Throws IoError or TimeoutError when the request could not be answered,
  /// InvalidArgument for a ticket that is not out (already received or abandoned).
  std::vector<Reply> receive_eval_pipeline(Ticket ticket, std::string_view sha,
                                           std::string_view source);
  /// Loads a Redis Functions library (FUNCTION LOAD REPLACE; its source starts "#!lua name=")
  /// and returns its name. Throws ReplyError for a library Redis refuses (a syntax error, a
  /// function name another library has) or a server without Redis Functions (before 7.0).
  std::string load_library(std::string_view library);
  /// FCALL of `function`, with the source of the library that registers it kept as eval() keeps
  /// a script's: when the server answers that the function is not found (a restart without its
  /// data, FUNCTION FLUSH, a failover to a server that never had it), the library is loaded
  /// again and the call retried once. Throws as eval().
  Reply fcall(std::string_view function, std::string_view library,
              const std::vector<std::string>& keys, const std::vector<std::string>& args,
              bool idempotent = true);
  /// send_eval_pipeline() and receive_eval_pipeline() for FCALL calls of `function`, reloading
  /// its library as fcall() does.
  Ticket send_fcall_pipeline(std::string_view function, const std::vector<Call>& calls);
  std::vector<Reply> receive_fcall_pipeline(Ticket ticket, std::string_view function,
                                            std::string_view library);
  /// The caller will not read the replies to `ticket`: they are discarded when they come.
  void abandon(Ticket ticket);
  /// Reads, without waiting, the replies that have come in for requests sent ahead, and keeps
  /// them for their tickets. True when receive_eval_pipeline(ticket) can go on without waiting
  /// for Redis: every reply of the request is in, the connection has failed (receiving then
  /// reconnects and sends again, or throws), or Redis has not answered the oldest request for
  /// command_timeout_ms (then every request out has failed, as if a read had timed out, and
  /// receiving throws TimeoutError; the next call opens a new connection).
  /// Also true for a ticket that is not out (receiving throws InvalidArgument). Never throws
  /// for a connection fault.
  bool ready(Ticket ticket);
  /// The connection's socket, to poll for the replies of requests sent ahead (POLLIN); -1 while
  /// there is no connection.
  int fd() const;
  /// Requests sent ahead whose replies nobody has received yet.
  std::size_t in_flight() const;

  /// True if the last command found the connection usable.
  bool connected() const;
  const RedisCounters& counters() const { return counters_; }
  const RedisOptions& options() const { return options_; }

 private:
  using Code = detail::Code;
  /// Runs `code`, loading it again if the server has lost it.
  Reply call(const Code& code, const std::vector<std::string>& keys,
             const std::vector<std::string>& args, bool idempotent);
  /// The requests sent ahead of either kind, and their replies (finish_pipeline()).
  Ticket send_pipeline(const Code& code, const std::vector<Call>& calls);
  std::vector<Reply> receive_pipeline(Ticket ticket, const Code& code);
  /// Runs again, after reloading the script or library, the calls that found it missing, and
  /// counts the error replies.
  void finish_pipeline(std::vector<Reply>& replies, std::vector<std::vector<std::string>>& commands,
                       const Code& code, bool idempotent);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  RedisOptions options_;
  RedisCounters counters_;
};

}  // namespace docket::store
