#include "docket/store/embedded_redis.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "docket/core/error.h"
#include "docket/store/redis.h"
#include "support/redis_fixture.h"

namespace docket::store {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::test_connection_options;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// True once `pid` no longer runs: gone, or a zombie waiting for a parent that is not us.
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) == -1 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren == std::string::npos || text.substr(paren + 2, 1) == "Z";
}

bool wait_gone(pid_t pid) {
  for (int i = 0; i < 250; ++i) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

EmbeddedRedisOptions options_in(const TempDir& temp) {
  EmbeddedRedisOptions o;
  o.dir = temp.path() / "nested" / "redis";
  return o;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(EmbeddedRedisTest, StartsOnAFreePortWithItsDirectory) {
  TempDir temp;
  EmbeddedRedis server(options_in(temp));
  EXPECT_TRUE(server.running());
  EXPECT_GT(server.pid(), 0);
  EXPECT_GT(server.port(), 0);
  EXPECT_EQ(server.options().port, server.port());
  EXPECT_TRUE(server.options().dir.is_absolute());
  EXPECT_TRUE(fs::is_directory(temp.path() / "nested" / "redis"));
  EXPECT_TRUE(fs::exists(temp.path() / "nested" / "redis" / "redis.log"));

  RedisConnection conn(test_connection_options(server.port()));
  EXPECT_EQ(conn.command({"PING"}).as_string(), "PONG");
  const auto bind = conn.command({"CONFIG", "GET", "bind"});
  EXPECT_EQ(bind.elements.at(1).as_string(), "127.0.0.1");
  const auto save = conn.command({"CONFIG", "GET", "save"});
  EXPECT_EQ(save.elements.at(1).as_string(), "");
}

TEST(EmbeddedRedisTest, WritesTheAppendOnlyFile) {
  TempDir temp;
  EmbeddedRedis server(options_in(temp));
  RedisConnection conn(test_connection_options(server.port()));
  conn.command({"SET", "aof-marker", "value"});

  const fs::path aof_dir = server.options().dir / "appendonlydir";
  ASSERT_TRUE(fs::is_directory(aof_dir));
  std::string incr;
  for (const auto& entry : fs::directory_iterator(aof_dir)) {
    if (entry.path().extension() == ".aof") incr += read_file(entry.path());
  }
  // Redis writes the AOF buffer before it answers, so the command is in the file already.
  EXPECT_TRUE(contains(incr, "aof-marker")) << incr;
}

TEST(EmbeddedRedisTest, StopLeavesNoProcess) {
  TempDir temp;
  EmbeddedRedis server(options_in(temp));
  const pid_t pid = server.pid();
  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  server.stop();  // Idempotent.
  server.kill();
}

TEST(EmbeddedRedisTest, RestartAfterKillKeepsSyncedData) {
  TempDir temp;
  EmbeddedRedisOptions options = options_in(temp);
  options.appendfsync = "always";
  EmbeddedRedis server(options);
  const int port = server.port();
  {
    RedisConnection conn(test_connection_options(port));
    conn.command({"SET", "decision", "approved"});
    conn.command({"RPUSH", "audit", "a", "b"});
  }
  const pid_t pid = server.pid();
  server.kill();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(::kill(pid, 0), -1);

  server.restart();
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.port(), port);
  RedisConnection conn(test_connection_options(port));
  EXPECT_EQ(conn.command({"GET", "decision"}).as_string(), "approved");
  EXPECT_EQ(conn.command({"LLEN", "audit"}).as_integer(), 2);
}

TEST(EmbeddedRedisTest, RestartAfterStopKeepsData) {
  TempDir temp;
  EmbeddedRedis server(options_in(temp));  // appendfsync everysec: SHUTDOWN flushes.
  RedisConnection(test_connection_options(server.port())).command({"SET", "k", "v"});
  server.stop();
  server.restart();
  RedisConnection conn(test_connection_options(server.port()));
  EXPECT_EQ(conn.command({"GET", "k"}).as_string(), "v");
}

TEST(EmbeddedRedisTest, MissingBinaryThrowsIoError) {
  TempDir temp;
  EmbeddedRedisOptions options = options_in(temp);
  options.binary = "docket-no-such-redis-server";
  try {
    EmbeddedRedis server(options);
    FAIL() << "a missing binary must not start";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "docket-no-such-redis-server")) << e.what();
  }
  options.binary = (temp.path() / "not-here").string();
  EXPECT_THROW(EmbeddedRedis server(options), IoError);
}

