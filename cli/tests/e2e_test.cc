// docketctl end to end: the built program runs as a child process against a scheduler played
// by a real protocol::Server in this test, over ZeroMQ on loopback.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "docket/cli/app.h"
#include "docket/protocol/channel.h"

extern char** environ;

namespace docket::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

/// What the scripted scheduler answers: a result, or an ERROR with this code.
struct Reply {
  json result = json::object();
  std::string error_code;
  std::string message;
};
Reply ok(json result) { return Reply{std::move(result), "", ""}; }
Reply refuse(std::string code, std::string message) {
  return Reply{json::object(), std::move(code), std::move(message)};
}

/// A management socket that answers each REQUEST with a handler, and records the requests.
class ScriptedScheduler {
 public:
  using Handler = std::function<Reply(const std::string& cmd, const json& args)>;

  explicit ScriptedScheduler(Handler handler)
      : server_(ctx_, "tcp://127.0.0.1:0"), handler_(std::move(handler)) {
    endpoint_ = server_.endpoint();
    thread_ = std::thread([this] { loop(); });
  }
  ~ScriptedScheduler() {
    stop_ = true;
    thread_.join();
  }
  const std::string& endpoint() const { return endpoint_; }
  std::vector<json> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void loop() {
    while (!stop_) {
      zmq::pollitem_t item{server_.socket().handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(10));
      while (auto r = server_.try_recv()) {
        if (!r->message || r->message->type != protocol::Type::kRequest) continue;
        const json& body = r->message->body;
        {
          std::lock_guard lock(mu_);
          requests_.push_back(body);
        }
        const Reply reply = handler_(body.value("cmd", ""), body.value("args", json::object()));
        if (reply.error_code.empty()) {
          server_.send(r->peer,
                       {protocol::Type::kReply, {{"re", body["id"]}, {"result", reply.result}}});
        } else {
          server_.send(
              r->peer,
              {protocol::Type::kError,
               {{"re", body["id"]}, {"code", reply.error_code}, {"message", reply.message}}});
        }
      }
    }
  }

  zmq::context_t ctx_;
  protocol::Server server_;
  Handler handler_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<json> requests_;
  std::thread thread_;
};

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
  double seconds = 0;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

/// A directory of its own for each test, removed afterwards.
class Docketctl : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("docketctl-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

  /// Runs the built docketctl with `args`, stdin from /dev/null, and `env` added.
  CtlRun ctl(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    const auto out_path = dir_ / "stdout";
    const auto err_path = dir_ / "stderr";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    args.insert(args.begin(), DOCKETCTL_PATH);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings(env);
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    CtlRun r;
    if (posix_spawn(&pid, DOCKETCTL_PATH, &actions, nullptr, argv.data(), envp.data()) != 0) {
      ADD_FAILURE() << "cannot start " << DOCKETCTL_PATH;
      return r;
    }
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    waitpid(pid, &status, 0);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    return r;
  }

  fs::path dir_;
};

std::string receipt(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "EAC25900%05d", i);
  return buf;
}

