// docket-worker: an officer's desk agent (docs/protocol.md, section 3).
//
// With --officer it is a person's desk: offers are printed and commands read from stdin. With
// --simulate N --center C it plays the first N officers of that center in the roster, with effort
// times and outcomes drawn from the form policies of the configuration, for demos and load tests.
//
// Exit codes: 0 stopped cleanly (quit, SIGINT or SIGTERM: BYE is sent first), 1 bad arguments or
// configuration, or no officer accepted by the scheduler, 2 the scheduler could not be reached
// within --connect-timeout.

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "docket/worker/desk.h"
#include "docket/worker/interactive.h"
#include "docket/worker/simulated.h"

namespace docket::worker {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 1;
constexpr int kExitUnreachable = 2;

struct Args {
  static constexpr double DEFAULT_CONNECT_TIMEOUT_S = 10.0;

  std::string scheduler = protocol::DEFAULT_WORKER_ENDPOINT;
  std::vector<std::string> officers;
  int simulate = 0;
  std::string center;
  std::string config = "config/national/docket.yaml";
  std::string behaviour;  // Empty: simulated with --simulate, interactive otherwise.
  std::string presence = "available";
  int credit = 0;  // 0: automatic.
  std::uint64_t seed = SimulatedOptions::DEFAULT_SEED;
  double time_scale = SimulatedOptions::DEFAULT_TIME_SCALE;
  bool effort_zero = false;
  double decline_share = SimulatedOptions::DEFAULT_DECLINE_SHARE;
  std::string curve_server_key;
  std::string identity;
  bool json = false;
  double stats_every = 0;
  double connect_timeout = DEFAULT_CONNECT_TIMEOUT_S;
  bool release = false;
  std::string log_level = "info";
};

/// One JSON object per log line on stderr, for log collectors.
class JsonSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    nlohmann::json line = {{"ts_ms", ms},
                           {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                                 spdlog::level::to_string_view(msg.level).size())},
                           {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

void set_up_logging(const Args& a) {
  if (a.json) {
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("docket-worker", std::make_shared<JsonSink>()));
  }
  spdlog::set_level(spdlog::level::from_str(a.log_level));
}

/// Periodic figures for --stats-every: counts since start and rates over the last interval.
class StatsPrinter {
 public:
  StatsPrinter(double every_s, bool json)
      : every_(Millis(static_cast<Millis::rep>(every_s * 1000))), json_(json) {}

  void maybe_print(const Desk& desk, Millis now) {
    if (every_.count() <= 0 || now - last_at_ < every_) return;
    const DeskStats& s = desk.stats();
    const double secs = static_cast<double>((now - last_at_).count()) / 1000.0;
    const double decided_rate = static_cast<double>(s.decided - last_.decided) / secs;
    const double offer_rate = static_cast<double>(s.offers - last_.offers) / secs;
    const double accept_share =
        s.offers > 0 ? static_cast<double>(s.accepted) / static_cast<double>(s.offers) : 0.0;
    if (json_) {
      const nlohmann::json line = {{"stats",
                                    {{"offered", s.offers},
                                     {"accepted", s.accepted},
                                     {"declined", s.declined},
                                     {"decided", s.decided},
                                     {"duplicates", s.duplicates},
                                     {"refused", s.refused},
                                     {"lost", s.lost},
                                     {"expired", s.expired},
                                     {"reconnects", s.reconnects},
                                     {"malformed", s.malformed},
                                     {"held", desk.cases().size()},
                                     {"offers_per_s", offer_rate},
                                     {"decided_per_s", decided_rate},
                                     {"accept_share", accept_share}}}};
      std::printf("%s\n", line.dump().c_str());
    } else {
      std::printf(
          "stats: offered %lld accepted %lld declined %lld decided %lld (%.1f/s, offers %.1f/s, "
          "accepted %.0f%%) refused %lld lost %lld expired %lld held %zu reconnects %lld\n",
          static_cast<long long>(s.offers), static_cast<long long>(s.accepted),
          static_cast<long long>(s.declined), static_cast<long long>(s.decided), decided_rate,
          offer_rate, accept_share * 100.0, static_cast<long long>(s.refused),
          static_cast<long long>(s.lost), static_cast<long long>(s.expired), desk.cases().size(),
          static_cast<long long>(s.reconnects));
    }
    std::fflush(stdout);
    last_ = s;
    last_at_ = now;
  }

