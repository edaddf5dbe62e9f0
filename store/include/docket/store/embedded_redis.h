#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace docket::store {

/// Settings of a redis-server child process.
struct EmbeddedRedisOptions {
  static constexpr const char* DEFAULT_BINARY = "redis-server";
  static constexpr const char* DEFAULT_APPENDFSYNC = "everysec";
  static constexpr int DEFAULT_START_TIMEOUT_MS = 10'000;

  std::string binary = DEFAULT_BINARY;
  /// Data directory (AOF, RDB, log); created if missing. The scheduler uses ./.docket/redis.
  std::filesystem::path dir = ".docket/redis";
  /// 0 picks a free loopback port.
  int port = 0;
  bool appendonly = true;
  std::string appendfsync = DEFAULT_APPENDFSYNC;  ///< "always", "everysec" or "no".
  int start_timeout_ms = DEFAULT_START_TIMEOUT_MS;
};

/// A redis-server child on 127.0.0.1, for the scheduler's embedded default and for tests.
/// Started by the constructor (which waits until it answers PING) and stopped by stop() or the
/// destructor (SHUTDOWN, then SIGTERM, then SIGKILL, and the child is reaped).
///
/// Throws IoError when the binary cannot be started or does not answer within start_timeout_ms;
/// while it answers LOADING (reading a large data set) it is given more time, since that is
/// progress. The message includes the tail of the server's log.
///
/// The server is SIGKILLed by the kernel if its owner dies abruptly; that is tied to the thread
/// that started it (or last restarted it), so do that from a thread that lives as long as the
/// server should (normally main).
class EmbeddedRedis {
 public:
  explicit EmbeddedRedis(EmbeddedRedisOptions options);
  ~EmbeddedRedis();
  EmbeddedRedis(const EmbeddedRedis&) = delete;
  EmbeddedRedis& operator=(const EmbeddedRedis&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const EmbeddedRedisOptions& options() const { return options_; }
  bool running() const { return pid_ > 0; }

  /// Stops the server cleanly (SHUTDOWN, which writes the AOF); idempotent.
  void stop();
  /// Kills the server with SIGKILL, as a crash would (tests); idempotent.
  void kill();
  /// Starts the server again on the same port and directory (after stop() or kill()).
  void restart();

 private:
  void start();
  EmbeddedRedisOptions options_;
  int port_ = 0;
  pid_t pid_ = -1;
};

/// A free TCP port on 127.0.0.1 (bound to port 0, read, released). Throws IoError.
int free_loopback_port();

}  // namespace docket::store