TEST(EmbeddedRedisTest, BinaryThatExitsThrowsIoError) {
  TempDir temp;
  EmbeddedRedisOptions options = options_in(temp);
  options.binary = "false";
  try {
    EmbeddedRedis server(options);
    FAIL() << "a binary that exits must not count as started";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "exited with status 1")) << e.what();
  }
}

TEST(EmbeddedRedisTest, SilentBinaryTimesOutAndIsKilled) {
  TempDir temp;
  const fs::path script = temp.path() / "silent-server";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\necho \"$$\" > \"" << (temp.path() / "pid").string() << "\"\nexec sleep 30\n";
  }
  fs::permissions(script, fs::perms::owner_all);
  EmbeddedRedisOptions options = options_in(temp);
  options.binary = script.string();
  options.start_timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  try {
    EmbeddedRedis server(options);
    FAIL() << "a server that never answers must not count as started";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "did not answer PING within 300 ms")) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  const pid_t pid = std::stoi(read_file(temp.path() / "pid"));
  EXPECT_TRUE(process_gone(pid));
}

TEST(EmbeddedRedisTest, PortInUseThrowsWithLogText) {
  TempDir temp;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  EmbeddedRedisOptions options = options_in(temp);
  options.port = ntohs(addr.sin_port);
  try {
    EmbeddedRedis server(options);
    FAIL() << "port " << options.port << " is taken";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "Address already in use")) << e.what();
    EXPECT_TRUE(contains(e.what(), "redis.log")) << e.what();
  }
  ::close(fd);
}

TEST(EmbeddedRedisTest, DestructorStopsTheServer) {
  TempDir temp;
  pid_t pid = -1;
  {
    EmbeddedRedis server(options_in(temp));
    pid = server.pid();
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(EmbeddedRedisTest, ServerDiesWithItsOwner) {
  TempDir temp;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) {
    ::close(fds[0]);
    pid_t server_pid = -1;
    try {
      EmbeddedRedis server(options_in(temp));
      server_pid = server.pid();
      [[maybe_unused]] auto n = ::write(fds[1], &server_pid, sizeof server_pid);
      ::pause();  // Killed by the test below, so no destructor runs.
    } catch (...) {
      [[maybe_unused]] auto n = ::write(fds[1], &server_pid, sizeof server_pid);
    }
    ::_exit(1);
  }
  ::close(fds[1]);
  pid_t server_pid = -1;
  ASSERT_EQ(::read(fds[0], &server_pid, sizeof server_pid),
            static_cast<ssize_t>(sizeof server_pid));
  ::close(fds[0]);
  ASSERT_GT(server_pid, 0);
  EXPECT_FALSE(process_gone(server_pid));

  ::kill(owner, SIGKILL);
  ::waitpid(owner, nullptr, 0);
  EXPECT_TRUE(wait_gone(server_pid));
}

TEST(EmbeddedRedisTest, FreeLoopbackPortIsBindable) {
  const int port = free_loopback_port();
  EXPECT_GT(port, 0);
  EXPECT_LT(port, 65536);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
}

TEST(TempDirTest, RemovesItsContents) {
  fs::path path;
  {
    TempDir temp;
    path = temp.path();
    EXPECT_TRUE(contains(path.string(), "/docket-test-"));
    std::ofstream(path / "file") << "x";
    fs::create_directories(path / "a" / "b");
  }
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace docket::store