 private:
  Millis every_;
  bool json_;
  DeskStats last_;
  Millis last_at_{0};
};

int run(const Args& a) {
  // Everything that can be checked before connecting is checked here, so that a mistake is an
  // exit 1 with a message rather than a desk that never registers.
  if (a.officers.empty() == (a.simulate == 0)) {
    throw InvalidArgument("give either --officer (one or more) or --simulate N --center C");
  }
  if (a.simulate < 0) throw InvalidArgument("--simulate: expected a positive number");
  if (a.simulate > 0 && a.center.empty()) throw InvalidArgument("--simulate needs --center");
  const auto presence = parse_presence(a.presence);
  if (!presence) throw InvalidArgument("--presence: expected available, away or offline");
  const std::string behaviour =
      !a.behaviour.empty() ? a.behaviour : (a.simulate > 0 ? "simulated" : "interactive");
  if (behaviour != "simulated" && behaviour != "interactive") {
    throw InvalidArgument("--behaviour: expected interactive or simulated");
  }
  if (a.connect_timeout <= 0) throw InvalidArgument("--connect-timeout must be positive");

  std::optional<config::NationalConfig> cfg;
  if (behaviour == "simulated") cfg = config::load_national_config(a.config);

  DeskOptions o;
  o.endpoint = a.scheduler;
  int capacity = 0;
  if (a.simulate > 0) {
    const auto center = cfg->catalog.find_center(a.center);
    if (!center) throw InvalidArgument("--center: no center '" + a.center + "' in " + a.config);
    for (const auto& officer : cfg->officers) {
      if (officer.center != *center) continue;
      if (static_cast<int>(o.officers.size()) == a.simulate) break;
      o.officers.push_back({officer.id, *presence});
      capacity += officer.capacity;
    }
    if (static_cast<int>(o.officers.size()) < a.simulate) {
      throw InvalidArgument("--simulate " + std::to_string(a.simulate) + ": center " + a.center +
                            " has only " + std::to_string(o.officers.size()) +
                            " officers in the roster");
    }
  } else {
    for (const auto& id : a.officers) {
      o.officers.push_back({id, *presence});
      if (cfg) {
        for (const auto& officer : cfg->officers) {
          if (officer.id == id) capacity += officer.capacity;
        }
      }
    }
  }
  // The window of offers in flight: by default what the officers can hold at once, so that a
  // desk is never starved by its own credit; a person at a terminal gets the fixed default.
  o.credit =
      a.credit > 0 ? a.credit : std::max(capacity, static_cast<int>(DeskOptions::DEFAULT_CREDIT));
  o.channel.identity = a.identity;
  if (!a.curve_server_key.empty()) {
    if (a.curve_server_key.size() != 40) {
      throw InvalidArgument("--curve-server-key: expected 40 characters of Z85");
    }
    const auto [pub, sec] = protocol::curve_keypair();
    o.channel.curve = {a.curve_server_key, sec, pub};
  }

  std::unique_ptr<Behaviour> b;
  if (behaviour == "simulated") {
    SimulatedOptions so;
    so.seed = a.seed;
    so.time_scale = a.time_scale;
    so.effort_zero = a.effort_zero;
    so.decline_share = a.decline_share;
    b = std::make_unique<SimulatedBehaviour>(cfg->catalog, so);
  } else {
    b = std::make_unique<InteractiveBehaviour>(STDIN_FILENO, stdout);
  }

  SystemDeskClock clock;
  zmq::context_t ctx;
  Desk desk(ctx, o, clock);
  spdlog::info("docket-worker: {} officer(s) ({}), scheduler {}, credit {}", o.officers.size(),
               behaviour, a.scheduler, o.credit);
  desk.start();

  const Millis connect_timeout(static_cast<Millis::rep>(a.connect_timeout * 1000));
  StatsPrinter stats(a.stats_every, a.json);
  Millis wait(50);
  while (!g_stop && !b->finished()) {
    for (const Event& e : desk.poll(std::clamp(wait, Millis(0), Millis(100)))) {
      b->on_event(desk, e);
      if (e.kind == Event::Kind::kRejected && !e.officer.empty()) {
        spdlog::error("officer {} rejected by the scheduler: {} {}", e.officer, e.code, e.message);
      }
    }
    if (desk.state() == Desk::State::kRejected || desk.officers().empty()) {
      spdlog::error("no officer was accepted by the scheduler at {}", a.scheduler);
      return kExitBadInput;
    }
    if (!desk.ever_registered() && clock.monotonic() >= connect_timeout) {
      spdlog::error("cannot reach the scheduler at {} within {} s", a.scheduler, a.connect_timeout);
      return kExitUnreachable;
    }
    wait = b->tick(desk);
    stats.maybe_print(desk, clock.monotonic());
  }
  desk.bye(a.release);
  const DeskStats& s = desk.stats();
  spdlog::info("docket-worker: stopped; offered {}, accepted {}, declined {}, decided {}", s.offers,
               s.accepted, s.declined, s.decided);
  return kExitOk;
}

}  // namespace
}  // namespace docket::worker

