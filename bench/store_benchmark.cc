// Load generator for the state of record: one redis-server (AOF on, appendfsync everysec), and
// in one run:
//   1. redis-benchmark's raw rate for a 3-command EVALSHA script (HGET, HSET, XADD) pipelined
//      128 deep: the ceiling of one connection;
//   2. store transitions per second (offer, accept, decide), one transition per call pipelined,
//      and batch_size transitions per call; each as a ratio to (1);
//   3. importing a backlog (one import transition per case) in cases per second;
//   4. memory per stored case (INFO memory, audit stream included);
//   5. restart-to-ready: stop, restart (AOF load), and rebuild the scheduler's index from Redis.
//
// With --lifecycle, instead: the live path alone, as the scheduler drives it (import, offer, then
// accept and decide in one batch with the desk's idempotency key), and Redis' CPU per decided
// case, in total and in the script, per phase.
//
//   build/bench/store_benchmark --cases 1000000
//   build/bench/store_benchmark --cases 10000000      # the national backlog (several minutes)
//   build/bench/store_benchmark --lifecycle --cases 100000

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "docket/config/config.h"
#include "docket/service/intake.h"
#include "docket/service/recovery.h"
#include "docket/store/case_store.h"
#include "docket/store/embedded_redis.h"
#include "docket/workload/generator.h"
#include "proc_stat.h"
#include "redis_stats.h"

namespace docket {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double redis_benchmark_evalsha(int port, const std::string& sha, int n) {
  const std::string cmd = "redis-benchmark -h 127.0.0.1 -p " + std::to_string(port) + " -n " +
                          std::to_string(n) + " -P 128 -r 1000000 -q EVALSHA " + sha +
                          " 2 rb:{c:X}:h rb:{c:X}:s __rand_int__ v 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) throw IoError("cannot run redis-benchmark");
  std::string out;
  std::array<char, 512> buf{};
  while (fgets(buf.data(), buf.size(), pipe.get()) != nullptr) out += buf.data();
  std::smatch m;
  // -q prints progress with carriage returns, then "EVALSHA ...: 123456.79 requests per second".
  const std::regex rps(R"(([0-9]+(\.[0-9]+)?) requests per second)");
  double last = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), rps); it != std::sregex_iterator(); ++it) {
    last = std::stod((*it)[1]);
  }
  if (last == 0) throw IoError("redis-benchmark printed no rate: " + out);
  return last;
}

double used_memory(store::RedisConnection& redis) {
  const std::string info = redis.command({"INFO", "memory"}).as_string();
  const auto at = info.find("used_memory:");
  return std::stod(info.substr(at + 12));
}

/// What both measurements start from: the sample national configuration, a clock at the
/// benchmark's date, an embedded Redis (AOF, appendfsync everysec) in `dir`, and a client's
/// options patient enough for the long batches.
struct Setup {
  explicit Setup(const std::string& dir)
      : cfg(config::load_national_config(std::string(DOCKET_SOURCE_DIR) + "/config/national/docket.yaml", {})),
        clock(std::chrono::sys_days{std::chrono::year{2025} / 9 / 30}),
        server(in(dir)) {
    redis.port = server.port();
    redis.command_timeout_ms = 120'000;
  }
  static store::EmbeddedRedisOptions in(const std::string& dir) {
    store::EmbeddedRedisOptions o;
    o.dir = dir;
    return o;
  }
  config::NationalConfig cfg;
  ManualClock clock;
  store::EmbeddedRedis server;
  store::RedisOptions redis;
};

