// docket-scheduler: the scheduling service.
//
// It keeps the state of record in Redis: its own redis-server child by default (data under
// .docket/redis, AOF on), or the server given with --redis. At start it rebuilds its index from
// Redis, so a second run resumes where the first stopped; on an empty store it can import a
// backlog drawn from the configuration's public figures (--backlog).
//
// Then it serves: officer desk agents (docket-worker) on the workers socket, docketctl on the
// management socket (docs/protocol.md), Prometheus on the metrics address.
//
// Several schedulers may run against one Redis: one holds the leader lease and serves, the others
// stand by (they serve /metrics only) and take over when the lease expires (docs/operations.md,
// "High availability").
//
// Exit codes: 0 stopped by SIGINT/SIGTERM or --run-for, 1 bad configuration or arguments, 2 the
// store is unreachable, a socket cannot be bound, or another internal error, 3 the leader lease
// was lost or the store refused a write for a stale leader term (this scheduler stopped serving;
// restart it to stand by again).

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <queue>
#include <random>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "docket/dispatch/dispatcher.h"
#include "docket/dispatch/metrics.h"
#include "docket/leader/elector.h"
#include "docket/matching/matcher.h"
#include "docket/matching/metrics.h"
#include "docket/metrics/agency.h"
#include "docket/metrics/metrics.h"
#include "docket/protocol/protocol.h"
#include "docket/rebalance/apply.h"
#include "docket/rebalance/metrics.h"
#include "docket/rebalance/planner.h"
#include "docket/service/intake.h"
#include "docket/service/recovery.h"
#include "docket/store/case_store.h"
#include "docket/store/embedded_redis.h"
#include "docket/store/metrics.h"
#include "docket/workload/generator.h"

namespace docket {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

struct Args {
  std::string config = "config/national/docket.yaml";
  std::string redis;  // host:port; empty = embedded
  std::string data_dir = ".docket/redis";
  std::string metrics_listen = metrics::MetricsServer::DEFAULT_LISTEN;
  dispatch::Options dispatch;
  std::size_t backlog = 0;
  std::uint64_t seed = 1;
  std::string start;             // Simulated start date; empty = the wall clock.
  double time_scale = 1.0;       // With --start: simulated seconds per real second.
  double run_for = 0;            // Seconds; 0 = until a signal.
  double progress_every = 0;     // Seconds; 0 = no progress lines.
  std::string curve_key_file;    // The server's CURVE secret key (Z85, 40 characters).
  bool simulate_intake = false;  // Receipts at the calibrated rate and RFE responses.
  bool json = false;
  int lease_ms = leader::LeaseOptions::DEFAULT_LEASE_MS;  // The leader lease's time to live.
};

// The applicant side of a compressed-time demo: new receipts at the forms' annual rates (the
// public figures), and responses to requests for evidence.
class Intake {
 public:
  // 8 CFR 103.2(b)(8)(iv) allows at most 12 weeks to answer an RFE; responses are assumed to
  // arrive uniformly between 2 and 12 weeks after the request (no public figure).
  static constexpr int kRfeResponseMinDays = 14;
  static constexpr int kRfeResponseMaxDays = 84;

  Intake(const config::NationalConfig& cfg, const Clock& clock, std::uint64_t seed)
      : clock_(clock), last_(clock.now()), rng_(seed) {
    workload::GeneratorOptions opts;
    opts.seed = seed + 7;
    opts.fallback_deadline_days = cfg.scheduler.fallback_deadline_days;
    gen_.emplace(cfg.catalog, cfg.calendar, cfg.officers, opts);
    for (const auto& f : cfg.catalog.forms())
      annual_ += static_cast<double>(f.annual_receipts.value_or(0));
  }
  double annual() const { return annual_; }

  void rfe(ReceiptNumber r) {
    const auto days =
        std::uniform_int_distribution<int>(kRfeResponseMinDays, kRfeResponseMaxDays)(rng_);
    pending_.push({clock_.now() + std::chrono::days(days), r.packed()});
  }

