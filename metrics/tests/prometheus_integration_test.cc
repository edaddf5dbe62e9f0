// A real Prometheus server (Debian's `prometheus`) on loopback scrapes a real exposer fed by
// AgencyMetrics with a known set of cycle times, loads Docket's rules, and is asked through its
// HTTP API what the agency would ask: the 80th percentile of cycle times and the posted
// processing time. The answers are checked against the exact figures of what was fed in.

#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "docket/metrics/agency.h"
#include "docket/metrics/metrics.h"
#include "docket/testing/fixtures.h"
#include "scrape_util.h"

extern char** environ;

namespace docket::metrics {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr double kDay = 86400;

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// A Prometheus server in a temporary directory, scraping `target` every second and evaluating
// metrics/rules every second.
class PrometheusServer {
 public:
  explicit PrometheusServer(int target_port) {
    dir_ = std::filesystem::temp_directory_path() /
           ("docket-prometheus-" + std::to_string(::getpid()) + "-" + std::to_string(target_port));
    std::filesystem::create_directories(dir_ / "data");
    std::ofstream(dir_ / "prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "rule_files:\n  - " << DOCKET_SOURCE_DIR << "/metrics/rules/docket.rules.yaml\n"
        << "scrape_configs:\n  - job_name: docket\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << target_port << "']\n";
    for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) start();
  }
  ~PrometheusServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(100ms);
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  bool running() const { return pid_ > 0; }
  std::string log() const {
    std::ifstream in(dir_ / "prometheus.log");
    return {std::istreambuf_iterator<char>(in), {}};
  }

  /// GET /api/v1/query?query=...: the result vector (empty on any failure).
  Json query(const std::string& promql) const {
    try {
      const auto [status, body] = scrape::http_get_status(port_, "/api/v1/query?query=" + url_encode(promql));
      if (status != 200) return Json::array();
      const Json j = Json::parse(body);
      return j.at("status") == "success" ? j.at("data").at("result") : Json::array();
    } catch (const std::exception&) {
      return Json::array();
    }
  }
  /// The value of a query that yields one sample, once it does (polling), or NaN after `within`.
  double value(const std::string& promql, std::chrono::milliseconds within = 10s,
               const std::function<bool(double)>& ready = [](double) { return true; }) const {
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      const Json r = query(promql);
      if (r.size() == 1) {
        const double v = std::stod(r[0].at("value").at(1).get<std::string>());
        if (ready(v)) return v;
      }
      std::this_thread::sleep_for(200ms);
    }
    return std::nan("");
  }