/// The live path of a case through the store, as the dispatcher drives it, in rounds of `round`
/// cases: intake imports them, the scheduler offers them, and a desk sends ACCEPT and DECIDE in
/// one batch (the decision with its idempotency key). Prints Redis' CPU per decided case.
int lifecycle(std::size_t cases, int batch, const std::string& dir, std::size_t round) {
  Setup setup(dir);
  const auto& cfg = setup.cfg;
  auto& clock = setup.clock;
  auto& server = setup.server;
  store::RedisConnection redis(setup.redis);
  matching::Matcher roster(cfg.catalog, cfg.scheduler, clock);
  for (const auto& o : cfg.officers) roster.add_officer(o);
  workload::Generator gen(cfg.catalog, cfg.calendar, cfg.officers, {});
  store::StoreOptions so;
  so.batch_size = batch;
  store::CaseStore store(redis, clock, so);
  const auto all = gen.backlog(cases, clock.now());

  struct Phase {
    const char* name;
    double cpu = 0, script = 0, wall = 0;
  };
  std::array<Phase, 3> phases{Phase{"import"}, Phase{"offer"}, Phase{"accept + decide"}};
  auto measure = [&](Phase& p, auto&& body) {
    const double cpu0 = bench::process_cpu_seconds(server.pid());
    const double script0 = bench::command_stats(redis, {"fcall"}).usec;
    const auto t0 = Clock::now();
    body();
    p.wall += since(t0);
    p.script += bench::command_stats(redis, {"fcall"}).usec - script0;
    p.cpu += bench::process_cpu_seconds(server.pid()) - cpu0;
  };
  auto check = [](const std::vector<store::TransitionResult>& rs, const char* what) {
    for (const auto& r : rs) {
      if (r.status != store::TransitionResult::Status::kApplied)
        throw Error(std::string(what) + ": " + std::string(store::to_string(r.status)) + " " + r.message);
    }
  };
  for (std::size_t first = 0; first < all.size(); first += round) {
    const std::vector<Case> part(all.begin() + static_cast<std::ptrdiff_t>(first),
                                 all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), first + round)));
    measure(phases[0], [&] { check(service::import_cases(store, cfg.catalog, roster, part), "import"); });
    std::vector<store::Transition> offers, desk;
    for (const auto& c : part) {
      store::Transition t;
      t.receipt = c.receipt;
      t.center = cfg.catalog.center(c.center).code;
      t.actor = "scheduler";
      t.officer = "ISO-BENCH";
      t.op = store::Op::kOffer;
      offers.push_back(t);
      t.actor = "ISO-BENCH";
      t.epoch = 1;
      t.op = store::Op::kAccept;
      desk.push_back(t);
      t.op = store::Op::kDecide;
      t.arg = "approve";
      t.idempotency_key = "w:approve:" + c.receipt.str() + ":1";
      desk.push_back(std::move(t));
    }
    measure(phases[1], [&] { check(store.apply(offers), "offer"); });
    measure(phases[2], [&] { check(store.apply(desk), "decide"); });
  }
  const double n = static_cast<double>(cases);
  double cpu = 0, script = 0, wall = 0;
  std::printf("%zu cases, %zu per round, %d transitions per call\n", cases, round, batch);
  std::printf("%-18s %14s %14s %14s\n", "phase", "redis CPU us", "FCALL us", "wall us");
  for (const auto& p : phases) {
    std::printf("%-18s %14.1f %14.1f %14.1f\n", p.name, p.cpu * 1e6 / n, p.script / n, p.wall * 1e6 / n);
    cpu += p.cpu;
    script += p.script;
    wall += p.wall;
  }
  std::printf("%-18s %14.1f %14.1f %14.1f   (per decided case)\n", "total", cpu * 1e6 / n, script / n,
              wall * 1e6 / n);
  return 0;
}

