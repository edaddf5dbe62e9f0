#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "docket/store/embedded_redis.h"
#include "docket/store/redis.h"

// Code inside namespace docket::store that names GoogleTest must write ::testing, since this
// namespace is docket::store::testing.
namespace docket::store::testing {

/// A fresh directory under /tmp (mkdtemp), removed with its contents on destruction.
class TempDir {
 public:
  /// Throws IoError when the directory cannot be created.
  explicit TempDir(std::string_view prefix = "docket-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Connection settings suited to tests: short timeouts and few, fast reconnect attempts, so a
/// test about failure finishes in well under a second.
RedisOptions test_connection_options(int port);

/// A real redis-server on a free loopback port, with its data in a fresh temporary directory;
/// both go away with the object. Usable from a fixture's SetUpTestSuite too.
class RedisServer {
 public:
  /// `options.dir` and `options.port` are replaced (temporary directory, free port). Throws
  /// IoError when the server does not start.
  explicit RedisServer(EmbeddedRedisOptions options = {});

  EmbeddedRedis& server() { return server_; }
  int port() const { return server_.port(); }
  /// The data directory (AOF, log) inside the temporary directory.
  const std::filesystem::path& dir() const { return server_.options().dir; }
  RedisOptions connection_options() const { return test_connection_options(port()); }
  /// A new connection with connection_options(). Throws IoError.
  std::unique_ptr<RedisConnection> connect() const;

 private:
  static EmbeddedRedisOptions place(EmbeddedRedisOptions options, const TempDir& temp);

  TempDir temp_;  // Declared first: outlives the server, which writes into it until stopped.
  EmbeddedRedis server_;
};

/// A fixture giving each test its own server and a connected RedisConnection. Override
/// server_options() to change the server's settings (e.g. appendfsync always).
class RedisServerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  virtual EmbeddedRedisOptions server_options() const { return {}; }

  RedisServer& server() { return *server_; }
  RedisConnection& redis() { return *redis_; }
  /// A second, independent connection to the same server.
  std::unique_ptr<RedisConnection> connect() const { return server_->connect(); }

 private:
  std::optional<RedisServer> server_;
  std::unique_ptr<RedisConnection> redis_;
};

}  // namespace docket::store::testing
