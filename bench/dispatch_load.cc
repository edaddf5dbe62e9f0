// Load generator for live dispatch: the real docket-scheduler process, simulated officer desks
// over ZeroMQ, and Redis as the state of record (AOF on, appendfsync everysec). In one run:
//   1. throughput: --cases new cases submitted over the management socket as fast as the
//      scheduler takes them, while --workers DEALER sessions (each playing a slice of the
//      roster, zero effort time) accept and approve every offer at once; end-to-end cases
//      decided per second, from the first submit to the last decided RESULT;
//   2. latency: new cases submitted at half of that rate for --latency-seconds; for each case,
//      the time from its submit to its OFFER reaching a worker, p50 and p99 (and the
//      scheduler's own docket_offer_latency_seconds over the same interval);
//   3. the peer: as many no-op jobs through Debian's python3-rq on the same redis-server
//      (database 1), with as many RQ workers as there were Docket workers (bench/rq_peer.py);
//      jobs completed per second, and the ratio.
// It reports; it asserts nothing about timings.
//
//   build/bench/dispatch_load                     # 200k cases, national roster, 4 workers
//   build/bench/dispatch_load --cases 50000 --skip-rq --json
//   build/bench/dispatch_load --perf /tmp/dispatch.perf.data     # profile the throughput phase
//   perf report -i /tmp/dispatch.perf.data --no-children --sort comm,dso,sym

#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "docket/protocol/channel.h"
#include "docket/protocol/protocol.h"
#include "docket/store/embedded_redis.h"
#include "docket/store/redis.h"
#include "proc_stat.h"
#include "redis_stats.h"

namespace docket {
namespace {

using nlohmann::json;
using protocol::Message;
using protocol::Type;
using SteadyClock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}
double seconds_between(std::int64_t from_ns, std::int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

struct Flags {
  std::size_t cases = 200'000;
  int workers = 4;
  int officers_per_worker = 0;  // 0: the roster is split evenly between the workers.
  int credit = 1000;
  std::size_t rq_jobs = 0;  // 0: as many as --cases.
  bool skip_rq = false;
  std::string config = std::string(DOCKET_SOURCE_DIR) + "/config/national/docket.yaml";
  std::string scheduler = DOCKET_SCHEDULER_BINARY;  // Another build's, to compare two side by side.
  bool json = false;
  std::size_t submit_batch = 5000;
  int submit_window = 2;
  double latency_seconds = 10;
  double latency_rate = 0;  // Cases/s in the latency phase; 0: half of the measured throughput.
  std::string perf;         // perf.data path: record scheduler and Redis in the throughput phase.
  bool keep = false;        // Keep the temporary directory (logs, AOF).
  std::string latency_csv;  // Each latency-phase case's submit time and offer latency.
  bool hold_aof_rewrite = false;  // Diagnostic: no automatic AOF rewrite during the run.
  std::string command_line;
};

// ---------------------------------------------------------------------------------------------
// Child processes.

/// A child process with its output in a file. The kernel kills it if this process dies, so an
/// interrupted run leaves no scheduler behind.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw IoError("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
      }
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Child() {
    if (running()) {
      kill(pid_, SIGKILL);
      wait_exit();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = status;
      pid_ = -1;
      return false;
    }
    return true;
  }
  /// Sends `sig` and waits up to `timeout` for the exit; SIGKILL after that. The exit status.
  int stop(int sig, std::chrono::seconds timeout) {
    if (!running()) return status_;
    kill(pid_, sig);
    const auto deadline = SteadyClock::now() + timeout;
    while (running() && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (running()) {
      kill(pid_, SIGKILL);
      wait_exit();
    }
    return status_;
  }

 private:
  void wait_exit() {
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_) status_ = status;
    pid_ = -1;
  }
  pid_t pid_ = -1;
  int status_ = 0;
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}


double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

/// The body of an HTTP GET of http://host:port/path (the scheduler's /metrics), or "" on failure.
std::string http_get(const std::string& url) {
  static const std::regex re(R"(http://([^:/]+):([0-9]+)(/.*)?)");
  std::smatch m;
  if (!std::regex_match(url, m, re)) return {};
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* ai = nullptr;
  if (getaddrinfo(m[1].str().c_str(), m[2].str().c_str(), &hints, &ai) != 0) return {};
  const int fd = socket(ai->ai_family, ai->ai_socktype, 0);
  std::string out;
  if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
    const std::string path = m[3].matched ? m[3].str() : "/";
    const std::string req =
        "GET " + path + " HTTP/1.0\r\nHost: " + m[1].str() + "\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      std::array<char, 65536> buf{};
      ssize_t n = 0;
      while ((n = read(fd, buf.data(), buf.size())) > 0) out.append(buf.data(), n);
    }
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(ai);
  const auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : out.substr(body + 4);
}

/// Every sample of a Prometheus text page, by its series ("name{labels}").
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    try {
      out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
    }
  }
  return out;
}

/// Where the scheduler's time went between two scrapes: its store calls and its round phases.
json scheduler_time(const std::string& before, const std::string& after) {
  const auto a = samples(before), b = samples(after);
  const auto delta = [&](const std::string& series) {
    const auto x = b.find(series);
    const auto y = a.find(series);
    return (x == b.end() ? 0.0 : x->second) - (y == a.end() ? 0.0 : y->second);
  };
  json out = {{"store_calls", delta("docket_store_call_seconds_count")},
              {"store_call_seconds", delta("docket_store_call_seconds_sum")}};
  out["rounds_planned"] = delta("docket_assignment_round_seconds_count{phase=\"solve\"}");
  for (const char* phase : {"build", "solve", "assign"}) {
    out[std::string("round_") + phase + "_seconds"] =
        delta(std::string("docket_assignment_round_seconds_sum{phase=\"") + phase + "\"}");
  }
  return out;
}

/// Cumulative bucket counts of a Prometheus histogram, by upper bound.
std::vector<std::pair<double, double>> histogram_buckets(const std::string& text,
                                                         const std::string& name) {
  std::vector<std::pair<double, double>> out;
  const std::regex re(name + R"re(_bucket\{le="([^"]+)"\} ([0-9.eE+-]+))re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    const std::string le = (*it)[1];
    out.emplace_back(le == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le),
                     std::stod((*it)[2]));
  }
  return out;
}