int run(std::size_t cases, int batch, const std::string& dir, bool plain_import) {
  Setup setup(dir);
  const auto& cfg = setup.cfg;
  auto& clock = setup.clock;
  auto& server = setup.server;
  auto redis = std::make_unique<store::RedisConnection>(setup.redis);
  std::printf("redis-server on 127.0.0.1:%d, data in %s (appendonly yes, appendfsync everysec)\n",
              server.port(), dir.c_str());

  // 1. The raw ceiling.
  const std::string sha = redis->load_script(
      "local v = redis.call('HGET', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
      "redis.call('XADD', KEYS[2], '*', 'r', ARGV[1]) return 1");
  const double raw = redis_benchmark_evalsha(server.port(), sha, 300'000);
  redis->command({"FLUSHALL"});
  const double mem_before = used_memory(*redis);

  // 3. Import.
  matching::Matcher roster(cfg.catalog, cfg.scheduler, clock);
  for (const auto& o : cfg.officers) roster.add_officer(o);
  workload::Generator gen(cfg.catalog, cfg.calendar, cfg.officers, {});
  store::StoreOptions so;
  so.batch_size = batch;
  store::CaseStore store(*redis, clock, so);
  const std::size_t chunk = 50'000;
  double import_seconds = 0;
  // The scheduler imports in bulk-import mode (AOF rewrites held); --plain-import measures without.
  std::optional<store::CaseStore::BulkImport> bulk;
  if (!plain_import) bulk.emplace(store);
  std::vector<std::pair<std::string, ReceiptNumber>> sample;  // (center, receipt)
  for (std::size_t done = 0; done < cases; done += chunk) {
    const auto backlog = gen.backlog(std::min(chunk, cases - done), clock.now());
    for (const auto& c : backlog) {
      if (sample.size() < 200'000) sample.emplace_back(cfg.catalog.center(c.center).code, c.receipt);
    }
    const auto t0 = Clock::now();
    for (const auto& r : service::import_cases(store, cfg.catalog, roster, backlog)) {
      if (!r.ok()) throw Error("import: " + r.message);
    }
    import_seconds += since(t0);
  }
  bulk.reset();  // Restores the rewrite setting and compacts once, as the scheduler does.
  const double mem_after = used_memory(*redis);

  // 2. Transitions: offer, accept, decide over the sample, first one per call, then batched.
  auto transitions = [&](std::size_t first, std::size_t last, int per_call) {
    store::StoreOptions opts = so;
    opts.batch_size = per_call;
    store::CaseStore s(*redis, clock, opts);
    std::size_t n = 0;
    const auto t0 = Clock::now();
    for (auto [op, epoch] : {std::pair{store::Op::kOffer, 0}, {store::Op::kAccept, 1}, {store::Op::kDecide, 1}}) {
      std::vector<store::Transition> ts;
      for (std::size_t i = first; i < last; ++i) {
        store::Transition t;
        t.op = op;
        t.receipt = sample[i].second;
        t.center = sample[i].first;
        t.epoch = epoch;
        t.officer = "ISO-BENCH";
        t.actor = "ISO-BENCH";
        t.arg = "approve";
        ts.push_back(std::move(t));
      }
      for (std::size_t k = 0; k < ts.size(); k += 20'000) {
        std::vector<store::Transition> part(ts.begin() + static_cast<std::ptrdiff_t>(k),
                                            ts.begin() + static_cast<std::ptrdiff_t>(std::min(ts.size(), k + 20'000)));
        for (const auto& r : s.apply(part)) {
          if (!r.ok()) throw Error("transition: " + r.message);
        }
        n += part.size();
      }
    }
    return static_cast<double>(n) / since(t0);
  };
  const std::size_t half = sample.size() / 2;
  const double single = transitions(0, std::min<std::size_t>(half, 30'000), 1);
  const double batched = transitions(half, sample.size(), batch);

  // Where the time goes: Redis' own accounting of the transition function's calls.
  const bench::CommandStats fcall = bench::command_stats(*redis, {"fcall"});
  const double server_calls = fcall.calls, server_seconds = fcall.usec / 1e6;

  std::printf("\n%-58s %14s\n", "measure", "value");
  std::printf("%-58s %14.0f\n", "redis-benchmark EVALSHA (3 commands), pipelined 128, calls/s", raw);
  std::printf("%-58s %14.0f  (%.2fx raw)\n", "store transitions/s, 1 per call, pipelined", single, single / raw);
  std::printf("%-58s %14.0f  (%.2fx raw)\n",
              ("store transitions/s, " + std::to_string(batch) + " per call, pipelined").c_str(), batched,
              batched / raw);
  std::printf("%-58s %14.0f  (%zu cases in %.1f s)\n", "import (straight to queued), cases/s",
              static_cast<double>(cases) / import_seconds, cases, import_seconds);
  std::printf("%-58s %14.0f\n", "memory per stored case, bytes (INFO used_memory)",
              (mem_after - mem_before) / static_cast<double>(cases));
  std::fflush(stdout);

  // 5. Restart to ready: once with the AOF as the run left it (every command since the last
  // automatic rewrite, which Redis starts whenever the AOF doubles), once right after an explicit
  // rewrite (an RDB preamble and no tail).
  struct Ready {
    double total, loaded;
    service::RecoveryStats stats;
  };
  auto restart = [&] {
    server.stop();
    redis.reset();
    const auto t0 = Clock::now();
    server.restart();
    const double loaded = since(t0);
    redis = std::make_unique<store::RedisConnection>(setup.redis);
    store::CaseStore reopened(*redis, clock, so);
    matching::Matcher fresh(cfg.catalog, cfg.scheduler, clock);
    for (const auto& o : cfg.officers) fresh.add_officer(o);
    auto stats = service::recover(reopened, cfg.catalog, fresh);
    const double total = since(t0);
    if (const auto hscan = bench::command_stats(*redis, {"hscan"}); hscan.calls > 0) {
      std::printf("  (HSCAN in the server during that restart: %.0f calls, %.2f s)\n", hscan.calls,
                  hscan.usec / 1e6);
    }
    return Ready{total, loaded, std::move(stats)};
  };
  const Ready raw_aof = restart();
  redis->command({"BGREWRITEAOF"});
  while (redis->command({"INFO", "persistence"}).as_string().find("aof_rewrite_in_progress:0") ==
         std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const Ready rewritten = restart();
  const double ready = raw_aof.total;
  const double loaded = raw_aof.loaded;
  const auto& stats = raw_aof.stats;

  std::printf("%-58s %14.2f  (%zu cases, %zu queued, %zu rejected)\n", "restart to ready, AOF as the run left it, s",
              ready, stats.cases, stats.queued, stats.rejected.size());
  std::printf("%-58s %14.2f\n", "  of which redis-server start and AOF load, s", loaded);
  std::printf("%-58s %14.2f\n", "  of which index rebuild (scan + decode + restore), s", stats.seconds);
  std::printf("%-58s %14.2f  (AOF load %.2f s, index rebuild %.2f s, of which restore %.2f s)\n",
              "restart to ready after an AOF rewrite, s", rewritten.total, rewritten.loaded,
              rewritten.stats.seconds, rewritten.stats.restore_seconds);
  std::printf("%-58s %14.1f  (%.0f calls, %.1f s in them)\n", "server time per FCALL, us",
              server_calls > 0 ? server_seconds * 1e6 / server_calls : 0.0, server_calls,
              server_seconds);
  return 0;
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) {
  std::size_t cases = 1'000'000;
  int batch = 100;
  std::string dir = "/tmp/docket-store-benchmark";
  bool plain_import = false;
  bool live = false;
  std::size_t round = 2000;
  CLI::App app{"store_benchmark: the state of record under load"};
  app.add_option("--cases", cases, "backlog cases to import")->check(CLI::Range(1000, 20'000'000));
  app.add_option("--batch", batch, "transitions per FCALL")->check(CLI::Range(1, 10'000));
  app.add_option("--dir", dir, "redis data directory (emptied first)");
  app.add_flag("--plain-import", plain_import, "import without holding AOF rewrites (bulk-import mode off)");
  app.add_flag("--lifecycle", live, "measure only the live path (import, offer, accept, decide)");
  app.add_option("--round", round, "cases per round of the live path")->check(CLI::Range(1, 1'000'000));
  CLI11_PARSE(app, argc, argv);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  try {
    if (live) return docket::lifecycle(cases, batch, dir, round);
    return docket::run(cases, batch, dir, plain_import);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