TEST_F(Docketctl, ImportNamesBadLinesSendsGoodCasesInBatchesAndExits4) {
  // 25 good lines, three bad ones, and one case the scheduler refuses (an unknown form).
  std::string csv = "receipt,form,priority,received\n";
  for (int i = 1; i <= 25; ++i) {
    csv += receipt(i) + "," + (i == 7 ? "I-999" : "I-485") + ",normal,2025-10-01\n";
    if (i == 3) csv += "XYZ2590000000,I-485,normal,2025-10-01\n";     // line 5
    if (i == 12) csv += receipt(100) + ",I-485,rush,2025-10-01\n";    // line 15
    if (i == 20) csv += receipt(101) + ",I-485,normal,2025-13-01\n";  // line 24
  }
  const auto file = write("cases.csv", csv);
  ScriptedScheduler scheduler([](const std::string& cmd, const json& args) {
    Reply r;
    if (cmd != "submit") return refuse("unknown_command", cmd);
    json rejected = json::array();
    const auto& cases = args["cases"];
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (cases[i]["form"] == "I-999") {
        rejected.push_back({{"index", i},
                            {"receipt", cases[i]["receipt"]},
                            {"code", "bad_request"},
                            {"message", "unknown form 'I-999'"}});
      }
    }
    r.result = {{"accepted", cases.size() - rejected.size() - (cases.size() > 5 ? 1 : 0)},
                {"duplicates", cases.size() > 5 ? 1 : 0},
                {"rejected", rejected}};
    return r;
  });
  const auto r =
      ctl({"import", file.string(), "--batch", "10", "--scheduler", scheduler.endpoint()});
  EXPECT_EQ(r.code, 4) << r.err;
  const std::string name = file.string();
  EXPECT_NE(r.err.find(name + ":5: XYZ2590000000: receipt 'XYZ2590000000': unknown receipt prefix"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(name + ":15: " + receipt(100) +
                       ": priority: expected normal, expedite, "
                       "premium or litigation, got 'rush'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(name + ":24: " + receipt(101) + ": received:"), std::string::npos) << r.err;
  // Case 7 is on line 9 (after the header and the bad line 5).
  EXPECT_NE(r.err.find(name + ":9: " + receipt(7) + ": bad_request: unknown form 'I-999'"),
            std::string::npos)
      << r.err;
  // The 25 good cases went in batches of 10, 10 and 5, in file order.
  const auto requests = scheduler.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::vector<std::string> sent;
  for (const auto& q : requests) {
    EXPECT_EQ(q["cmd"], "submit");
    for (const auto& c : q["args"]["cases"]) sent.push_back(c["receipt"]);
  }
  EXPECT_EQ(requests[0]["args"]["cases"].size(), 10u);
  EXPECT_EQ(requests[2]["args"]["cases"].size(), 5u);
  std::vector<std::string> expected;
  for (int i = 1; i <= 25; ++i) expected.push_back(receipt(i));
  EXPECT_EQ(sent, expected);
  EXPECT_EQ(
      requests[0]["args"]["cases"][0],
      json::parse(
          R"({"receipt":"EAC2590000001","form":"I-485","priority":"normal","received":1759320000})"));
  EXPECT_NE(
      r.out.find(
          "28 cases read: 22 accepted, 2 duplicates, 1 rejected by the scheduler, 3 invalid lines"),
      std::string::npos)
      << r.out;
}

TEST_F(Docketctl, ImportOfOnlyGoodLinesExits0AndJsonSummarizes) {
  const auto file =
      write("cases.jsonl", R"({"receipt":"EAC2590000001","form":"I-485"})"
                           "\n"
                           R"({"receipt":"EAC2590000002","form":"N-400","priority":"expedite"})"
                           "\n");
  ScriptedScheduler scheduler([](const std::string&, const json& args) {
    return ok({{"accepted", args["cases"].size()}, {"duplicates", 0}, {"rejected", json::array()}});
  });
  const auto r = ctl({"--json", "import", file.string(), "--scheduler", scheduler.endpoint()});
  EXPECT_EQ(r.code, 0) << r.err;
  const auto summary = json::parse(r.out);
  EXPECT_EQ(summary["accepted"], 2);
  EXPECT_EQ(summary["invalid"], json::array());
  EXPECT_EQ(r.err, "");
}

TEST_F(Docketctl, AnErrorReplyExits3WithItsCodeAndMessage) {
  ScriptedScheduler scheduler([](const std::string&, const json&) {
    return refuse("not_leader", "this scheduler is on standby");
  });
  const auto r = ctl({"queues", "--scheduler", scheduler.endpoint()});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("not_leader: this scheduler is on standby"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(Docketctl, AnUnknownCaseExits5) {
  ScriptedScheduler scheduler([](const std::string&, const json& args) {
    return refuse("unknown_case", "no case " + args.value("receipt", ""));
  });
  const auto r = ctl({"status", "EAC2590012345", "--scheduler", scheduler.endpoint()});
  EXPECT_EQ(r.code, 5);
  EXPECT_NE(r.err.find("unknown_case: no case EAC2590012345"), std::string::npos) << r.err;
}

TEST_F(Docketctl, NoSchedulerExits2WithinTheTimeout) {
  // A port that was just free: bound, then released.
  std::string endpoint;
  {
    zmq::context_t ctx;
    protocol::Server probe(ctx, "tcp://127.0.0.1:0");
    endpoint = probe.endpoint();
  }
  const auto r = ctl({"ping", "--timeout", "0.5"}, {"DOCKET_SCHEDULER=" + endpoint});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_LT(r.seconds, 3.0);
  EXPECT_NE(r.err.find("did not answer within 0.5 s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(endpoint), std::string::npos) << r.err;
}

TEST_F(Docketctl, SeveralEndpointsGoToTheFirstThatAnswersAsTheLeader) {
  std::string dead;
  {
    zmq::context_t ctx;
    protocol::Server probe(ctx, "tcp://127.0.0.1:0");
    dead = probe.endpoint();
  }
  const auto answer = [](bool leader) {
    return [leader](const std::string& cmd, const json&) {
      return cmd == "ping" ? ok({{"version", "0.1.0"}, {"protocol", 1}, {"leader", leader}})
                           : ok({{"rows", json::array()}});
    };
  };
  ScriptedScheduler standby(answer(false));
  ScriptedScheduler leader(answer(true));
  const auto r = ctl({"queues", "--json", "--scheduler",
                      dead + "," + standby.endpoint() + ", " + leader.endpoint()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::parse(R"({"rows":[]})"));
  ASSERT_EQ(standby.requests().size(), 1u);
  EXPECT_EQ(standby.requests()[0]["cmd"], "ping");
  ASSERT_EQ(leader.requests().size(), 2u);
  EXPECT_EQ(leader.requests()[0]["cmd"], "ping");
  EXPECT_EQ(leader.requests()[1]["cmd"], "queues");

  // None answering as the leader: exit 2, naming what each did.
  const auto none =
      ctl({"ping", "--timeout", "0.5", "--scheduler", dead + "," + standby.endpoint()});
  EXPECT_EQ(none.code, 2) << none.err;
  EXPECT_NE(none.err.find("no scheduler answered as the leader"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find(dead + " did not answer"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find(standby.endpoint() + " answered as a standby"), std::string::npos)
      << none.err;
}

TEST_F(Docketctl, QueuesJsonPrintsTheSchedulersResult) {
  const auto result = json::parse(R"({"rows":[{"center":"CSC","form":"I-485","queued":48213,
      "offered":12,"assigned":310,"on_hold":4,"rfe_pending":1022,"qa_review":3,"oldest_days":412,
      "at_risk":57}],"as_of":1759320000})");
  ScriptedScheduler scheduler([&](const std::string&, const json&) { return ok(result); });
  const auto r = ctl({"queues", "--json", "--center", "CSC", "--scheduler", scheduler.endpoint()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), result);
  const auto requests = scheduler.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["cmd"], "queues");
  EXPECT_EQ(requests[0]["args"], json::parse(R"({"center":"CSC"})"));
  // Without --json, the same result is a table for people.
  const auto table = ctl({"queues", "--scheduler", scheduler.endpoint()});
  EXPECT_EQ(table.code, 0);
  EXPECT_NE(table.out.find("CSC     I-485  48,213"), std::string::npos) << table.out;
}

TEST_F(Docketctl, UsageErrorsExit1WithoutSendingAnything) {
  ScriptedScheduler scheduler([](const std::string&, const json&) { return ok({}); });
  const auto& ep = scheduler.endpoint();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"status", "EAC259001234X", "-s", ep},
           {"drain", "-s", ep},
           {"drain", "--center", "CSC", "--officer", "ISO-1", "-s", ep},
           {"rebalance", "apply", "-s", ep},
           {"officer", "update", "ISO-CSC-00001", "-s", ep},
           {"import", (dir_ / "missing.csv").string(), "-s", ep},
           {"import", "-", "-s", ep},
           {"no-such-command"}}) {
    const auto r = ctl(args);
    EXPECT_EQ(r.code, 1) << args[0] << ": " << r.err;
    EXPECT_FALSE(r.err.empty()) << args[0];
  }
  EXPECT_TRUE(scheduler.requests().empty());
  const auto help = ctl({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Exit codes:"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("5  not found"), std::string::npos) << help.out;
}

TEST_F(Docketctl, RebalanceApplyWithYesPlansThenAppliesThatPlan) {
  const auto plan = json::parse(R"({"plan":"p-1","moves":[{"from":"CSC","to":"NBC","form":"I-485",
      "count":1200,"cost":3.5}]})");
  ScriptedScheduler scheduler([&](const std::string& cmd, const json&) {
    if (cmd == "rebalance.plan") return ok(plan);
    return ok({{"moved", 1200}, {"plan", "p-1"}});
  });
  const auto out_file = dir_ / "plan.json";
  const auto r = ctl({"rebalance", "apply", "--yes", "--horizon-weeks", "8", "--center", "CSC",
                      "--center", "NBC", "--set", "transfer_cost=2.5", "--out", out_file.string(),
                      "-s", scheduler.endpoint()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("CSC   NBC  I-485  1,200   3.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("applied plan p-1: 1,200 cases moved"), std::string::npos) << r.out;
  const auto requests = scheduler.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["args"],
            json::parse(R"({"horizon_weeks":8,"centers":["CSC","NBC"],"transfer_cost":2.5})"));
  EXPECT_EQ(requests[1]["cmd"], "rebalance.apply");
  EXPECT_EQ(requests[1]["args"]["plan"], plan);
  // The plan written with --out applies the same way later.
  const auto again =
      ctl({"rebalance", "apply", "--plan", out_file.string(), "-s", scheduler.endpoint()});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(scheduler.requests().back()["args"]["plan"], plan);
}

TEST_F(Docketctl, OfficerAddFromARosterAddsTheGoodLinesAndExits4) {
  const auto roster = write("roster.csv",
                            "id,center,skills,languages,clearance,capacity,presence,senior\n"
                            "ISO-CSC-00001,CSC,I-485:3,es,public_trust,6,available,false\n"
                            "ISO-CSC-00002,CSC,I-485:9,,public_trust,6,available,false\n"
                            "ISO-XXX-00003,XXX,I-485:2,,public_trust,6,available,false\n");
  ScriptedScheduler scheduler([](const std::string&, const json& args) {
    const std::string id = args["officer"]["officer"];
    if (args["officer"]["center"] == "XXX") return refuse("bad_request", "unknown center 'XXX'");
    return ok({{"officer", id}});
  });
  const auto r = ctl({"officer", "add", "--from", roster.string(), "-s", scheduler.endpoint()});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_NE(r.err.find(roster.string() + ":3: skill 'I-485:9': the level must be 1-5"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(roster.string() + ":4: ISO-XXX-00003: bad_request: unknown center 'XXX'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("1 officers added, 2 failed"), std::string::npos) << r.out;
  EXPECT_EQ(scheduler.requests().size(), 2u);
}

TEST_F(Docketctl, CaseAndOfficerCommandsSendTheArgsOfTheProtocol) {
  ScriptedScheduler scheduler([](const std::string& cmd, const json& args) {
    if (cmd == "hold") return ok({{"state", "on_hold"}, {"epoch", 5}});
    if (cmd == "drain") return ok({{"moved", 3}, {"reclaimed", 2}});
    if (cmd == "officer.update") {
      return ok({{"officer",
                  {{"officer", args["officer"]},
                   {"center", "CSC"},
                   {"capacity", 4},
                   {"load", 1},
                   {"presence", "away"},
                   {"skills", args["skills"]}}}});
    }
    return refuse("unknown_command", cmd);
  });
  const auto& ep = scheduler.endpoint();
  const auto hold = ctl({"hold", "EAC2590012345", "--note", "FDNS check", "-s", ep});
  EXPECT_EQ(hold.code, 0) << hold.err;
  EXPECT_EQ(hold.out, "EAC2590012345: on_hold (epoch 5)\n");
  const auto drain = ctl({"drain", "--officer", "ISO-CSC-00001", "-s", ep});
  EXPECT_EQ(drain.code, 0) << drain.err;
  EXPECT_EQ(drain.out, "drained officer ISO-CSC-00001: 3 cases moved, 2 reclaimed from desks\n");
  const auto update = ctl({"officer", "update", "ISO-CSC-00001", "--presence", "away", "--skill",
                           "I-485:3", "N-400:2", "-s", ep});
  EXPECT_EQ(update.code, 0) << update.err;
  EXPECT_NE(update.out.find("ISO-CSC-00001  CSC     away      1/4   I-485:3 N-400:2"),
            std::string::npos)
      << update.out;
  const auto unknown = ctl({"stats", "-s", ep});
  EXPECT_EQ(unknown.code, 3);
  const auto requests = scheduler.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0]["args"], json::parse(R"({"receipt":"EAC2590012345","note":"FDNS check"})"));
  EXPECT_EQ(requests[1]["args"], json::parse(R"({"officer":"ISO-CSC-00001"})"));
  EXPECT_EQ(requests[2]["args"], json::parse(R"({"officer":"ISO-CSC-00001","presence":"away",
      "skills":{"I-485":3,"N-400":2}})"));
}

}  // namespace
}  // namespace docket::cli