/// The q-quantile of the observations between two scrapes, interpolated inside its bucket as
/// Prometheus' histogram_quantile does. NaN when nothing was observed.
double histogram_quantile(const std::vector<std::pair<double, double>>& before,
                          const std::vector<std::pair<double, double>>& after, double q) {
  if (after.empty() || before.size() != after.size()) return std::nan("");
  const double total = after.back().second - before.back().second;
  if (total <= 0) return std::nan("");
  const double rank = q * total;
  double prev_bound = 0, prev_count = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    const double count = after[i].second - before[i].second;
    if (count >= rank) {
      if (std::isinf(after[i].first)) return prev_bound;
      const double in_bucket = count - prev_count;
      return prev_bound +
             (after[i].first - prev_bound) * (in_bucket > 0 ? (rank - prev_count) / in_bucket : 0);
    }
    prev_bound = after[i].first;
    prev_count = count;
  }
  return prev_bound;
}

// ---------------------------------------------------------------------------------------------
// Cases the roster can take.

/// A form and center a played officer may take cases of, one entry per (officer, form).
struct Kind {
  std::string form;
  std::string center;
};

/// For each played officer, the forms it may decide at its own center: it holds the form's skill
/// at the form's minimum level, and the form is adjudicated there. Cases are drawn round-robin
/// over officers (then over each officer's forms), so the mix follows the roster.
std::vector<Kind> case_kinds(const config::NationalConfig& cfg,
                             const std::vector<OfficerId>& played) {
  std::vector<std::vector<Kind>> per_officer;
  for (OfficerId id : played) {
    const Officer& o = cfg.officers[id];
    std::vector<Kind> kinds;
    for (const auto& f : cfg.catalog.forms()) {
      if (o.level(f.skill) < f.min_level) continue;
      if (!f.centers.empty() &&
          std::find(f.centers.begin(), f.centers.end(), o.center) == f.centers.end())
        continue;
      kinds.push_back({f.code, cfg.catalog.center(o.center).code});
    }
    if (!kinds.empty()) per_officer.push_back(std::move(kinds));
  }
  if (per_officer.empty()) throw InvalidArgument("no played officer can take any form");
  std::vector<Kind> out;
  std::size_t longest = 0;
  for (const auto& k : per_officer) longest = std::max(longest, k.size());
  for (std::size_t round = 0; round < longest; ++round) {
    for (const auto& k : per_officer) out.push_back(k[round % k.size()]);
  }
  return out;
}

/// Receipts of this run: IOE (online filing, a prefix no center claims, so the center given
/// with each case is the one used) and one range of ten-digit numbers per phase.
constexpr std::uint64_t kThroughputBase = 2'600'000'000;
constexpr std::uint64_t kLatencyBase = 2'650'000'000;
std::string receipt(std::uint64_t digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "IOE%010llu", static_cast<unsigned long long>(digits));
  return buf;
}
std::optional<std::uint64_t> receipt_digits(const std::string& text) {
  if (text.size() != 13 || text.compare(0, 3, "IOE") != 0) return std::nullopt;
  return std::stoull(text.substr(3));
}

json new_case(const std::vector<Kind>& kinds, std::uint64_t digits, std::size_t i) {
  const Kind& k = kinds[i % kinds.size()];
  return {{"receipt", receipt(digits)}, {"form", k.form}, {"center", k.center}};
}

// ---------------------------------------------------------------------------------------------
// Simulated desks.

/// What the worker threads share with the main thread.
struct Shared {
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::atomic<std::int64_t> offers{0};
  std::atomic<std::int64_t> decided{0};     // Cases decided (QA reviews not included).
  std::atomic<std::int64_t> qa_reviews{0};  // QA reviews recorded.
  std::atomic<std::int64_t> refused{0};     // RESULT items with ok: false.
  std::atomic<std::int64_t> lease_lost{0};
  std::atomic<std::int64_t> errors{0};  // ERROR messages.
  std::atomic<std::int64_t> last_decided_ns{0};
  // Latency phase: OFFER arrival per case, by index from kLatencyBase; 0 = not yet.
  std::unique_ptr<std::atomic<std::int64_t>[]> offered_ns;
  std::size_t latency_cases = 0;
};