 private:
  void start() {
    port_ = scrape::free_port();
    const std::string config = "--config.file=" + (dir_ / "prometheus.yml").string();
    const std::string storage = "--storage.tsdb.path=" + (dir_ / "data").string();
    const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
    const std::string log = (dir_ / "prometheus.log").string();
    std::vector<std::string> args = {"prometheus", config, storage, listen, "--log.level=warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawnp(&pid_, "prometheus", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return;
    }
    // Ready within 15 s, or it failed (e.g. the port was taken in the meantime).
    for (int i = 0; i < 150; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      try {
        if (scrape::http_get_status(port_, "/-/ready").first == 200) return;
      } catch (const IoError&) {
      }
      std::this_thread::sleep_for(100ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// The bucket [lower, upper] of AgencyMetrics' cycle-time histogram that holds `seconds`.
std::pair<double, double> histogram_bucket(double seconds) {
  const auto& b = AgencyMetrics::cycle_time_buckets();
  const auto it = std::lower_bound(b.begin(), b.end(), seconds);
  return {it == b.begin() ? 0.0 : *(it - 1), it == b.end() ? INFINITY : *it};
}

TEST(PrometheusIntegrationTest, PercentilesFromARealServerMatchWhatWasFedIn) {
  const Catalog cat = docket::testing::small_catalog();
  ManualClock clock(docket::testing::test_epoch());
  MetricsServer exposer("127.0.0.1:0");
  add_build_info(exposer.registry(), DOCKET_VERSION);
  AgencyMetrics m(exposer.registry(), cat, clock);
  const CenterId vsc = *cat.find_center("VSC");
  const FormId i130 = *cat.find_form("I-130");

  // 200 completed I-130s at VSC, cycle times spread log-normally around four months.
  std::mt19937_64 rng(2026);
  std::lognormal_distribution<double> dist(std::log(120 * kDay), 0.6);
  std::vector<double> cycles;
  for (int i = 0; i < 200; ++i) {
    cycles.push_back(std::round(dist(rng)));
    m.on_completion(vsc, i130, i % 5 == 0 ? Outcome::kDeny : Outcome::kApprove,
                    Seconds(static_cast<std::int64_t>(cycles.back())));
  }
  std::sort(cycles.begin(), cycles.end());
  const double exact_p80 = cycles[159];  // nearest rank: the 160th of 200
  // And a backlog, for the recording rules.
  for (int i = 0; i < 7; ++i) m.on_transition(vsc, i130, CaseState::kReceived, CaseState::kQueued);
  m.tick();

  PrometheusServer prom(exposer.port());
  ASSERT_TRUE(prom.running()) << prom.log();

  // The first scrape lands within a second or two.
  EXPECT_EQ(prom.value(R"(docket_cycle_time_seconds_count{center="VSC",form="I-130"})"), 200) << prom.log();
  EXPECT_EQ(prom.value(R"(up{job="docket"})"), 1);
  EXPECT_EQ(prom.value(R"(sum(docket_completions_total{center="VSC",form="I-130",outcome="deny"}))"), 40);

  // histogram_quantile over the raw buckets lands in the bucket that holds the exact 80th
  // percentile (it interpolates linearly inside the bucket).
  const double p80 = prom.value(
      R"(histogram_quantile(0.8, sum by (le) (docket_cycle_time_seconds_bucket{center="VSC",form="I-130"})))");
  const auto [lower, upper] = histogram_bucket(exact_p80);
  EXPECT_GE(p80, lower) << "exact " << exact_p80;
  EXPECT_LE(p80, upper) << "exact " << exact_p80;

  // The posted processing time is within one TrailingQuantile bucket (2^(1/8)) of the exact one.
  const double posted = prom.value(R"(docket_posted_processing_time_seconds{center="VSC",form="I-130"})");
  EXPECT_LE(posted, exact_p80 * std::exp2(0.125)) << "exact " << exact_p80;
  EXPECT_GE(posted, exact_p80 / std::exp2(0.125)) << "exact " << exact_p80;
  EXPECT_DOUBLE_EQ(posted, m.posted_processing_time(vsc, i130));

  // Docket's recording rules run on the server.
  EXPECT_EQ(prom.value(R"(center:docket_backlog_cases:sum{center="VSC"})"), 7);

  // 50 more completions, all between two and three days: the rate of the buckets over a short
  // window sees only them.
  for (int i = 0; i < 50; ++i) {
    m.on_completion(vsc, i130, Outcome::kApprove, Seconds(static_cast<std::int64_t>(2 * kDay + i * 1000)));
  }
  m.tick();
  EXPECT_EQ(prom.value(R"(docket_cycle_time_seconds_count{center="VSC",form="I-130"})", 10s,
                       [](double v) { return v == 250; }),
            250);
  const double recent_median = prom.value(
      R"(histogram_quantile(0.5, sum by (le) (increase(docket_cycle_time_seconds_bucket{center="VSC",form="I-130"}[5s]))))",
      10s, [](double v) { return !std::isnan(v); });
  EXPECT_GE(recent_median, 2 * kDay);
  EXPECT_LE(recent_median, 4 * kDay);

  // No scheduler exports docket_scheduler_leader here, so the no-leader alert is pending.
  const auto until = std::chrono::steady_clock::now() + 10s;
  Json alerts;
  while (std::chrono::steady_clock::now() < until &&
         (alerts = prom.query(R"(ALERTS{alertname="DocketNoLeader"})")).empty()) {
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].at("metric").at("alertstate"), "pending");
}

}  // namespace
}  // namespace docket::metrics
