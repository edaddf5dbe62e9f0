#include "docket/store/embedded_redis.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "docket/core/error.h"
#include "redis_sigpipe.h"

namespace docket::store {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollInterval{20};
constexpr milliseconds kShutdownWait{5'000};
constexpr milliseconds kTermWait{2'000};
constexpr int kLogTailLines = 15;
constexpr const char* kLogName = "redis.log";
constexpr const char* kAppendDirName = "appendonlydir";

std::string errno_text(int err) { return std::strerror(err); }

// The last lines of the server's log, which say why it refused to start.
std::string log_tail(const std::filesystem::path& log) {
  std::ifstream in(log);
  if (!in) return "(no log at " + log.string() + ")";
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > kLogTailLines) lines.pop_front();
  }
  std::string out = "log " + log.string() + ":";
  if (lines.empty()) out += " (empty)";
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

// Finds the binary on PATH in the parent, so the child only calls execv, which (unlike execvp's
// search) is async-signal-safe after fork in a threaded process.
std::optional<std::string> resolve_binary(const std::string& binary) {
  if (binary.empty()) return std::nullopt;
  if (binary.find('/') != std::string::npos) return binary;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + binary;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

// Reaps the child if it has exited, waiting at most `wait`. True once reaped (or when it is no
// longer our child, e.g. SIGCHLD is ignored and the kernel reaped it).
bool reap(pid_t pid, milliseconds wait, int* status = nullptr) {
  const auto deadline = Clock::now() + wait;
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      if (status != nullptr) *status = st;
      return true;
    }
    if (r == -1 && errno != EINTR) return true;  // ECHILD: nothing left to wait for.
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

void reap_blocking(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
  }
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(void* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

ContextPtr connect_local(int port, milliseconds timeout) {
  const auto ms = timeout.count();
  const timeval tv{.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
  ContextPtr c(redisConnectWithTimeout("127.0.0.1", port, tv));
  if (!c || c->err != 0) return nullptr;
  if (redisSetTimeout(c.get(), tv) != REDIS_OK) return nullptr;
  return c;
}

enum class Probe { kNotYet, kLoading, kReady };

// kReady when the server on `port` answers PING with PONG and is the process `pid`, so that a
// stranger that took the port between the pick and the bind is not mistaken for ours; kLoading
// while it answers LOADING (reading a large AOF takes a while and is progress, not a hang).
Probe probe(int port, pid_t pid) {
  detail::SigpipeGuard guard;
  guard.failed();  // Any failure below just means "not ready yet"; a SIGPIPE is consumed.
  ContextPtr c = connect_local(port, milliseconds(250));
  if (!c) return Probe::kNotYet;
  ReplyPtr pong(static_cast<redisReply*>(redisCommand(c.get(), "PING")));
  if (pong && pong->type == REDIS_REPLY_ERROR && std::string_view(pong->str).rfind("LOADING", 0) == 0) {
    return Probe::kLoading;
  }
  if (!pong || pong->type != REDIS_REPLY_STATUS || std::string_view(pong->str) != "PONG") {
    return Probe::kNotYet;
  }
  ReplyPtr info(static_cast<redisReply*>(redisCommand(c.get(), "INFO server")));
  if (!info || info->type != REDIS_REPLY_STRING) return Probe::kNotYet;
  const std::string_view text(info->str, info->len);
  const std::string needle = "process_id:" + std::to_string(pid) + "\r";
  return text.find(needle) != std::string_view::npos ? Probe::kReady : Probe::kNotYet;
}

// Asks the server to shut down (it fsyncs the AOF first). The connection closing is the
// expected answer. False when the server could not be reached at all.
bool send_shutdown(int port) {
  detail::SigpipeGuard guard;
  ContextPtr c = connect_local(port, milliseconds(1'000));
  if (!c) return false;
  ReplyPtr r(static_cast<redisReply*>(redisCommand(c.get(), "SHUTDOWN")));
  guard.failed();  // The server closing the socket is the normal outcome here.
  return true;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

int free_loopback_port() {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw IoError("cannot create a socket: " + errno_text(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw IoError("cannot bind 127.0.0.1:0: " + errno_text(errno));
  }
  socklen_t len = sizeof addr;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw IoError("cannot read the bound port: " + errno_text(errno));
  }
  return ntohs(addr.sin_port);
}

EmbeddedRedis::EmbeddedRedis(EmbeddedRedisOptions options) : options_(std::move(options)) {
  start();
}

EmbeddedRedis::~EmbeddedRedis() {
  try {
    stop();
  } catch (...) {
    // A destructor must not throw; stop() has already killed and reaped what it could.
  }
}

void EmbeddedRedis::start() {
  std::error_code ec;
  const auto dir = std::filesystem::absolute(options_.dir, ec);
  if (ec) throw IoError("cannot resolve " + options_.dir.string() + ": " + ec.message());
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError("cannot create " + dir.string() + ": " + ec.message());
  options_.dir = dir;
  if (port_ == 0) port_ = options_.port != 0 ? options_.port : free_loopback_port();
  // Fixed from now on, so restart() comes back where clients expect it.
  options_.port = port_;

  const auto binary = resolve_binary(options_.binary);
  if (!binary) throw IoError("cannot start Redis: no executable '" + options_.binary + "' found");
  const auto log = dir / kLogName;

  std::vector<std::string> args = {*binary};
  const auto set = [&args](std::string_view name, std::string value) {
    args.push_back("--" + std::string(name));
    args.push_back(std::move(value));
  };
  set("port", std::to_string(port_));
  set("bind", "127.0.0.1");
  set("dir", dir.string());
  set("appendonly", options_.appendonly ? "yes" : "no");
  set("appendfsync", options_.appendfsync);
  set("appenddirname", kAppendDirName);
  set("save", "");  // Durability comes from the AOF; no RDB snapshots.
  set("dbfilename", "dump.rdb");
  set("daemonize", "no");
  set("logfile", log.string());
  set("protected-mode", "yes");
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  // Early failures (a bad argument) go to stderr before the log file is open; sending stdout
  // and stderr to the log too keeps them in the tail quoted by the error.
  Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log_fd.get() < 0) throw IoError("cannot open " + log.string() + ": " + errno_text(errno));
  Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) throw IoError("pipe2: " + errno_text(errno));
  Fd exec_read(exec_pipe[0]);
  Fd exec_write(exec_pipe[1]);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw IoError("cannot fork for Redis: " + errno_text(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. PR_SET_PDEATHSIG kills the server when the
    // thread that forked it ends, so start the server from a long-lived thread (main).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);  // Own group: a terminal's Ctrl-C reaches the owner, which stops it cleanly.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd.get() >= 0) ::dup2(null_fd.get(), STDIN_FILENO);
    ::dup2(log_fd.get(), STDOUT_FILENO);
    ::dup2(log_fd.get(), STDERR_FILENO);
    // Sockets and files the owner opened without O_CLOEXEC must not outlive it in the server.
    const int keep = exec_write.get();
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 4096; ++fd) {
        if (fd != keep) ::close(fd);
      }
    }
    ::execv(argv[0], argv.data());
    const int err = errno;
    [[maybe_unused]] auto n = ::write(keep, &err, sizeof err);
    ::_exit(127);
  }

  exec_write.reset();
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(exec_read.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got > 0) {
    reap_blocking(pid);
    throw IoError("cannot start Redis '" + *binary + "': " + errno_text(exec_errno));
  }
  pid_ = pid;

  auto deadline = Clock::now() + milliseconds(options_.start_timeout_ms);
  for (;;) {
    int status = 0;
    if (reap(pid_, milliseconds(0), &status)) {
      pid_ = -1;
      throw IoError("Redis on 127.0.0.1:" + std::to_string(port_) + " " + describe_exit(status) +
                    " while starting; " + log_tail(log));
    }
    const Probe p = probe(port_, pid_);
    if (p == Probe::kReady) return;
    // Loading its data is progress: the timeout counts from the last sign of it.
    if (p == Probe::kLoading) deadline = Clock::now() + milliseconds(options_.start_timeout_ms);
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  kill();
  throw IoError("Redis on 127.0.0.1:" + std::to_string(port_) + " did not answer PING within " +
                std::to_string(options_.start_timeout_ms) + " ms; " + log_tail(log));
}

void EmbeddedRedis::stop() {
  if (pid_ <= 0) return;
  const pid_t pid = pid_;
  pid_ = -1;
  if (send_shutdown(port_) && reap(pid, kShutdownWait)) return;
  ::kill(pid, SIGTERM);
  if (reap(pid, kTermWait)) return;
  ::kill(pid, SIGKILL);
  reap_blocking(pid);
}

void EmbeddedRedis::kill() {
  if (pid_ <= 0) return;
  const pid_t pid = pid_;
  pid_ = -1;
  ::kill(pid, SIGKILL);
  reap_blocking(pid);
}

void EmbeddedRedis::restart() {
  stop();
  start();
}

}  // namespace docket::store
