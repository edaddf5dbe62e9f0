#include "docket/store/redis.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>

#include "redis_sigpipe.h"

namespace docket::store {
namespace {

constexpr std::string_view kNoScript = "NOSCRIPT";
// FCALL's answer for a function no loaded library registers.
constexpr std::string_view kNoFunction = "ERR Function not found";

std::string_view type_name(Reply::Type type) {
  switch (type) {
    case Reply::Type::kNil:
      return "nil";
    case Reply::Type::kInteger:
      return "integer";
    case Reply::Type::kString:
      return "string";
    case Reply::Type::kStatus:
      return "status";
    case Reply::Type::kArray:
      return "array";
    case Reply::Type::kError:
      return "error";
  }
  return "unknown";
}

Reply convert(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default:
      // RESP3 types (hiredis 1.x) are never negotiated here: the connection speaks RESP2.
      out.type = Reply::Type::kNil;
      break;
  }
  return out;
}

struct ReplyDeleter {
  void operator()(void* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

timeval to_timeval(int ms) { return timeval{.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}; }

using detail::SigpipeGuard;

// Commands of one request, viewed in place so that large values are not copied.
using Batch = std::span<const std::vector<std::string>>;

// The arguments of one command as hiredis wants them: pointers and lengths, so any byte
// (NUL included) passes through.
struct Argv {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;

  explicit Argv(const std::vector<std::string>& args) {
    ptrs.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
};

// A transport failure inside one attempt; run() decides between retrying and throwing.
struct Fault {
  enum class Kind : std::uint8_t { kLost, kTimeout };
  Kind kind;
  bool sent;  // Whether part of the request may have reached the server.
  std::string what;
};

bool is_timeout(const redisContext& c) {
#ifdef REDIS_ERR_TIMEOUT
  if (c.err == REDIS_ERR_TIMEOUT) return true;
#endif
  if (c.err != REDIS_ERR_IO) return false;
  // hiredis formats errstr from errno at the failing call: SO_RCVTIMEO and SO_SNDTIMEO expiring
  // surface as EAGAIN, a connect() waiting too long as ETIMEDOUT. errno itself may have been
  // overwritten since, errstr has not.
  const std::string_view text = c.errstr;
  return text == std::strerror(EAGAIN) || text == std::strerror(ETIMEDOUT) ||
         text.find("timed out") != std::string_view::npos;
}

Fault fault_from(const redisContext& c, int saved_errno, bool sent) {
  std::string what = c.errstr[0] != '\0' ? std::string(c.errstr) : std::strerror(saved_errno);
  if (c.err == REDIS_ERR_EOF) what = "connection closed by the server (" + what + ")";
  return Fault{is_timeout(c) ? Fault::Kind::kTimeout : Fault::Kind::kLost, sent, std::move(what)};
}

}  // namespace

namespace detail {
struct Code {
  bool function = false;  // FCALL of a library's function, else EVALSHA of a script.
  std::string_view name;  // The function's name, or the script's SHA1.
  std::string_view source;
};
}  // namespace detail

namespace {

using detail::Code;

/// True when the server ran nothing because it does not have the code (NOSCRIPT, or no such
/// function), so that loading it and running the call again is safe for any call.
bool is_missing(const Code& code, const Reply& r) {
  return r.is_error() && r.str.starts_with(code.function ? kNoFunction : kNoScript);
}

std::vector<std::string> call_argv(const Code& code, const std::vector<std::string>& keys,
                                   const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back(code.function ? "FCALL" : "EVALSHA");
  argv.emplace_back(code.name);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

/// The wait before reconnect attempt `failures` + 1: reconnect_backoff_ms doubled per failure
/// before (at most 2^16 times; none below 0). Both reconnect loops wait it, and longest_resend()
/// adds it up, so the bound is the waits' own.
std::chrono::milliseconds reconnect_backoff(const RedisOptions& o, int failures) {
  return std::chrono::milliseconds(std::int64_t{std::max(0, o.reconnect_backoff_ms)}
                                   << std::min(failures, 16));
}

}  // namespace

const std::string& Reply::as_string() const {
  if (type == Type::kString || type == Type::kStatus) return str;
  if (type == Type::kError) throw ReplyError(str);
  throw InvalidArgument("Redis reply is " + std::string(type_name(type)) + ", expected a string");
}

std::int64_t Reply::as_integer() const {
  if (type == Type::kInteger) return integer;
  if (type == Type::kString) {
    std::int64_t value = 0;
    const char* end = str.data() + str.size();
    auto [ptr, ec] = std::from_chars(str.data(), end, value);
    if (ec == std::errc() && ptr == end && !str.empty()) return value;
    throw InvalidArgument("Redis reply '" + str + "' is not an integer");
  }
  if (type == Type::kError) throw ReplyError(str);
  throw InvalidArgument("Redis reply is " + std::string(type_name(type)) + ", expected an integer");
}

struct RedisConnection::Impl {
  using Ticket = RedisConnection::Ticket;
  Impl(const RedisOptions& o, RedisCounters& c)
      : options(o), counters(c), resend_limit(longest_resend(o)) {}

  const RedisOptions& options;
  RedisCounters& counters;
  // No request sent ahead is written again later than this after its first write (resend()).
  const std::chrono::milliseconds resend_limit;
  ContextPtr ctx;
  bool usable = false;
  bool ever_connected = false;
  // False when the process ignored SIGPIPE as the current context opened: the guards around the
  // socket's use then cost nothing (a write to a closed socket just fails).
  bool guard_sigpipe = true;

  std::string where() const { return options.host + ":" + std::to_string(options.port); }

  // Opens a context (and AUTHs). Throws Fault for transport problems, IoError when the server
  // refuses the password (retrying would not help).
  void open() {
    guard_sigpipe = !detail::sigpipe_ignored();
    ctx.reset(options.connect_timeout_ms > 0
                  ? redisConnectWithTimeout(options.host.c_str(), options.port,
                                            to_timeval(options.connect_timeout_ms))
                  : redisConnect(options.host.c_str(), options.port));
    const int saved_errno = errno;
    if (!ctx) throw Fault{Fault::Kind::kLost, false, "cannot allocate a hiredis context"};
    if (ctx->err != 0) {
      Fault f = fault_from(*ctx, saved_errno, false);
      ctx.reset();
      throw f;
    }
    if (options.command_timeout_ms > 0 &&
        redisSetTimeout(ctx.get(), to_timeval(options.command_timeout_ms)) != REDIS_OK) {
      Fault f = fault_from(*ctx, errno, false);
      ctx.reset();
      throw f;
    }
    if (!options.password.empty()) {
      std::vector<Reply> auth;
      try {
        const std::vector<std::string> command = {"AUTH", options.password};
        auth = exchange(Batch(&command, 1));
      } catch (Fault& f) {
        f.sent = false;  // Nothing but AUTH went out.
        throw;
      }
      if (auth.front().is_error()) {
        ctx.reset();
        throw IoError("Redis at " + where() + " refused AUTH: " + auth.front().str);
      }
    }
    if (ever_connected) ++counters.reconnects;
    ever_connected = true;
  }

  // Sends the commands and reads one reply each, on the current context. Throws Fault.
  std::vector<Reply> exchange(Batch commands) {
    SigpipeGuard guard(guard_sigpipe);
    std::vector<Reply> replies;
    replies.reserve(commands.size());
    if (commands.size() == 1) {
      Argv argv(commands.front());
      ReplyPtr r(static_cast<redisReply*>(
          redisCommandArgv(ctx.get(), argv.argc(), argv.ptrs.data(), argv.lens.data())));
      if (!r) {
        const int saved_errno = errno;
        guard.failed();
        throw fault_from(*ctx, saved_errno, true);
      }
      replies.push_back(convert(*r));
      return replies;
    }
    for (const auto& command : commands) {
      Argv argv(command);
      if (redisAppendCommandArgv(ctx.get(), argv.argc(), argv.ptrs.data(), argv.lens.data()) !=
          REDIS_OK) {
        // Only formatting happens here (nothing is written yet), so this is memory exhaustion.
        throw Fault{Fault::Kind::kLost, false, "cannot queue a pipelined command"};
      }
    }
    for (std::size_t i = 0; i < commands.size(); ++i) replies.push_back(read_reply(guard));
    return replies;
  }

  // The next reply on the connection. Throws Fault.
  Reply read_reply(SigpipeGuard& guard) {
    void* raw = nullptr;
    if (redisGetReply(ctx.get(), &raw) != REDIS_OK || raw == nullptr) {
      const int saved_errno = errno;
      guard.failed();
      throw fault_from(*ctx, saved_errno, true);
    }
    ReplyPtr r(static_cast<redisReply*>(raw));
    return convert(*r);
  }

  // A request sent ahead (send_eval_pipeline), kept in the order sent until its replies are
  // received, so that it can be sent again on a new connection.
  struct Ahead {
    Ticket ticket = 0;
    std::vector<std::vector<std::string>> commands;
    std::vector<Reply> replies;  // Read so far.
    bool abandoned = false;
    std::optional<std::string> error;  // Set when it cannot be answered.
    bool timeout = false;
    std::chrono::steady_clock::time_point sent_at;     // When it was (last) written out.
    std::chrono::steady_clock::time_point first_sent;  // When it was first written out.
    bool complete() const { return error.has_value() || replies.size() == commands.size(); }
  };
  std::deque<Ahead> ahead;
  Ticket last_ticket = 0;

  // Queues the commands on the current context and writes them out without reading replies.
  // Redis keeps reading while its replies wait in its output buffer, so writing a long pipeline
  // before reading cannot deadlock. Throws Fault.
  void write_out(const std::vector<std::vector<std::string>>& commands) {
    SigpipeGuard guard(guard_sigpipe);
    for (const auto& command : commands) {
      Argv argv(command);
      if (redisAppendCommandArgv(ctx.get(), argv.argc(), argv.ptrs.data(), argv.lens.data()) !=
          REDIS_OK) {
        throw Fault{Fault::Kind::kLost, false, "cannot queue a pipelined command"};
      }
    }
    int done = 0;
    while (done == 0) {
      if (redisBufferWrite(ctx.get(), &done) != REDIS_OK) {
        const int saved_errno = errno;
        guard.failed();
        throw fault_from(*ctx, saved_errno, true);
      }
    }
  }

  // Sends every request sent ahead that is not answered yet, in order, on a new connection
  // (what was read of them before is dropped: they run again, and their retry keys answer).
  // One first written longer than longest_resend() ago fails instead, as a timeout: it may have
  // run, and the retry key that would answer it again may have expired (a lost connection met by
  // several waits in turn, each with its own reconnect attempts, could otherwise go on sending it).
  void resend() {
    const auto now = std::chrono::steady_clock::now();
    for (auto& a : ahead) {
      if (a.complete()) continue;
      if (now - a.first_sent >= resend_limit) {
        a.error =
            "Redis at " + where() + ": connection lost, and the request was first sent " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(now - a.first_sent).count()) +
            " ms ago, longer than it may be sent again (" + std::to_string(resend_limit.count()) +
            " ms)";
        a.timeout = true;
        continue;
      }
      a.replies.clear();
      counters.commands += a.commands.size();
      a.sent_at = std::chrono::steady_clock::now();
      write_out(a.commands);
    }
    drop_abandoned();
  }

  void drop_abandoned() {
    std::erase_if(ahead, [](const Ahead& a) { return a.abandoned && a.complete(); });
  }

  // The requests sent ahead that are not answered yet cannot be: they fail with `what`.
  void fail_ahead(const std::string& what, bool timeout) {
    for (auto& a : ahead) {
      if (a.complete()) continue;
      a.error = what;
      a.timeout = timeout;
    }
    drop_abandoned();
  }

  // Reads replies until every request sent ahead up to `ticket` is answered or has failed. A
  // lost connection is opened again and the unanswered requests are sent again, with the retry
  // rules of run() (they are all safe to repeat); a timeout fails them at once.
  void settle(Ticket ticket) {
    int failures = 0;
    for (;;) {
      auto next =
          std::find_if(ahead.begin(), ahead.end(), [](const Ahead& a) { return !a.complete(); });
      if (next == ahead.end() || next->ticket > ticket) return;
      try {
        if (!ctx) {
          open();
          resend();
          continue;  // resend() may have failed (and dropped) requests: look again.
        }
        SigpipeGuard guard(guard_sigpipe);
        next->replies.push_back(read_reply(guard));
        usable = true;
        if (next->complete() && next->abandoned) ahead.erase(next);
      } catch (const Fault& f) {
        ctx.reset();
        usable = false;
        ++counters.io_errors;
        if (f.kind == Fault::Kind::kTimeout && f.sent) {
          fail_ahead("Redis at " + where() + ": no reply within " +
                         std::to_string(options.command_timeout_ms) + " ms (" + f.what + ")",
                     true);
          return;
        }
        if (failures >= options.reconnect_attempts) {
          fail_ahead("Redis at " + where() + ": connection lost, " + std::to_string(failures) +
                         " reconnect attempts failed (" + f.what + ")",
                     f.kind == Fault::Kind::kTimeout);
          return;
        }
        std::this_thread::sleep_for(reconnect_backoff(options, failures));
        ++failures;
      } catch (const IoError& e) {
        ctx.reset();
        usable = false;
        fail_ahead(e.what(), false);  // The server refused AUTH: retrying cannot help.
        return;
      }
    }
  }

  Ticket send_ahead(std::vector<std::vector<std::string>> commands) {
    Ahead a;
    a.ticket = ++last_ticket;
    a.commands = std::move(commands);
    a.sent_at = a.first_sent = std::chrono::steady_clock::now();
    ahead.push_back(std::move(a));
    const Ticket ticket = last_ticket;
    try {
      if (ctx) {
        counters.commands += ahead.back().commands.size();
        write_out(ahead.back().commands);
        usable = true;
      }
    } catch (const Fault&) {
      // settle() opens a new connection and sends everything unanswered again.
      ctx.reset();
      usable = false;
      ++counters.io_errors;
    }
    return ticket;
  }

  // Reads the replies that have come in, without waiting, into the requests sent ahead. False
  // when the connection has failed (or there is none): settle() then finds out how.
  bool read_available() {
    if (!ctx) return false;
    // What hiredis has buffered first, then what the socket holds, a read at a time (16 KiB):
    // as many reads as the socket has data for, up to a bound so that a steady stream of
    // replies cannot keep the caller here.
    for (int reads = 0;; ++reads) {
      for (;;) {
        auto next =
            std::find_if(ahead.begin(), ahead.end(), [](const Ahead& a) { return !a.complete(); });
        if (next == ahead.end()) return true;
        void* raw = nullptr;
        if (redisGetReplyFromReader(ctx.get(), &raw) != REDIS_OK) return false;
        if (raw == nullptr) break;
        ReplyPtr r(static_cast<redisReply*>(raw));
        next->replies.push_back(convert(*r));
        if (next->complete() && next->abandoned) ahead.erase(next);
      }
      if (reads == 64) return true;
      pollfd p{ctx->fd, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) return true;
      if (redisBufferRead(ctx.get()) != REDIS_OK) return false;
    }
  }

  bool ready(Ticket ticket) {
    const auto find = [&] {
      return std::find_if(ahead.begin(), ahead.end(),
                          [ticket](const Ahead& a) { return a.ticket == ticket; });
    };
    auto it = find();
    if (it == ahead.end() || it->abandoned || it->complete()) return true;
    if (!read_available()) return true;
    it = find();
    if (it == ahead.end() || it->complete()) return true;
    // The oldest request still unanswered has waited the command timeout: it and every request
    // behind it fail now, as a read timing out would fail them (a blocking read would wait the
    // timeout once more).
    if (options.command_timeout_ms > 0) {
      auto oldest =
          std::find_if(ahead.begin(), ahead.end(), [](const Ahead& a) { return !a.complete(); });
      if (oldest != ahead.end() && std::chrono::steady_clock::now() - oldest->sent_at >=
                                       std::chrono::milliseconds(options.command_timeout_ms)) {
        ctx.reset();
        usable = false;
        ++counters.io_errors;
        fail_ahead("Redis at " + where() + ": no reply within " +
                       std::to_string(options.command_timeout_ms) + " ms",
                   true);
        return true;
      }
    }
    return false;
  }

  // The request's commands and replies, once answered. Throws IoError or TimeoutError when it
  // could not be, InvalidArgument for a ticket that is not out.
  Ahead receive(Ticket ticket) {
    const auto find = [&] {
      return std::find_if(ahead.begin(), ahead.end(),
                          [ticket](const Ahead& a) { return a.ticket == ticket; });
    };
    auto it = find();
    if (it == ahead.end() || it->abandoned)
      throw InvalidArgument("no Redis request is out with ticket " + std::to_string(ticket));
    if (!it->complete()) settle(ticket);
    it = find();
    Ahead a = std::move(*it);
    ahead.erase(it);
    if (a.error) {
      if (a.timeout) throw TimeoutError(*a.error);
      throw IoError(*a.error);
    }
    return a;
  }

  // One request with the reconnect rules of the header: a timeout throws at once, a lost
  // connection is retried (after a fresh connect with exponential backoff) only when
  // idempotent or when nothing was sent yet. Replies to requests sent ahead come first on the
  // connection, so they are read (and kept) before.
  std::vector<Reply> run(Batch commands, bool idempotent) {
    settle(last_ticket);
    int failures = 0;
    for (;;) {
      try {
        if (!ctx) open();
        counters.commands += commands.size();
        auto replies = exchange(commands);
        usable = true;
        return replies;
      } catch (const Fault& f) {
        ctx.reset();
        usable = false;
        ++counters.io_errors;
        if (f.kind == Fault::Kind::kTimeout && f.sent) {
          throw TimeoutError("Redis at " + where() + ": no reply within " +
                             std::to_string(options.command_timeout_ms) + " ms (" + f.what + ")");
        }
        if (f.sent && !idempotent) {
          throw IoError("Redis at " + where() + ": connection lost during a non-idempotent " +
                        "command, its outcome is unknown (" + f.what + ")");
        }
        if (failures >= options.reconnect_attempts) {
          const std::string message = "Redis at " + where() + ": connection lost, " +
                                      std::to_string(failures) + " reconnect attempts failed (" +
                                      f.what + ")";
          if (f.kind == Fault::Kind::kTimeout) throw TimeoutError(message);
          throw IoError(message);
        }
        std::this_thread::sleep_for(reconnect_backoff(options, failures));
        ++failures;
      }
    }
  }
};

std::chrono::milliseconds longest_resend(const RedisOptions& o) {
  // Impl::settle(): the first read, then per attempt a backoff, a connect, the resend and a read
  // (a timeout of 0, none, counts as 0: resend() holds the bound whatever the waits took).
  // Saturates at a day, so that absurd options cannot overflow.
  constexpr std::int64_t kDay = 86'400'000;
  const std::int64_t connect = std::max(0, o.connect_timeout_ms);
  const std::int64_t command = std::max(0, o.command_timeout_ms);
  std::int64_t total = command;
  for (int failures = 0; failures < o.reconnect_attempts && total < kDay; ++failures)
    total += connect + command + std::min(kDay, reconnect_backoff(o, failures).count());
  return std::chrono::milliseconds(std::min(total, kDay));
}

RedisConnection::RedisConnection(RedisOptions options) : options_(std::move(options)) {
  impl_ = std::make_unique<Impl>(options_, counters_);
  try {
    impl_->open();
    impl_->usable = true;
  } catch (const Fault& f) {
    const std::string message = "cannot connect to Redis at " + impl_->where() + ": " + f.what;
    if (f.kind == Fault::Kind::kTimeout) throw TimeoutError(message);
    throw IoError(message);
  }
}

RedisConnection::~RedisConnection() = default;

bool cannot_run_yet(std::string_view error) {
  for (std::string_view code : {"LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN",
                                "CLUSTERDOWN", "OOM", "MISCONF", "NOREPLICAS"}) {
    if (error.starts_with(code) && (error.size() == code.size() || error[code.size()] == ' '))
      return true;
  }
  return false;
}

namespace {

// An error reply as the caller sees it: Redis not running commands yet is a fault of the
// connection's far end (IoError: send again later), anything else a refusal of the command.
[[noreturn]] void throw_reply(const Reply& reply) {
  if (cannot_run_yet(reply.str)) throw IoError("Redis cannot run the command now: " + reply.str);
  throw ReplyError(reply.str);
}

}  // namespace

Reply RedisConnection::command(const std::vector<std::string>& argv, bool idempotent) {
  if (argv.empty()) throw InvalidArgument("Redis command is empty");
  Reply reply = std::move(impl_->run(Batch(&argv, 1), idempotent).front());
  if (reply.is_error()) {
    ++counters_.reply_errors;
    throw_reply(reply);
  }
  return reply;
}

std::vector<Reply> RedisConnection::pipeline(const std::vector<std::vector<std::string>>& commands,
                                             bool idempotent) {
  if (commands.empty()) return {};
  for (const auto& c : commands) {
    if (c.empty()) throw InvalidArgument("Redis command in a pipeline is empty");
  }
  auto replies = impl_->run(commands, idempotent);
  for (const auto& r : replies) counters_.reply_errors += r.is_error() ? 1 : 0;
  return replies;
}

std::string RedisConnection::load_script(std::string_view source) {
  return command({"SCRIPT", "LOAD", std::string(source)}).as_string();
}

std::string RedisConnection::load_library(std::string_view library) {
  return command({"FUNCTION", "LOAD", "REPLACE", std::string(library)}).as_string();
}

namespace {

// Gives the server the code it lost. A script's SHA1 must name its source, since re-running a
// different SHA1 would loop on NOSCRIPT forever.
void reload(RedisConnection& conn, const Code& code) {
  if (code.function) {
    conn.load_library(code.source);
    return;
  }
  const std::string loaded = conn.load_script(code.source);
  const auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  if (!std::ranges::equal(loaded, code.name, same)) {
    throw InvalidArgument("script SHA1 " + std::string(code.name) + " does not match its source (" +
                          loaded + ")");
  }
}

}  // namespace

Reply RedisConnection::eval(std::string_view sha, std::string_view source,
                            const std::vector<std::string>& keys,
                            const std::vector<std::string>& args, bool idempotent) {
  return call(Code{false, sha, source}, keys, args, idempotent);
}

Reply RedisConnection::fcall(std::string_view function, std::string_view library,
                             const std::vector<std::string>& keys,
                             const std::vector<std::string>& args, bool idempotent) {
  return call(Code{true, function, library}, keys, args, idempotent);
}

Reply RedisConnection::call(const Code& code, const std::vector<std::string>& keys,
                            const std::vector<std::string>& args, bool idempotent) {
  const auto argv = call_argv(code, keys, args);
  Reply reply = std::move(impl_->run(Batch(&argv, 1), idempotent).front());
  if (is_missing(code, reply)) {
    // The code did not run, so running it again is safe for any call.
    reload(*this, code);
    ++counters_.script_reloads;
    reply = std::move(impl_->run(Batch(&argv, 1), idempotent).front());
  }
  if (reply.is_error()) {
    ++counters_.reply_errors;
    throw_reply(reply);
  }
  return reply;
}

namespace {

std::vector<std::vector<std::string>> call_commands(
    const Code& code, const std::vector<RedisConnection::Call>& calls) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(calls.size());
  for (const auto& c : calls) commands.push_back(call_argv(code, c.keys, c.args));
  return commands;
}

}  // namespace

void RedisConnection::finish_pipeline(std::vector<Reply>& replies,
                                      std::vector<std::vector<std::string>>& commands,
                                      const Code& code, bool idempotent) {
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (is_missing(code, replies[i])) missing.push_back(i);
  }
  if (!missing.empty()) {
    // The server lost its scripts or functions (a restart, SCRIPT FLUSH, FUNCTION FLUSH): every
    // call after the loss failed (in a request sent ahead, also in those sent after it), so
    // running the missing ones now, before those are received, keeps their order.
    reload(*this, code);
    ++counters_.script_reloads;
    std::vector<std::vector<std::string>> again;
    again.reserve(missing.size());
    for (std::size_t i : missing) again.push_back(std::move(commands[i]));
    auto rerun = impl_->run(again, idempotent);
    for (std::size_t j = 0; j < missing.size(); ++j) replies[missing[j]] = std::move(rerun[j]);
  }
  for (const auto& r : replies) counters_.reply_errors += r.is_error() ? 1 : 0;
}

std::vector<Reply> RedisConnection::eval_pipeline(std::string_view sha, std::string_view source,
                                                  const std::vector<Call>& calls, bool idempotent) {
  if (calls.empty()) return {};
  const Code code{false, sha, source};
  auto commands = call_commands(code, calls);
  auto replies = impl_->run(commands, idempotent);
  finish_pipeline(replies, commands, code, idempotent);
  return replies;
}

RedisConnection::Ticket RedisConnection::send_eval_pipeline(std::string_view sha,
                                                            const std::vector<Call>& calls) {
  return send_pipeline(Code{false, sha, {}}, calls);
}

std::vector<Reply> RedisConnection::receive_eval_pipeline(Ticket ticket, std::string_view sha,
                                                          std::string_view source) {
  return receive_pipeline(ticket, Code{false, sha, source});
}

RedisConnection::Ticket RedisConnection::send_fcall_pipeline(std::string_view function,
                                                             const std::vector<Call>& calls) {
  return send_pipeline(Code{true, function, {}}, calls);
}

std::vector<Reply> RedisConnection::receive_fcall_pipeline(Ticket ticket, std::string_view function,
                                                           std::string_view library) {
  return receive_pipeline(ticket, Code{true, function, library});
}

RedisConnection::Ticket RedisConnection::send_pipeline(const Code& code,
                                                       const std::vector<Call>& calls) {
  return impl_->send_ahead(call_commands(code, calls));
}

std::vector<Reply> RedisConnection::receive_pipeline(Ticket ticket, const Code& code) {
  auto answered = impl_->receive(ticket);
  finish_pipeline(answered.replies, answered.commands, code, true);
  return std::move(answered.replies);
}

void RedisConnection::abandon(Ticket ticket) {
  for (auto& a : impl_->ahead) {
    if (a.ticket == ticket) a.abandoned = true;
  }
  impl_->drop_abandoned();
}

bool RedisConnection::ready(Ticket ticket) { return impl_->ready(ticket); }

int RedisConnection::fd() const { return impl_->ctx ? impl_->ctx->fd : -1; }

std::size_t RedisConnection::in_flight() const {
  return static_cast<std::size_t>(std::count_if(impl_->ahead.begin(), impl_->ahead.end(),
                                                [](const auto& a) { return !a.abandoned; }));
}

bool RedisConnection::connected() const { return impl_->ctx != nullptr && impl_->usable; }

}  // namespace docket::store
