// The docket-worker program as a process, against a scheduler played by the test on a real
// ROUTER socket: its arguments, its conversation and its exit codes.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "docket/protocol/channel.h"

extern char** environ;

namespace docket::worker {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using protocol::Type;

/// A child process running docket-worker; killed if the test ends while it runs.
class Worker {
 public:
  explicit Worker(std::vector<std::string> args) {
    args.insert(args.begin(), DOCKET_WORKER_PROGRAM);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // The interactive desk reads stdin; the test gives it none.
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Worker() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) { ::kill(pid_, sig); }
  /// The exit code, or -1 when the process is still running after `limit`.
  int wait(std::chrono::milliseconds limit = 5000ms) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

class Scheduler {
 public:
  Scheduler() : server_(ctx_, "tcp://127.0.0.1:0") {}
  std::string endpoint() const { return server_.endpoint(); }
  protocol::Message next(bool skip_heartbeats = true, std::chrono::milliseconds limit = 4000ms) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (auto r = server_.try_recv()) {
        EXPECT_TRUE(r->message) << r->error->what();
        if (!r->message) continue;
        peer_ = r->peer;
        if (skip_heartbeats && r->message->type == Type::kHeartbeat) continue;
        return *r->message;
      }
      std::this_thread::sleep_for(1ms);
    }
    ADD_FAILURE() << "the worker sent nothing";
    return {Type::kError, json::object()};
  }
  protocol::Message expect(Type t) {
    auto m = next();
    EXPECT_EQ(protocol::to_string(m.type), protocol::to_string(t)) << m.body.dump();
    return m;
  }
  void send(Type t, json body) { ASSERT_TRUE(server_.send(peer_, {t, std::move(body)})); }

 private:
  zmq::context_t ctx_;
  protocol::Server server_;
  std::string peer_;
};

const std::string kConfig = std::string(DOCKET_SOURCE_DIR) + "/config/national/docket.yaml";

TEST(Program, SimulatedOfficersRegisterAcceptDecideAndSayByeOnSigterm) {
  Scheduler s;
  Worker w({"--scheduler", s.endpoint(), "--simulate", "2", "--center", "CSC", "--config", kConfig,
            "--effort-zero", "--seed", "7"});
  const auto hello = s.expect(Type::kHello);
  ASSERT_EQ(hello.body["officers"].size(), 2u);
  EXPECT_EQ(hello.body["officers"][0]["officer"], "ISO-CSC-00001");
  EXPECT_EQ(hello.body["officers"][1]["officer"], "ISO-CSC-00002");
  EXPECT_EQ(hello.body["credit"], 13);  // Their capacities in the roster, 7 + 6.
  s.send(
      Type::kWelcome,
      {{"re", hello.body["id"]}, {"session", "w-1"}, {"heartbeat_ms", 1000}, {"lease_ms", 3000}});
  s.send(Type::kOffer, {{"offers",
                         {{{"receipt", "WAC2590000001"},
                           {"epoch", 1},
                           {"officer", "ISO-CSC-00002"},
                           {"state", "offered"},
                           {"form", "I-130"},
                           {"center", "CSC"}}}}});
  const auto accept = s.expect(Type::kAccept);
  EXPECT_EQ(accept.body["offers"][0]["epoch"], 1);
  s.send(Type::kResult,
         {{"re", accept.body["id"]},
          {"results", {{{"receipt", "WAC2590000001"}, {"ok", true}, {"epoch", 2}}}}});
  const auto decide = s.expect(Type::kDecide);
  EXPECT_EQ(decide.body["decisions"][0]["epoch"], 2);
  w.signal(SIGTERM);
  const auto bye = s.expect(Type::kBye);
  EXPECT_EQ(bye.body["release"], false);
  EXPECT_EQ(w.wait(), 0);
}

TEST(Program, NoOfficerAcceptedExitsOne) {
  Scheduler s;
  Worker w({"--scheduler", s.endpoint(), "--officer", "ISO-NOPE-1"});
  const auto hello = s.expect(Type::kHello);
  s.send(Type::kError, {{"re", hello.body["id"]},
                        {"code", "unknown_officer"},
                        {"message", "ISO-NOPE-1 is not on the roster"}});
  EXPECT_EQ(w.wait(), 1);
}

TEST(Program, UnreachableSchedulerExitsTwo) {
  Worker w({"--scheduler", "tcp://127.0.0.1:1", "--officer", "ISO-CSC-00001", "--connect-timeout",
            "0.5"});
  EXPECT_EQ(w.wait(), 2);
}

TEST(Program, BadArgumentsExitOne) {
  EXPECT_EQ(Worker({"--simulate", "2"}).wait(), 1);  // No --center.
  EXPECT_EQ(Worker({"--officer", "ISO-CSC-00001", "--presence", "asleep"}).wait(), 1);
  EXPECT_EQ(Worker({"--simulate", "2", "--center", "XYZ", "--config", kConfig}).wait(), 1);
  EXPECT_EQ(Worker({"--no-such-flag"}).wait(), 1);
}

}  // namespace
}  // namespace docket::worker
