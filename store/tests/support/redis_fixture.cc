#include "redis_fixture.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "docket/core/error.h"

namespace docket::store::testing {

TempDir::TempDir(std::string_view prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / prefix).string() + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw IoError("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

RedisOptions test_connection_options(int port) {
  RedisOptions o;
  o.port = port;
  o.connect_timeout_ms = 1'000;
  o.command_timeout_ms = 2'000;
  o.reconnect_attempts = 3;
  o.reconnect_backoff_ms = 10;
  return o;
}

EmbeddedRedisOptions RedisServer::place(EmbeddedRedisOptions options, const TempDir& temp) {
  options.dir = temp.path() / "redis";
  options.port = 0;
  return options;
}

RedisServer::RedisServer(EmbeddedRedisOptions options)
    : temp_("docket-redis-"), server_(place(std::move(options), temp_)) {}

std::unique_ptr<RedisConnection> RedisServer::connect() const {
  return std::make_unique<RedisConnection>(connection_options());
}

void RedisServerFixture::SetUp() {
  server_.emplace(server_options());
  redis_ = server_->connect();
}

void RedisServerFixture::TearDown() {
  redis_.reset();
  server_.reset();
}

}  // namespace docket::store::testing