  void step(dispatch::Dispatcher& d) {
    const auto now = clock_.now();
    const double years = std::chrono::duration<double>(now - last_).count() / (365.25 * 86'400);
    if (years <= 0) return;
    last_ = now;
    carry_ += annual_ * years;
    const auto n = static_cast<std::size_t>(carry_);
    carry_ -= static_cast<double>(n);
    if (n > 0) d.receive(gen_->receipts(n, now));
    while (!pending_.empty() && pending_.top().first <= now) {
      d.respond(ReceiptNumber::from_packed(pending_.top().second));
      pending_.pop();
    }
  }

 private:
  const Clock& clock_;
  TimePoint last_;
  std::mt19937_64 rng_;
  std::optional<workload::Generator> gen_;
  double annual_ = 0;
  double carry_ = 0;
  std::priority_queue<std::pair<TimePoint, std::uint64_t>,
                      std::vector<std::pair<TimePoint, std::uint64_t>>, std::greater<>>
      pending_;
};

rebalance::Options planner_options(const nlohmann::json& a) {
  rebalance::Options o;
  o.solver = protocol::optional_string(a, "solver", o.solver);
  o.horizon_weeks = static_cast<int>(protocol::optional_int(a, "horizon_weeks", o.horizon_weeks));
  o.max_cases_per_move_week = protocol::optional_int(a, "max_move", o.max_cases_per_move_week);
  o.transfer_cost = protocol::optional_int(a, "transfer_cost", o.transfer_cost);
  o.lateness_cost = protocol::optional_int(a, "lateness_cost", o.lateness_cost);
  return o;
}

void add_rebalancing(dispatch::Dispatcher& d, store::CaseStore& store, store::RedisConnection& conn,
                     matching::Matcher& matcher, rebalance::RebalanceMetrics& metrics,
                     docket::metrics::AgencyMetrics& agency) {
  d.add_command("rebalance.plan", [&](const nlohmann::json& a) {
    rebalance::Plan plan;
    d.with_roster_presence([&] { plan = rebalance::plan(matcher, planner_options(a), &metrics); });
    auto out = nlohmann::json::parse(rebalance::to_json(plan));
    out["table"] = rebalance::render_table(plan);
    out["explain"] = rebalance::explain(plan);
    return out;
  });
  d.add_command("rebalance.apply", [&](const nlohmann::json& a) {
    auto body = protocol::require(a, "plan");
    body.erase("table");
    body.erase("explain");
    rebalance::ApplyReport report;
    d.with_roster_presence([&] {
      report = rebalance::apply(rebalance::from_json(body.dump()), store, conn, matcher, {},
                                &metrics, &agency);
    });
    return nlohmann::json{{"plan", report.plan_id},
                          {"moved", report.moved},
                          {"already", report.already},
                          {"skipped", report.skipped.size()},
                          {"complete", report.complete}};
  });
  d.add_command("drain", [&](const nlohmann::json& a) {
    const auto center = protocol::require_string(a, "center");
    rebalance::DrainCenterReport report;
    d.with_roster_presence([&] {
      report = rebalance::drain_center(center, store, conn, matcher, {}, &metrics, &agency);
    });
    return nlohmann::json{{"center", center},
                          {"plan", report.applied.plan_id},
                          {"moved", report.applied.moved},
                          {"skipped", report.applied.skipped},
                          {"planned", report.plan.moves.size()},
                          {"reclaimed", 0},
                          {"complete", report.applied.complete}};
  });
}

store::RedisOptions parse_redis(const std::string& address) {
  store::RedisOptions o;
  const auto colon = address.rfind(':');
  if (colon == std::string::npos)
    throw InvalidArgument("--redis: expected host:port, got '" + address + "'");
  o.host = address.substr(0, colon);
  try {
    o.port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    throw InvalidArgument("--redis: bad port in '" + address + "'");
  }
  return o;
}

std::unique_ptr<Clock> make_clock(const Args& args) {
  if (args.start.empty()) {
    if (args.time_scale != 1.0)
      throw InvalidArgument("--time-scale needs --start (a simulated calendar)");
    return std::make_unique<SystemClock>();
  }
  const auto date = parse_date(args.start);
  if (!date)
    throw InvalidArgument("--start: expected YYYY-MM-DD, a real day, got '" + args.start + "'");
  // 8 a.m. Eastern on the start day.
  return std::make_unique<ScaledClock>(std::chrono::sys_days(*date) + std::chrono::hours(13),
                                       args.time_scale);
}

void import_backlog(const Args& args, const config::NationalConfig& cfg, const Clock& clock,
                    store::CaseStore& store, matching::Matcher& matcher) {
  workload::GeneratorOptions opts;
  opts.seed = args.seed;
  opts.fallback_deadline_days = cfg.scheduler.fallback_deadline_days;
  workload::Generator gen(cfg.catalog, cfg.calendar, cfg.officers, opts);
  for (const auto& form : gen.left_out()) {
    spdlog::info("workload: {} is blank in the data and has no assumption; left out", form);
  }
  const std::size_t chunk = 50'000;
  // Holds AOF rewrites while importing and compacts once at the end.
  store::CaseStore::BulkImport bulk(store);
  std::size_t imported = 0;
  for (std::size_t done = 0; done < args.backlog; done += chunk) {
    const auto cases = gen.backlog(std::min(chunk, args.backlog - done), clock.now());
    const auto results = service::import_cases(store, cfg.catalog, matcher, cases);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (results[i].status == store::TransitionResult::Status::kApplied) {
        matcher.enqueue(cases[i]);
        ++imported;
      } else if (!results[i].ok()) {
        spdlog::warn("store refused import of {}: {}", cases[i].receipt.str(), results[i].message);
      }
    }
  }
  std::printf("imported a backlog of %zu cases into the store\n", imported);
}

nlohmann::json summary_json(const dispatch::DispatchStats& s) {
  auto out = dispatch::to_json(s);
  out["stopped_by_signal"] = g_stop.load();
  return out;
}

int run(Args& args) {
  const config::NationalConfig cfg = config::load_national_config(args.config);
  const auto clock = make_clock(args);
  metrics::MetricsServer metrics_server(args.metrics_listen);
  metrics::add_build_info(metrics_server.registry(), DOCKET_VERSION);
  store::StoreMetrics store_metrics(metrics_server.registry());
  matching::MatcherMetrics matcher_metrics(metrics_server.registry());
  dispatch::DispatchMetrics dispatch_metrics(metrics_server.registry());
  rebalance::RebalanceMetrics rebalance_metrics(metrics_server.registry());
  metrics::AgencyMetrics agency_metrics(metrics_server.registry(), cfg.catalog, *clock);
  std::optional<store::EmbeddedRedis> embedded;
  store::RedisOptions ro;
  if (args.redis.empty()) {
    store::EmbeddedRedisOptions eo;
    eo.dir = std::filesystem::absolute(args.data_dir);
    embedded.emplace(eo);
    ro.port = embedded->port();
    std::printf(
        "state of record: embedded redis-server on 127.0.0.1:%d, data in %s (AOF, everysec)\n",
        embedded->port(), eo.dir.c_str());
  } else {
    ro = parse_redis(args.redis);
    std::printf("state of record: redis at %s\n", args.redis.c_str());
  }
  store::RedisConnection conn(ro);
  store::CaseStore store(conn, *clock);
  store.set_metrics(&store_metrics);

  // Only the holder of the leader lease reads the state of record into memory and binds the
  // sockets; until then this process is a standby that serves /metrics (leader 0) and nothing
  // else, so a worker or docketctl pointed at it moves on to the next endpoint it was given.
  leader::LeaderMetrics leader_metrics(metrics_server.registry());
  leader::ElectorOptions eo;
  eo.lease.lease_ms = args.lease_ms;
  eo.lease.advert = nlohmann::json{{"workers", args.dispatch.worker_endpoint},
                                   {"management", args.dispatch.management_endpoint},
                                   {"metrics", metrics_server.url()}}
                        .dump();
  // The embedded server is this process's own child: no other scheduler can share it, and a
  // lease a crashed earlier run left in its AOF must not delay the start.
  eo.force = embedded.has_value();
  leader::Elector elector(ro, eo, &leader_metrics);
  std::printf("metrics: %s\n", metrics_server.url().c_str());
  std::fflush(stdout);
  // Before campaigning, so that a Redis the store cannot use refuses a standby too, at once. The
  // library's name is its content's, so loading it (REPLACE) leaves another version's alone and
  // changes nothing for a leader of this one. A Redis that cannot write for now (a replica
  // during a failover, memory full) is not a reason to stop: the first transition loads it.
  try {
    store.load_functions();
  } catch (const IoError& e) {
    spdlog::warn("cannot load the case store's function library yet, the first transition will: {}",
                 e.what());
  }
  if (!embedded) {
    std::printf("standby: campaigning for the leader lease (%d ms) as %s\n", args.lease_ms,
                elector.holder().c_str());
  }
  std::fflush(stdout);
  const auto lease = elector.campaign(g_stop);
  if (!lease) {
    std::printf("stopped while on standby\n");
    return 0;
  }
  std::printf("leader: term %lld\n", static_cast<long long>(lease->term));
  std::fflush(stdout);
  // Every write from here on carries the term: once another scheduler is elected, the store
  // refuses this one's writes even if its step-down comes late (a pause, a slow clock).
  store.set_fence({eo.lease.term_key(), lease->term});

  matching::Matcher matcher(cfg.catalog, cfg.scheduler, *clock);
  for (const auto& o : cfg.officers) matcher.add_officer(o);
  // Officers added or changed at runtime, before recovery: a case held by an officer added at
  // runtime must find its officer.
  const auto roster = dispatch::restore_roster(store, cfg.catalog, matcher);
  for (const auto& why : roster.skipped) spdlog::warn("roster: kept record skipped: {}", why);
  if (roster.added + roster.updated + roster.removed > 0) {
    std::printf(
        "roster: %zu officers added, %zu changed and %zu removed at runtime restored from the "
        "store\n",
        roster.added, roster.updated, roster.removed);
  }
  matcher.set_metrics(&matcher_metrics);
  const auto rec = service::recover(store, cfg.catalog, matcher);
  for (const auto& why : rec.rejected) spdlog::warn("recovery: {}", why);
  if (rec.cases > 0) {
    std::printf(
        "resumed from the store: %zu cases (%zu queued, %zu offered or assigned, %zu decided) in "
        "%.2f s\n",
        rec.cases, rec.queued, rec.held, rec.decided, rec.seconds);
  } else if (args.backlog > 0) {
    import_backlog(args, cfg, *clock, store, matcher);
  }
  // A rebalancing apply cut short by a crash is finished before anything else moves.
  for (const auto& id : rebalance::unfinished_plans(store, conn)) {
    const auto r = rebalance::resume(id, store, conn, matcher, {}, &rebalance_metrics);
    std::printf("resumed rebalancing plan %s: %lld cases moved\n", id.c_str(),
                static_cast<long long>(r.moved));
  }

  zmq::context_t ctx;
  args.dispatch.seed = args.seed;
  if (!args.curve_key_file.empty()) {
    std::ifstream in(args.curve_key_file);
    std::string secret;
    in >> secret;
    char pub[41] = {};
    if (secret.size() != 40 || zmq_curve_public(pub, secret.c_str()) != 0) {
      throw InvalidArgument("--curve-key-file: expected a 40-character Z85 CURVE secret key in " +
                            args.curve_key_file);
    }
    args.dispatch.channel.curve.secret = secret;
    args.dispatch.channel.curve.server_public = pub;
    std::printf("CURVE on: clients need the server key %s\n", pub);
  }
  dispatch::Dispatcher dispatcher(cfg.catalog, cfg.calendar, cfg.scheduler.fallback_deadline_days,
                                  matcher, store, *clock, ctx, args.dispatch, &dispatch_metrics);
  dispatcher.set_agency_metrics(&agency_metrics);
  add_rebalancing(dispatcher, store, conn, matcher, rebalance_metrics, agency_metrics);
  std::optional<Intake> intake;
  if (args.simulate_intake) {
    intake.emplace(cfg, *clock, args.seed);
    dispatcher.on_rfe = [&](ReceiptNumber r) { intake->rfe(r); };
    std::printf(
        "intake: new receipts at %.0f a year (the forms' annual figures), RFE responses after 2-12 "
        "weeks\n",
        intake->annual());
  }
  std::printf("docket-scheduler %s: %zu officers, %zu forms, %zu centers\n", DOCKET_VERSION,
              matcher.officers().size(), cfg.catalog.forms().size(), cfg.catalog.centers().size());
  std::printf("workers: %s\nmanagement: %s\n", dispatcher.worker_endpoint().c_str(),
              dispatcher.management_endpoint().c_str());
  std::fflush(stdout);

  const auto started = std::chrono::steady_clock::now();
  auto next_progress = started + std::chrono::duration<double>(args.progress_every);
  bool lost = false;
  while (!g_stop) {
    if (elector.lost() || dispatcher.fenced()) {
      lost = true;
      break;
    }
    dispatcher.step(std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    if (intake) {
      try {
        intake->step(dispatcher);
      } catch (const store::FencedError& e) {
        dispatcher.step_down(e.what());
      }
    }
    if (args.run_for > 0 && now - started >= std::chrono::duration<double>(args.run_for)) break;
    if (args.progress_every > 0 && now >= next_progress) {
      next_progress = now + std::chrono::duration<double>(args.progress_every);
      const auto s = dispatcher.stats();
      std::printf(
          "  %s  received %9lld  decided %9lld  backlog %9zu  p80 %6.1f d  workers %3zu  rounds "
          "%7lld\n",
          to_string(local_date(clock->now(), "America/New_York")).c_str(),
          static_cast<long long>(s.received), static_cast<long long>(s.decided), s.queued,
          s.p80_cycle_days, s.workers, static_cast<long long>(s.rounds));
      std::fflush(stdout);
    }
  }
  dispatcher.shutdown();
  // Nothing is written to the store after this point, so the elector's hard stop is disarmed;
  // a clean stop hands the lease over at once instead of letting it expire. So does a fenced
  // one: the release deletes the lease only while it is still this process's, which means no
  // other scheduler holds it, and a standby then takes over at its next poll.
  const bool fenced = dispatcher.fenced();
  lost = lost || fenced;
  elector.finish(/*release=*/!lost || fenced);
  if (fenced) {
    spdlog::error("fenced off by the state of record ({}); stopped serving",
                  dispatcher.fenced_reason());
  } else if (lost) {
    spdlog::error("lost the leader lease ({}); stopped serving", elector.lost_reason());
  }
  const auto s = dispatcher.stats();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (args.json) {
    auto out = summary_json(s);
    out["seconds"] = secs;
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf(
        "\nsummary after %.1f s%s: %lld received, %lld offered, %lld decided (%lld late), %lld "
        "declined, "
        "%lld timed out, %lld reclaimed, %lld RFE, %lld referred, %lld transferred, %lld QA "
        "samples; "
        "backlog %zu; p80 cycle %.1f days; %lld rounds; %lld messages refused\n",
        secs, g_stop ? " (stopped)" : "", static_cast<long long>(s.received),
        static_cast<long long>(s.offered), static_cast<long long>(s.decided),
        static_cast<long long>(s.decided_late), static_cast<long long>(s.declined),
        static_cast<long long>(s.timed_out), static_cast<long long>(s.reclaimed),
        static_cast<long long>(s.rfe), static_cast<long long>(s.referred),
        static_cast<long long>(s.transferred), static_cast<long long>(s.qa_sampled), s.queued,
        s.p80_cycle_days, static_cast<long long>(s.rounds),
        static_cast<long long>(s.rejected_messages));
  }
  return lost ? leader::EXIT_LOST_LEADERSHIP : 0;
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) {
  docket::Args args;
  auto& d = args.dispatch;
  CLI::App app{
      "docket-scheduler: matches immigration cases to officers and dispatches them over ZeroMQ"};
  app.add_option("-c,--config", args.config, "national configuration (docket.yaml)")
      ->check(CLI::ExistingFile);
  app.add_option("--redis", args.redis,
                 "Redis address host:port; default: an embedded redis-server");
  app.add_option("--data-dir", args.data_dir, "data directory of the embedded redis-server");
  app.add_option("--metrics-listen", args.metrics_listen,
                 "address of the Prometheus endpoint (port 0: any free port)");
  app.add_option("--workers", d.worker_endpoint, "endpoint of the workers' ROUTER socket");
  app.add_option("--management", d.management_endpoint, "endpoint of the management ROUTER socket");
  app.add_option("--heartbeat-ms", d.heartbeat_ms, "heartbeat interval")
      ->check(CLI::Range(10, 60'000));
  app.add_option("--liveness", d.liveness, "heartbeats a session may miss before its leases lapse")
      ->check(CLI::Range(2, 100));
  app.add_option("--offer-timeout-ms", d.offer_timeout_ms,
                 "how long an offer waits for accept or decline")
      ->check(CLI::Range(10, 3'600'000));
  app.add_option("--round-interval-ms", d.round_interval_ms,
                 "longest time between rounds while cases wait")
      ->check(CLI::Range(1, 600'000));
  app.add_option("--round-delay-ms", d.round_delay_ms,
                 "least time between two rounds that solve the graph (a change after a quiet "
                 "spell, or a short queue, is planned at once)")
      ->check(CLI::Range(0, 60'000));
  app.add_option("--short-queue", d.short_queue,
                 "while at most this many cases are queued, a due round places them at once "
                 "without solving the graph (0: always solve)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}));
  app.add_option("--short-round-gap-us", d.short_round_gap_us,
                 "least time between two rounds that place a short queue, microseconds (a case "
                 "after a quiet spell is placed at once; 0: a round in every turn)")
      ->check(CLI::Range(0, 1'000'000));
  app.add_option("--backlog", args.backlog, "cases imported when the store is empty")
      ->check(CLI::Range(0, 20'000'000));
  app.add_option("--seed", args.seed, "workload and QA sampling seed");
  app.add_option("--start", args.start,
                 "simulated calendar: start date YYYY-MM-DD (default: the wall clock)");
  app.add_option("--time-scale", args.time_scale, "with --start: simulated seconds per real second")
      ->check(CLI::Range(0.001, 1e7));
  app.add_option("--run-for", args.run_for,
                 "stop after this many seconds (0: until SIGINT/SIGTERM)")
      ->check(CLI::Range(0.0, 1e7));
  app.add_option("--progress-every", args.progress_every,
                 "print a progress line every this many seconds")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option(
         "--curve-key-file", args.curve_key_file,
         "file holding the server's CURVE secret key (Z85): both sockets then require CURVE")
      ->check(CLI::ExistingFile);
  app.add_flag("--simulate-intake", args.simulate_intake,
               "demo: new receipts at the calibrated annual rate and RFE responses, in the "
               "scheduler's time");
  app.add_flag("--json", args.json, "print the summary as JSON");
  app.add_option("--lease-ms", args.lease_ms,
                 "leader lease: its time to live; renewed every third of it, given up at half")
      ->check(CLI::Range(docket::leader::LeaseOptions::MIN_LEASE_MS, 600'000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  std::signal(SIGINT, docket::on_signal);
  std::signal(SIGTERM, docket::on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return docket::run(args);
  } catch (const docket::ConfigError& e) {
    spdlog::error("configuration: {}", e.what());
    return 1;
  } catch (const docket::InvalidArgument& e) {
    spdlog::error("{}", e.what());
    return 1;
  } catch (const docket::IoError& e) {
    spdlog::error("state of record unreachable or socket not bound: {}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("internal error: {}", e.what());
    return 2;
  }
}