void store_max(std::atomic<std::int64_t>& a, std::int64_t v) {
  std::int64_t cur = a.load(std::memory_order_relaxed);
  while (cur < v && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

/// One DEALER session playing `officers`: every offer is accepted and approved at once (ACCEPT
/// and DECIDE pipelined, which the scheduler applies in order), and each decision grants back
/// one credit, so the session keeps `credit` offers in flight.
void desk(zmq::context_t& ctx, const std::string& endpoint, int index,
          const std::vector<std::string>& officers, int credit, Shared& shared) {
  protocol::ChannelOptions options;
  options.identity = "dispatch-load-" + std::to_string(index);
  protocol::Client client(ctx, endpoint, options);
  json list = json::array();
  for (const auto& o : officers) list.push_back({{"officer", o}, {"presence", "available"}});
  client.send(Message{
      Type::kHello,
      {{"id", 0}, {"agent", "dispatch_load"}, {"officers", std::move(list)}, {"credit", credit}}});
  for (;;) {
    auto m = client.recv(std::chrono::seconds(10));
    if (!m) throw TimeoutError("worker " + std::to_string(index) + ": no WELCOME");
    if (m->type == Type::kWelcome) break;
    if (m->type == Type::kError) throw IoError("HELLO refused: " + m->body.dump());
  }
  ++shared.ready;
  std::int64_t next_id = 1;
  std::unordered_set<std::string> qa;  // QA reviews in flight: their decisions are counted apart.
  auto last_sent = SteadyClock::now();
  zmq::pollitem_t item{client.socket().handle(), 0, ZMQ_POLLIN, 0};
  while (!shared.stop.load(std::memory_order_relaxed)) {
    zmq::poll(&item, 1, std::chrono::milliseconds(20));
    json accepts = json::array();
    json decisions = json::array();
    // Everything waiting is answered together, as a desk agent batching its replies would.
    while (auto m = client.recv(std::chrono::milliseconds(0))) {
      const auto at = now_ns();
      switch (m->type) {
        case Type::kOffer:
          for (auto& c : m->body["offers"]) {
            const std::string r = c["receipt"].get<std::string>();
            const auto epoch = c["epoch"].get<std::int64_t>();
            if (c.value("qa", false)) qa.insert(r);
            if (auto d = receipt_digits(r);
                d && *d >= kLatencyBase && *d < kLatencyBase + shared.latency_cases) {
              std::int64_t zero = 0;
              shared.offered_ns[*d - kLatencyBase].compare_exchange_strong(zero, at);
            }
            accepts.push_back({{"receipt", r}, {"epoch", epoch}});
            decisions.push_back({{"receipt", r}, {"epoch", epoch}, {"outcome", "approve"}});
          }
          break;
        case Type::kResult: {
          std::int64_t decided = 0, reviews = 0, refused = 0;
          for (const auto& res : m->body["results"]) {
            if (!res.value("ok", false)) {
              if (refused++ == 0 && shared.refused.load() < 5)
                spdlog::warn("worker {}: refused: {}", index, res.dump());
              continue;
            }
            if (res.value("state", "") == "assigned") continue;  // An ACCEPT's answer.
            if (qa.erase(res.value("receipt", "")) > 0) {
              ++reviews;
            } else {
              ++decided;
            }
          }
          shared.refused += refused;
          shared.qa_reviews += reviews;
          if (decided > 0) {
            shared.decided += decided;
            store_max(shared.last_decided_ns, at);
          }
          break;
        }
        case Type::kLeaseLost:
          shared.lease_lost += static_cast<std::int64_t>(m->body["cases"].size());
          break;
        case Type::kError:
          if (shared.errors++ < 5) spdlog::warn("worker {}: {}", index, m->body.dump());
          break;
        default:
          break;
      }
    }
    const auto n = static_cast<std::int64_t>(accepts.size());
    if (n > 0) {
      shared.offers += n;
      client.send(Message{Type::kAccept, {{"id", next_id++}, {"offers", std::move(accepts)}}});
      client.send(Message{Type::kDecide,
                          {{"id", next_id++}, {"decisions", std::move(decisions)}, {"credit", n}}});
      last_sent = SteadyClock::now();
    } else if (SteadyClock::now() - last_sent > std::chrono::milliseconds(250)) {
      // Idle between phases: stay alive, or the scheduler reclaims the session's leases.
      client.send(Message{Type::kHeartbeat, {}});
      last_sent = SteadyClock::now();
    }
  }
  client.send(Message{Type::kBye, {{"release", true}}});
}

// ---------------------------------------------------------------------------------------------
// Management client.

/// Submits over the management socket with up to `window` requests in flight. Bodies are built
/// ahead of time where the caller can, so that the load generator spends little of the machine.
class Submitter {
 public:
  Submitter(zmq::context_t& ctx, const std::string& endpoint) : client_(ctx, endpoint) {}

  void send_body(const std::string& body) {
    auto& s = client_.socket();
    s.send(zmq::buffer(protocol::kSignature), zmq::send_flags::sndmore);
    s.send(zmq::str_buffer("REQUEST"), zmq::send_flags::sndmore);
    s.send(zmq::buffer(body), zmq::send_flags::none);
    ++in_flight_;
  }
  /// Reads answers for up to `wait`; returns when one came or the time is up.
  void read(std::chrono::milliseconds wait) {
    auto m = client_.recv(wait);
    while (m) {
      --in_flight_;
      if (m->type == Type::kReply) {
        const auto& r = m->body["result"];
        accepted += r.value("accepted", std::int64_t{0});
        duplicates += r.value("duplicates", std::int64_t{0});
        const auto rejected_now = static_cast<std::int64_t>(r["rejected"].size());
        if (rejected_now > 0 && rejected == 0)
          spdlog::warn("submit rejected cases, first: {}", r["rejected"][0].dump());
        rejected += rejected_now;
      } else {
        ++errors;
        spdlog::warn("submit answered {}: {}", protocol::to_string(m->type), m->body.dump());
      }
      m = client_.recv(std::chrono::milliseconds(0));
    }
  }
  int in_flight() const { return in_flight_; }
  json call(const std::string& cmd) {
    return client_.call(cmd, json::object(), std::chrono::seconds(30));
  }

  std::int64_t accepted = 0, duplicates = 0, rejected = 0, errors = 0;

 private:
  protocol::Client client_;
  int in_flight_ = 0;
};

std::string submit_body(std::int64_t id, const json& cases) {
  return json{{"id", id}, {"cmd", "submit"}, {"args", {{"cases", cases}}}}.dump();
}

// ---------------------------------------------------------------------------------------------
// The run.

struct Percentiles {
  std::size_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.count = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

/// A field of Redis' INFO (e.g. "aof_rewrites"), or -1.
std::int64_t redis_info(store::RedisConnection& redis, const std::string& section,
                        const std::string& field) {
  return bench::info_field(redis.command({"INFO", section}).as_string(), field);
}

/// Watches Redis for forked children (an AOF rewrite, an RDB save) from its own connection,
/// polling INFO persistence every 10 ms, so that the latency phase can say which cases were
/// submitted while one ran. A fork stops Redis for a few milliseconds (it copies the page
/// tables), the first writes after it fault pages in, and the child then takes a core for up to
/// a second: a tail that a rewrite makes is Redis', not the loop's.
class ForkWatch {
 public:
  explicit ForkWatch(const store::RedisOptions& options)
      : redis_(options), thread_([this] { run(); }) {}
  ~ForkWatch() { stop(); }
  ForkWatch(const ForkWatch&) = delete;
  ForkWatch& operator=(const ForkWatch&) = delete;

  /// Stops polling; a child still running ends the last span now.
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  /// The spans [first poll that saw a child, first poll that saw none], in now_ns() time.
  /// Call after stop().
  const std::vector<std::pair<std::int64_t, std::int64_t>>& spans() const { return spans_; }

 private:
  void run() {
    std::int64_t since = -1;  // When the child now running was first seen; -1: none.
    while (!stop_) {
      bool child = false;
      try {
        const std::string text = redis_.command({"INFO", "persistence"}).as_string();
        child = bench::info_field(text, "aof_rewrite_in_progress") == 1 ||
                bench::info_field(text, "rdb_bgsave_in_progress") == 1;
      } catch (const Error& e) {
        // Unknown: a span goes on (or not) as it was.
        spdlog::warn("fork watch: {}", e.what());
        child = since >= 0;
      }
      const auto at = now_ns();
      if (child && since < 0) since = at;
      if (!child && since >= 0) {
        spans_.emplace_back(since, at);
        since = -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (since >= 0) spans_.emplace_back(since, now_ns());
  }

  store::RedisConnection redis_;
  std::atomic<bool> stop_{false};
  std::vector<std::pair<std::int64_t, std::int64_t>> spans_;
  std::thread thread_;  // Last: it starts once the members it uses are made.
};

/// Around a fork span, the cases whose latency it can reach: those submitted up to 50 ms before
/// it (still in Redis or the loop when Redis stops) and up to 500 ms after its child ended (the
/// queue the stop and the child left takes 100-300 ms to drain at half load on two cores).
constexpr std::int64_t kForkReachBeforeNs = 50'000'000, kForkReachAfterNs = 500'000'000;

/// The 1-minute load average: other work on the machine skews every figure here.
double load_average() {
  double one = 0;
  std::istringstream(read_file("/proc/loadavg")) >> one;
  return one;
}

/// Calls and microseconds Redis has spent running the store's code so far, from INFO
/// commandstats: FCALL (the transition function) and EVALSHA (the leader lease's scripts, a few
/// calls a second, and the transition script of builds before the function, which --scheduler
/// may run side by side). The rest of Redis' CPU is networking, the AOF and rewrites.
bench::CommandStats script_stats(store::RedisConnection& redis) {
  return bench::command_stats(redis, {"fcall", "evalsha"});
}
double script_usec(store::RedisConnection& redis) { return script_stats(redis).usec; }

std::string cpu_model() {
  const std::string info = read_file("/proc/cpuinfo");
  std::smatch m;
  if (std::regex_search(info, m, std::regex(R"(model name\s*:\s*([^\n]+))"))) return m[1];
  return "unknown";
}

/// Waits until `done()` or until nothing moved `progress()` for `stall`; false on a stall.
template <typename Done, typename Progress>
bool wait_for(Done done, Progress progress, std::chrono::seconds stall) {
  auto last = progress();
  auto moved = SteadyClock::now();
  while (!done()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto p = progress();
    if (p != last) {
      last = p;
      moved = SteadyClock::now();
    } else if (SteadyClock::now() - moved > stall) {
      return false;
    }
  }
  return true;
}

int run(Flags& f) {
  const auto cfg = config::load_national_config(f.config);
  const unsigned cores = std::thread::hardware_concurrency();

  // The played officers: a slice of the roster per worker.
  const int per_worker = f.officers_per_worker > 0
                             ? f.officers_per_worker
                             : static_cast<int>((cfg.officers.size() + f.workers - 1) /
                                                static_cast<std::size_t>(f.workers));
  std::vector<std::vector<std::string>> slices(f.workers);
  std::vector<OfficerId> played;
  int slots = 0;
  for (int w = 0; w < f.workers; ++w) {
    for (int k = 0; k < per_worker; ++k) {
      const std::size_t id = static_cast<std::size_t>(w) * per_worker + k;
      if (id >= cfg.officers.size()) break;
      slices[w].push_back(cfg.officers[id].id);
      played.push_back(static_cast<OfficerId>(id));
      slots += cfg.officers[id].capacity;
    }
  }
  const auto kinds = case_kinds(cfg, played);

  // Redis and the scheduler.
  char tmpl[] = "/tmp/docket-dispatch-load-XXXXXX";
  if (!mkdtemp(tmpl)) throw IoError("cannot make a temporary directory");
  const std::filesystem::path tmp = tmpl;
  store::EmbeddedRedisOptions ro;
  ro.dir = tmp / "redis";
  ro.appendfsync = "everysec";
  std::optional<store::EmbeddedRedis> redis;
  redis.emplace(ro);
  store::RedisOptions co;
  co.port = redis->port();
  std::optional<store::RedisConnection> info;
  info.emplace(co);
  // Redis' own record of its stalls (fork, AOF writes, slow commands) over 5 ms, for the CSV.
  if (!f.latency_csv.empty()) info->command({"CONFIG", "SET", "latency-monitor-threshold", "5"});
  if (f.hold_aof_rewrite) info->command({"CONFIG", "SET", "auto-aof-rewrite-percentage", "0"});
  const std::vector<std::string> scheduler_argv = {f.scheduler,
                                                   "--config",
                                                   f.config,
                                                   "--redis",
                                                   "127.0.0.1:" + std::to_string(redis->port()),
                                                   "--workers",
                                                   "tcp://127.0.0.1:0",
                                                   "--management",
                                                   "tcp://127.0.0.1:0",
                                                   "--metrics-listen",
                                                   "127.0.0.1:0",
                                                   "--json"};
  const auto log = tmp / "scheduler.log";
  auto scheduler = std::make_unique<Child>(scheduler_argv, log);
  std::string worker_ep, management_ep, metrics_url;
  {
    const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
    static const std::regex w(R"(^workers: (\S+))", std::regex::multiline);
    static const std::regex m(R"(^management: (\S+))", std::regex::multiline);
    static const std::regex x(R"(^metrics: (\S+))", std::regex::multiline);
    for (;;) {
      const std::string text = read_file(log);
      std::smatch a, b, c;
      if (std::regex_search(text, a, w) && std::regex_search(text, b, m) &&
          std::regex_search(text, c, x)) {
        worker_ep = a[1];
        management_ep = b[1];
        metrics_url = c[1];
        break;
      }
      if (!scheduler->running() || SteadyClock::now() > deadline)
        throw IoError("docket-scheduler did not start:\n" + text);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const pid_t scheduler_pid = scheduler->pid();
  if (!f.json) {
    std::printf("redis-server pid %d on 127.0.0.1:%d (AOF, appendfsync everysec), data in %s\n",
                redis->pid(), redis->port(), ro.dir.c_str());
    std::printf("docket-scheduler pid %d: workers %s, management %s\n", scheduler_pid,
                worker_ep.c_str(), management_ep.c_str());
    std::fflush(stdout);
  }

  zmq::context_t ctx;
  Shared shared;
  const std::size_t latency_capacity = 2'000'000;
  shared.offered_ns = std::make_unique<std::atomic<std::int64_t>[]>(latency_capacity);
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int w = 0; w < f.workers; ++w) {
    threads.emplace_back([&, w] {
      try {
        desk(ctx, worker_ep, w, slices[w], f.credit, shared);
      } catch (const std::exception& e) {
        spdlog::error("worker {}: {}", w, e.what());
        ++failed;
        ++shared.ready;
      }
    });
  }
  const auto stop_all = [&] {
    shared.stop = true;
    for (auto& t : threads) t.join();
    threads.clear();
  };
  while (shared.ready.load() < f.workers) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (failed > 0) {
    stop_all();
    throw IoError("a worker could not register; see above");
  }
  Submitter submitter(ctx, management_ep);
  submitter.call("ping");

  // 1. Throughput. The bodies are built before the clock starts.
  std::vector<std::string> bodies;
  for (std::size_t first = 0; first < f.cases; first += f.submit_batch) {
    json cases = json::array();
    for (std::size_t i = first; i < std::min(f.cases, first + f.submit_batch); ++i)
      cases.push_back(new_case(kinds, kThroughputBase + i, i));
    bodies.push_back(submit_body(static_cast<std::int64_t>(bodies.size()) + 1, cases));
  }
  std::unique_ptr<Child> perf;
  if (!f.perf.empty()) {
    perf = std::make_unique<Child>(
        std::vector<std::string>{
            "/usr/bin/perf", "record", "-g", "-o", f.perf, "-p",
            std::to_string(scheduler_pid) + "," + std::to_string(redis->pid())},
        tmp / "perf.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const double cpu_sched0 = bench::process_cpu_seconds(scheduler_pid), cpu_redis0 = bench::process_cpu_seconds(redis->pid()),
               cpu_self0 = own_cpu_seconds();
  const auto rounds0 = submitter.call("stats").value("rounds", std::int64_t{0});
  const auto rewrites0 = redis_info(*info, "persistence", "aof_rewrites");
  const auto delayed0 = redis_info(*info, "persistence", "aof_delayed_fsync");
  const std::string metrics0 = http_get(metrics_url);
  const double script0 = script_usec(*info);
  const double load_before = load_average();
  const std::int64_t t0 = now_ns();
  std::size_t next = 0;
  while (next < bodies.size() || submitter.in_flight() > 0) {
    while (next < bodies.size() && submitter.in_flight() < f.submit_window)
      submitter.send_body(bodies[next++]);
    submitter.read(std::chrono::milliseconds(100));
  }
  const std::int64_t submitted_at = now_ns();
  const auto target = submitter.accepted;
  const bool complete = wait_for([&] { return shared.decided.load() >= target; },
                                 [&] { return shared.decided.load(); }, std::chrono::seconds(30));
  const std::int64_t t1 = shared.last_decided_ns.load();
  const double cpu_sched = bench::process_cpu_seconds(scheduler_pid) - cpu_sched0;
  const double cpu_redis = bench::process_cpu_seconds(redis->pid()) - cpu_redis0;
  const double cpu_self = own_cpu_seconds() - cpu_self0;
  if (perf) perf->stop(SIGINT, std::chrono::seconds(60));
  const double load_after = load_average();
  const auto rounds = submitter.call("stats").value("rounds", std::int64_t{0}) - rounds0;
  const auto rewrites = redis_info(*info, "persistence", "aof_rewrites") - rewrites0;
  const auto delayed = redis_info(*info, "persistence", "aof_delayed_fsync") - delayed0;
  const json sched_time = scheduler_time(metrics0, http_get(metrics_url));
  const double script = script_usec(*info) - script0;
  const std::int64_t decided = shared.decided.load();
  const double seconds = seconds_between(t0, t1);
  const double rate = static_cast<double>(decided) / seconds;
  if (!f.json) {
    std::printf("throughput: %lld of %lld cases decided in %.2f s (%s)\n",
                static_cast<long long>(decided), static_cast<long long>(target), seconds,
                complete ? "all" : "stalled");
    std::fflush(stdout);
  }

  // Let the QA reviews the throughput phase drew finish before measuring latency.
  wait_for([&] { return false; }, [&] { return shared.qa_reviews.load(); },
           std::chrono::seconds(2));

  // 2. Latency at half load.
  const double latency_rate = f.latency_rate > 0 ? f.latency_rate : std::max(1.0, rate / 2);
  const std::size_t latency_cases = std::min<std::size_t>(
      latency_capacity, static_cast<std::size_t>(latency_rate * f.latency_seconds));
  shared.latency_cases = latency_cases;
  std::vector<std::int64_t> submitted_ns(latency_cases, 0);
  const std::string before = http_get(metrics_url);
  const auto latency_rewrites0 = redis_info(*info, "persistence", "aof_rewrites");
  const auto latency_delayed0 = redis_info(*info, "persistence", "aof_delayed_fsync");
  const std::int64_t decided_before = shared.decided.load();
  const double lcpu_sched0 = bench::process_cpu_seconds(scheduler_pid),
               lcpu_redis0 = bench::process_cpu_seconds(redis->pid()),
               lcpu_self0 = own_cpu_seconds();
  const auto lcalls0 = script_stats(*info);
  std::optional<ForkWatch> forks;
  forks.emplace(co);
  const std::int64_t l0 = now_ns();
  std::size_t sent = 0;
  std::int64_t id = 1'000'000;
  while (sent < latency_cases) {
    const auto due = std::min(
        latency_cases, static_cast<std::size_t>(seconds_between(l0, now_ns()) * latency_rate));
    if (due > sent) {
      json cases = json::array();
      for (std::size_t i = sent; i < due; ++i)
        cases.push_back(new_case(kinds, kLatencyBase + i, i));
      const std::string body = submit_body(id++, cases);
      const auto at = now_ns();
      for (std::size_t i = sent; i < due; ++i) submitted_ns[i] = at;
      submitter.send_body(body);
      sent = due;
    }
    submitter.read(std::chrono::milliseconds(0));
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  while (submitter.in_flight() > 0) submitter.read(std::chrono::milliseconds(100));
  const double latency_wall = seconds_between(l0, now_ns());
  const auto offered_count = [&] {
    std::size_t n = 0;
    for (std::size_t i = 0; i < latency_cases; ++i) n += shared.offered_ns[i].load() != 0;
    return n;
  };
  wait_for(
      [&] {
        return shared.decided.load() - decided_before >= static_cast<std::int64_t>(latency_cases);
      },
      [&] { return shared.decided.load(); }, std::chrono::seconds(30));
  forks->stop();
  const std::string after = http_get(metrics_url);
  // The latency phase's CPU, over the whole phase (the submits, then the last offers' decisions).
  const double latency_span = seconds_between(l0, now_ns());
  const double lcpu_sched = bench::process_cpu_seconds(scheduler_pid) - lcpu_sched0;
  const double lcpu_redis = bench::process_cpu_seconds(redis->pid()) - lcpu_redis0;
  const double lcpu_self = own_cpu_seconds() - lcpu_self0;
  const auto lcalls1 = script_stats(*info);
  const double lcalls = lcalls1.calls - lcalls0.calls;
  const double lusec = lcalls1.usec - lcalls0.usec;
  const auto latency_rewrites =
      redis_info(*info, "persistence", "aof_rewrites") - latency_rewrites0;
  const auto latency_delayed =
      redis_info(*info, "persistence", "aof_delayed_fsync") - latency_delayed0;
  std::vector<double> latencies;
  for (std::size_t i = 0; i < latency_cases; ++i) {
    const auto at = shared.offered_ns[i].load();
    if (at != 0) latencies.push_back(seconds_between(submitted_ns[i], at) * 1e3);
  }
  const auto lat = percentiles(latencies);
  // The same, for the cases a fork of Redis could not reach (ForkWatch): the loop's own tail.
  std::vector<double> clear_of_forks;
  for (std::size_t i = 0; i < latency_cases; ++i) {
    const auto at = shared.offered_ns[i].load();
    if (at == 0) continue;
    const bool reached =
        std::any_of(forks->spans().begin(), forks->spans().end(), [&](const auto& span) {
          return submitted_ns[i] >= span.first - kForkReachBeforeNs &&
                 submitted_ns[i] <= span.second + kForkReachAfterNs;
        });
    if (!reached) clear_of_forks.push_back(seconds_between(submitted_ns[i], at) * 1e3);
  }
  const auto clear = percentiles(clear_of_forks);
  json fork_spans = json::array();
  for (const auto& [from, to] : forks->spans())
    fork_spans.push_back(
        {{"from_s", seconds_between(l0, from)}, {"to_s", seconds_between(l0, to)}});
  // The same, by second of submit: a tail that comes from one stall (an AOF rewrite, a full
  // round) shows in one second, a tail the loop's cadence makes shows in every one.
  std::vector<std::vector<double>> by_second;
  for (std::size_t i = 0; i < latency_cases; ++i) {
    const auto at = shared.offered_ns[i].load();
    if (at == 0) continue;
    const auto second = static_cast<std::size_t>(seconds_between(l0, submitted_ns[i]));
    if (by_second.size() <= second) by_second.resize(second + 1);
    by_second[second].push_back(seconds_between(submitted_ns[i], at) * 1e3);
  }
  if (!f.latency_csv.empty()) {
    // One line per case of the latency phase: seconds from the phase's start to its submit, and
    // milliseconds to its OFFER (-1: never offered); then Redis' LATENCY LATEST, one line per
    // event (name, last time, last ms, max ms).
    std::ofstream out(f.latency_csv);
    out << "submitted_s,offer_ms\n";
    for (std::size_t i = 0; i < latency_cases; ++i) {
      const auto at = shared.offered_ns[i].load();
      out << seconds_between(l0, submitted_ns[i]) << ','
          << (at != 0 ? seconds_between(submitted_ns[i], at) * 1e3 : -1.0) << '\n';
    }
    out << "redis_latest_fork_usec," << redis_info(*info, "stats", "latest_fork_usec") << '\n';
    for (const auto& e : info->command({"LATENCY", "LATEST"}).elements) {
      out << "redis_latency";
      for (const auto& x : e.elements)
        out << ',' << (x.type == store::Reply::Type::kInteger ? std::to_string(x.integer) : x.str);
      out << '\n';
    }
  }
  json per_second = json::array();
  for (const auto& v : by_second) {
    const auto p = percentiles(v);
    per_second.push_back({{"offered", p.count}, {"p50", p.p50}, {"p99", p.p99}, {"max", p.max}});
  }
  const auto hb = histogram_buckets(before, "docket_offer_latency_seconds");
  const auto ha = histogram_buckets(after, "docket_offer_latency_seconds");
  const double sched_p50 = histogram_quantile(hb, ha, 0.50) * 1e3;
  const double sched_p99 = histogram_quantile(hb, ha, 0.99) * 1e3;
  const std::size_t offered = offered_count();
  const json latency_time = scheduler_time(before, after);

  // The scheduler stops first (it tells the workers SHUTDOWN), then the desks.
  const json final_stats = submitter.call("stats");
  scheduler->stop(SIGTERM, std::chrono::seconds(30));
  stop_all();
  json scheduler_summary;
  {
    const std::string text = read_file(log);
    const auto brace = text.rfind("\n{");
    if (brace != std::string::npos)
      scheduler_summary = json::parse(text.substr(brace + 1), nullptr, false);
  }

  // 3. The peer, on the same redis-server, database 1.
  json rq;
  const std::size_t rq_jobs = f.rq_jobs > 0 ? f.rq_jobs : f.cases;
  if (!f.skip_rq) {
    if (!f.json) {
      std::printf("peer: %zu jobs through python3-rq with %d SimpleWorker processes...\n", rq_jobs,
                  f.workers);
      std::fflush(stdout);
    }
    const std::string cmd = "/usr/bin/python3 " DOCKET_SOURCE_DIR "/bench/rq_peer.py --port " +
                            std::to_string(redis->port()) + " --db 1 --jobs " +
                            std::to_string(rq_jobs) + " --workers " + std::to_string(f.workers) +
                            " 2>" + (tmp / "rq_peer.log").string();
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
    std::string out;
    std::array<char, 4096> buf{};
    while (pipe && fgets(buf.data(), buf.size(), pipe.get()) != nullptr) out += buf.data();
    rq = json::parse(out, nullptr, false);
    if (rq.is_discarded() || !rq.is_object()) {
      spdlog::error("rq_peer.py printed no result: {}{}", out, read_file(tmp / "rq_peer.log"));
      rq = json();
    }
  }
  info.reset();
  redis.reset();

  // Report.
  const double rq_rate = rq.is_object() ? rq.value("jobs_per_second", 0.0) : 0.0;
  json report = {
      {"command", f.command_line},
      {"machine",
       {{"cores", cores},
        {"cpu", cpu_model()},
        {"load_average_before", load_before},
        {"load_average_after_throughput", load_after}}},
      {"parameters",
       {{"cases", f.cases},
        {"workers", f.workers},
        {"officers_per_worker", per_worker},
        {"officers_played", played.size()},
        {"officer_slots", slots},
        {"credit", f.credit},
        {"submit_batch", f.submit_batch},
        {"submit_window", f.submit_window},
        {"config", f.config},
        {"redis", f.hold_aof_rewrite ? "AOF on, appendfsync everysec, no automatic rewrite"
                                     : "AOF on, appendfsync everysec"}}},
      {"throughput",
       {{"submitted", target},
        {"submit_rejected", submitter.rejected},
        {"submit_seconds", seconds_between(t0, submitted_at)},
        {"submit_per_second", static_cast<double>(target) / seconds_between(t0, submitted_at)},
        {"decided", decided},
        {"complete", complete},
        {"seconds", seconds},
        {"decided_per_second", rate},
        {"rounds", rounds},
        {"aof_rewrites", rewrites},
        {"aof_delayed_fsync", delayed},
        {"scheduler_time", sched_time},
        {"cpu_seconds",
         {{"scheduler", cpu_sched}, {"redis", cpu_redis}, {"load_generator", cpu_self}}},
        {"cpu_us_per_case",
         {{"scheduler", 1e6 * cpu_sched / static_cast<double>(decided)},
          {"redis", 1e6 * cpu_redis / static_cast<double>(decided)},
          {"redis_script", script / static_cast<double>(decided)}}}}},
      {"latency",
       {{"rate_per_second", latency_rate},
        {"cases", latency_cases},
        {"submit_seconds", latency_wall},
        {"offered", offered},
        {"scheduler_time", latency_time},
        {"cpu_seconds",
         {{"wall", latency_span},
          {"scheduler", lcpu_sched},
          {"redis", lcpu_redis},
          {"load_generator", lcpu_self}}},
        {"redis_script", {{"calls", lcalls}, {"usec", lusec}}},
        {"aof_rewrites", latency_rewrites},
        {"aof_delayed_fsync", latency_delayed},
        {"submit_to_offer_ms",
         {{"p50", lat.p50}, {"p90", lat.p90}, {"p99", lat.p99}, {"max", lat.max}}},
        {"submit_to_offer_ms_by_second", per_second},
        {"fork_spans", fork_spans},
        {"clear_of_forks",
         {{"cases", clear.count}, {"p50", clear.p50}, {"p99", clear.p99}, {"max", clear.max}}},
        {"scheduler_offer_latency_ms",
         {{"p50", std::isnan(sched_p50) ? json() : json(sched_p50)},
          {"p99", std::isnan(sched_p99) ? json() : json(sched_p99)}}}}},
      {"workers_saw",
       {{"offers", shared.offers.load()},
        {"qa_reviews", shared.qa_reviews.load()},
        {"refused", shared.refused.load()},
        {"lease_lost", shared.lease_lost.load()},
        {"errors", shared.errors.load()}}},
      {"scheduler_stats", final_stats},
      {"scheduler_summary", scheduler_summary},
      {"peer", rq.is_object() ? rq : json()},
      {"ratio", rq_rate > 0 ? json(rate / rq_rate) : json()},
      {"goals",
       {{"decided_per_second_25000", rate >= 25'000},
        {"ratio_20x", rq_rate > 0 ? json(rate / rq_rate >= 20) : json()},
        {"p99_offer_latency_5ms", lat.count > 0 && lat.p99 <= 5.0}}}};
  if (f.json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    const auto row = [](const char* what, const std::string& value) {
      std::printf("  %-52s %s\n", what, value.c_str());
    };
    const auto num = [](double v, const char* fmt = "%.0f") {
      char b[64];
      std::snprintf(b, sizeof b, fmt, v);
      return std::string(b);
    };
    std::printf("\n%s\n", f.command_line.c_str());
    std::printf(
        "machine: %u cores, %s; load average %.1f before, %.1f after the throughput phase\n", cores,
        cpu_model().c_str(), load_before, load_after);
    std::printf(
        "parameters: %zu cases, %d workers x %d officers (%zu played, %d slots), credit %d, "
        "submit batches of %zu (%d in flight)\n\n",
        f.cases, f.workers, per_worker, played.size(), slots, f.credit, f.submit_batch,
        f.submit_window);
    row("cases decided / s (first submit to last decided)", num(rate));
    row("  cases submitted / s (submit phase alone)",
        num(static_cast<double>(target) / seconds_between(t0, submitted_at)));
    row("  rounds; cases per round",
        std::to_string(rounds) + "; " +
            num(rounds > 0 ? static_cast<double>(decided) / static_cast<double>(rounds) : 0));
    row("  automatic AOF rewrites; writes delayed by a slow fsync",
        std::to_string(rewrites) + "; " + std::to_string(delayed));
    const auto time_row = [&](const json& t, double wall) {
      const double store = t["store_call_seconds"].get<double>();
      const double plan = t["round_build_seconds"].get<double>() +
                          t["round_solve_seconds"].get<double>() +
                          t["round_assign_seconds"].get<double>();
      const double calls = t["store_calls"].get<double>();
      row("  scheduler wall time in store calls; in round planning",
          num(100 * store / wall, "%.0f%%") + " (" + num(calls) + " calls, mean " +
              num(calls > 0 ? 1e3 * store / calls : 0, "%.2f") + " ms); " +
              num(100 * plan / wall, "%.0f%%") + " (" + num(t["rounds_planned"].get<double>()) +
              " rounds, mean " +
              num(1e3 * plan / std::max(1.0, t["rounds_planned"].get<double>()), "%.2f") +
              " ms, solve " + num(100 * t["round_solve_seconds"].get<double>() / wall, "%.0f%%") +
              ")");
    };
    time_row(sched_time, seconds);
    const double sched_us = 1e6 * cpu_sched / static_cast<double>(decided);
    const double redis_us = 1e6 * cpu_redis / static_cast<double>(decided);
    row("  CPU us per decided case: scheduler, redis",
        num(sched_us, "%.1f") + ", " + num(redis_us, "%.1f") +
            "  (ceilings: " + num(1e6 / (sched_us + redis_us)) + "/s one after the other, " +
            num(1e6 / std::max(sched_us, redis_us)) + "/s overlapped)");
    row("  of which Redis running the store's Lua (FCALL, EVALSHA)",
        num(script / static_cast<double>(decided), "%.1f") + " us per case");
    row("  CPU s: scheduler, redis, load generator",
        num(cpu_sched, "%.1f") + ", " + num(cpu_redis, "%.1f") + ", " + num(cpu_self, "%.1f") +
            " (of " + num(seconds * cores, "%.1f") + " available)");
    row(("submit -> OFFER at " + num(latency_rate) + " cases/s, p50 / p99 ms").c_str(),
        num(lat.p50, "%.2f") + " / " + num(lat.p99, "%.2f") + "  (p90 " + num(lat.p90, "%.2f") +
            ", max " + num(lat.max, "%.1f") + ", " + std::to_string(lat.count) + " of " +
            std::to_string(latency_cases) + " offered)");
    std::string seconds_p99;
    for (const auto& p : per_second)
      seconds_p99 += (seconds_p99.empty() ? "" : " ") + num(p["p99"].get<double>(), "%.1f");
    row("  p99 ms by second of submit", seconds_p99);
    std::string spans;
    for (const auto& [from, to] : forks->spans())
      spans += (spans.empty() ? "" : ", ") + num(seconds_between(l0, from), "%.2f") + "-" +
               num(seconds_between(l0, to), "%.2f") + " s";
    row("  Redis had a forked child (AOF rewrite, RDB save)", spans.empty() ? "never" : spans);
    row("  p50 / p99 ms of cases no fork reached",
        (clear.count == 0 ? std::string("n/a / n/a")
                          : num(clear.p50, "%.2f") + " / " + num(clear.p99, "%.2f")) +
            "  (" + std::to_string(clear.count) +
            " cases; submitted from 50 ms before a fork to 500 ms "
            "after its child ended left out)");
    row("  docket_offer_latency_seconds p50 / p99 ms (store to ACCEPT)",
        num(sched_p50, "%.2f") + " / " + num(sched_p99, "%.2f"));
    time_row(latency_time, latency_wall);
    row("  CPU s: scheduler, redis, load generator",
        num(lcpu_sched, "%.1f") + ", " + num(lcpu_redis, "%.1f") + ", " + num(lcpu_self, "%.1f") +
            " (of " + num(latency_span * cores, "%.1f") + " available)");
    row("  Redis running the store's Lua: calls, us per call",
        num(lcalls) + ", " + num(lcalls > 0 ? lusec / lcalls : 0, "%.1f") + " (" +
            num(100 * lusec / 1e6 / latency_span, "%.0f%%") + " of a core)");
    row("  automatic AOF rewrites; writes delayed by a slow fsync",
        std::to_string(latency_rewrites) + "; " + std::to_string(latency_delayed));
    if (rq.is_object()) {
      row("python3-rq jobs / s (enqueue start to last job done)", num(rq_rate));
      row("  rq enqueue / s", num(rq.value("enqueue_per_second", 0.0)));
      row("ratio Docket / RQ", num(rate / rq_rate, "%.1f"));
    }
    row("refused items, lease losses, errors", std::to_string(shared.refused.load()) + ", " +
                                                   std::to_string(shared.lease_lost.load()) + ", " +
                                                   std::to_string(shared.errors.load()));
    std::printf("\ngoals: >= 25,000 decided/s %s; >= 20x the peer %s; p99 <= 5 ms %s\n",
                rate >= 25'000 ? "met" : "NOT met",
                rq_rate <= 0 ? "not measured" : (rate / rq_rate >= 20 ? "met" : "NOT met"),
                lat.count > 0 && lat.p99 <= 5.0 ? "met" : "NOT met");
  }
  std::error_code ec;
  if (f.keep) {
    std::fprintf(stderr, "kept %s\n", tmp.c_str());
  } else {
    std::filesystem::remove_all(tmp, ec);
  }
  return 0;
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) {
  docket::Flags f;
  CLI::App app{"dispatch_load: docket-scheduler under load, and python3-rq on the same Redis"};
  app.add_option("--cases", f.cases, "cases submitted in the throughput phase")
      ->check(CLI::Range(std::size_t{1}, std::size_t{20'000'000}));
  app.add_option("--workers", f.workers, "simulated worker sessions (threads)")
      ->check(CLI::Range(1, 256));
  app.add_option("--officers-per-worker", f.officers_per_worker,
                 "officers each worker plays (0: the roster split evenly)")
      ->check(CLI::Range(0, 10'000));
  app.add_option("--credit", f.credit, "offers each worker lets the scheduler have in flight")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--rq-jobs", f.rq_jobs, "jobs through python3-rq (0: as many as --cases)");
  app.add_flag("--skip-rq", f.skip_rq, "do not run the python3-rq peer");
  app.add_option("--config", f.config, "national configuration (docket.yaml)")
      ->check(CLI::ExistingFile);
  app.add_option("--scheduler", f.scheduler,
                 "docket-scheduler binary to run (another build's, to compare two builds)")
      ->check(CLI::ExistingFile);
  app.add_flag("--json", f.json, "print the report as JSON");
  app.add_option("--submit-batch", f.submit_batch, "cases per submit request")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}));
  app.add_option("--submit-window", f.submit_window, "submit requests in flight")
      ->check(CLI::Range(1, 64));
  app.add_option("--latency-seconds", f.latency_seconds, "length of the latency phase")
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--latency-rate", f.latency_rate,
                 "cases/s in the latency phase (0: half of the measured throughput)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option(
      "--perf", f.perf,
      "perf.data path: record the scheduler and redis-server during the throughput phase");
  app.add_flag("--hold-aof-rewrite", f.hold_aof_rewrite,
               "diagnostic: turn Redis' automatic AOF rewrite off for the run");
  app.add_option("--latency-csv", f.latency_csv,
                 "write each latency-phase case's submit time and submit -> OFFER latency, and "
                 "Redis' LATENCY LATEST, to this CSV file");
  app.add_flag("--keep", f.keep, "keep the temporary directory (scheduler log, AOF)");
  CLI11_PARSE(app, argc, argv);
  for (int i = 0; i < argc; ++i) f.command_line += (i ? " " : "") + std::string(argv[i]);
  signal(SIGPIPE, SIG_IGN);
  // Warnings go to stderr, so that --json output stays one JSON document.
  spdlog::set_default_logger(spdlog::stderr_color_mt("dispatch_load"));
  try {
    return docket::run(f);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