int main(int argc, char** argv) {
  using docket::worker::Args;
  Args a;
  CLI::App app{"docket-worker: an officer's desk agent for the Docket scheduler"};
  app.add_option("--scheduler", a.scheduler, "Scheduler's worker endpoint")->capture_default_str();
  app.add_option("--officer", a.officers, "Officer id to play (repeatable)");
  app.add_option("--simulate", a.simulate, "Play the first N officers of --center from the roster");
  app.add_option("--center", a.center, "Center whose officers --simulate plays, e.g. CSC");
  app.add_option("--config", a.config, "National configuration (roster and form policies)")
      ->capture_default_str();
  app.add_option("--behaviour", a.behaviour,
                 "interactive or simulated (default: simulated with --simulate)");
  app.add_option("--presence", a.presence, "Initial presence: available, away or offline")
      ->capture_default_str();
  app.add_option("--credit", a.credit,
                 "Offers in flight (default: the officers' capacity, at least 8)");
  app.add_option("--seed", a.seed, "Seed of the simulated officers' draws")->capture_default_str();
  app.add_option("--time-scale", a.time_scale,
                 "Compress effort time: 3600 = one hour of effort per second")
      ->capture_default_str();
  app.add_flag("--effort-zero", a.effort_zero, "Decide at once (load tests)");
  app.add_option("--decline-share", a.decline_share, "Share of offers the simulation declines")
      ->capture_default_str();
  app.add_option("--curve-server-key", a.curve_server_key,
                 "Scheduler's CURVE public key (Z85); enables CURVE");
  app.add_option("--identity", a.identity, "ZeroMQ routing id (default: chosen by ZeroMQ)");
  app.add_flag("--json", a.json, "Log lines and stats as JSON");
  app.add_option("--stats-every", a.stats_every, "Print figures every N seconds (0 = never)");
  app.add_option("--connect-timeout", a.connect_timeout,
                 "Seconds to reach the scheduler before giving up (exit 2)")
      ->capture_default_str();
  app.add_flag("--release", a.release, "On exit, return held cases to their queues at once");
  app.add_option("--log-level", a.log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 1;
  }

  struct sigaction sa {};
  sa.sa_handler = docket::worker::on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  docket::worker::set_up_logging(a);
  try {
    return docket::worker::run(a);
  } catch (const docket::Error& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
