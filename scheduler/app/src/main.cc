// docket-scheduler: the scheduling service.
//
// Until the dispatch layer (ZeroMQ workers, Redis store) is in place, the program runs the
// scheduling core over a national configuration in compressed time: it queues a backlog drawn
// from the configuration's public figures, runs assignment rounds, lets each officer work the
// cases on their desk one after another at the form's effort estimate, and prints progress and
// a summary. Exit codes: 0 done, 1 bad configuration or arguments, 2 internal error.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "docket/config/config.h"
#include "docket/core/error.h"
#include "docket/matching/matcher.h"
#include "docket/workload/generator.h"

namespace docket {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

struct Args {
  std::string config = "config/national/docket.yaml";
  std::size_t backlog = 200'000;
  std::uint64_t seed = 1;
  int hours = 24;
  int round_minutes = 30;
  bool json = false;
  std::string start = "2025-10-01";
};

// What an officer is working through: offered cases in order, each done after its effort.
struct Desk {
  std::deque<std::pair<ReceiptNumber, FormId>> cases;
  TimePoint busy_until{};
};

struct Tally {
  std::int64_t queued_at_start = 0;
  std::int64_t offered = 0;
  std::int64_t decided = 0;
  std::int64_t decided_late = 0;
};

TimePoint parse_start(const std::string& text) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d", &y, &m, &d) != 3) {
    throw InvalidArgument("--start: expected YYYY-MM-DD, got '" + text + "'");
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) throw InvalidArgument("--start: not a date: '" + text + "'");
  return std::chrono::sys_days(ymd) + std::chrono::hours(13);  // 8 a.m. Eastern.
}

int run(const Args& args) {
  const config::NationalConfig cfg = config::load_national_config(args.config);
  const Catalog& cat = cfg.catalog;
  ManualClock clock(parse_start(args.start));
  matching::Matcher matcher(cat, cfg.scheduler, clock);
  for (const auto& o : cfg.officers) matcher.add_officer(o);

  workload::GeneratorOptions gen_opts;
  gen_opts.seed = args.seed;
  gen_opts.fallback_deadline_days = cfg.scheduler.fallback_deadline_days;
  workload::Generator gen(cat, cfg.calendar, cfg.officers, gen_opts);
  for (const auto& form : gen.left_out()) {
    spdlog::info("workload: {} is blank in the data and has no assumption; left out", form);
  }
  std::map<std::string, Tally> by_center;
  std::map<std::string, Tally> by_form;
  std::map<std::uint64_t, TimePoint> deadlines;
  for (const auto& c : gen.backlog(args.backlog, clock.now())) {
    matcher.enqueue(c);
    deadlines.emplace(c.receipt.packed(), c.deadline);
    ++by_center[cat.center(c.center).code].queued_at_start;
    ++by_form[cat.form(c.form).code].queued_at_start;
  }
  std::printf("docket-scheduler: %zu officers, %zu forms, %zu centers; backlog %zu cases at %s\n",
              cfg.officers.size(), cat.forms().size(), cat.centers().size(), args.backlog,
              args.start.c_str());
  std::printf("(scheduling core in compressed time: %d-minute rounds for %d hours)\n",
              args.round_minutes, args.hours);

  std::vector<Desk> desks(matcher.officers().size());
  double round_ms_total = 0, round_ms_max = 0, solve_ms_total = 0;
  int rounds = 0;
  std::optional<ReceiptNumber> sample_offer;
  const TimePoint end = clock.now() + std::chrono::hours(args.hours);
  while (clock.now() < end) {
    // Officers finish what their effort allows since the last round.
    for (OfficerId id = 0; id < desks.size(); ++id) {
      Desk& desk = desks[id];
      while (!desk.cases.empty()) {
        const auto [receipt, form] = desk.cases.front();
        const auto effort = seconds(static_cast<std::int64_t>(cat.form(form).effort_hours * 3600));
        const TimePoint done = std::max(desk.busy_until, clock.now() - minutes(args.round_minutes)) + effort;
        if (done > clock.now()) break;
        desk.busy_until = done;
        desk.cases.pop_front();
        const Case c = matcher.index().to_case(matcher.index().find(receipt).value());
        auto& center = by_center[cat.center(c.center).code];
        auto& f = by_form[cat.form(form).code];
        ++center.decided;
        ++f.decided;
        if (done > deadlines[receipt.packed()]) {
          ++center.decided_late;
          ++f.decided_late;
        }
        matcher.release(id);
        matcher.forget(receipt);
      }
    }
    const matching::RoundPlan plan = matcher.run_round();
    for (const auto& a : plan.assignments) {
      const Case c = matcher.index().to_case(matcher.index().find(a.receipt).value());
      desks[a.officer].cases.emplace_back(a.receipt, c.form);
      ++by_center[cat.center(c.center).code].offered;
      ++by_form[cat.form(c.form).code].offered;
    }
    if (!plan.assignments.empty()) sample_offer = plan.assignments.front().receipt;
    const double ms = (plan.stats.build_seconds + plan.stats.solve_seconds + plan.stats.assign_seconds) * 1e3;
    round_ms_total += ms;
    round_ms_max = std::max(round_ms_max, ms);
    solve_ms_total += plan.stats.solve_seconds * 1e3;
    ++rounds;
    if (!args.json && (rounds % 4 == 1)) {
      std::int64_t decided = 0;
      for (const auto& [code, t] : by_center) decided += t.decided;
      std::printf("  +%5.1fh  queued %8zu  offered this round %6zu  decided %8lld  round %6.1f ms (%zu classes x buckets, %zu arcs)\n",
                  static_cast<double>(rounds - 1) * args.round_minutes / 60.0, plan.stats.queued,
                  plan.stats.assigned, static_cast<long long>(decided), ms, plan.stats.case_nodes,
                  plan.stats.graph_arcs);
      std::fflush(stdout);
    }
    clock.advance(minutes(args.round_minutes));
  }

  // The most overdue queued case, to explain why it still waits.
  std::optional<ReceiptNumber> waiting;
  std::int64_t earliest = INT64_MAX;
  for (const auto& cls : matcher.index().classes()) {
    for (std::size_t i = cls.head; i < cls.queue.size(); ++i) {
      if (!matcher.index().live(cls.queue[i])) continue;
      const auto& rec = matcher.index().record(cls.queue[i].slot);
      if (rec.deadline < earliest) {
        earliest = rec.deadline;
        waiting = ReceiptNumber::from_packed(rec.receipt);
      }
      break;  // A class's first live entry is its earliest.
    }
  }

  nlohmann::json out;
  out["rounds"] = rounds;
  out["round_ms_mean"] = rounds ? round_ms_total / rounds : 0;
  out["round_ms_max"] = round_ms_max;
  out["solve_ms_mean"] = rounds ? solve_ms_total / rounds : 0;
  out["queued"] = matcher.index().queued();
  for (const auto& [code, t] : by_center) {
    out["centers"][code] = {{"officers", std::count_if(cfg.officers.begin(), cfg.officers.end(),
                                                       [&](const Officer& o) {
                                                         return cat.center(o.center).code == code;
                                                       })},
                            {"backlog_at_start", t.queued_at_start},
                            {"offered", t.offered},
                            {"decided", t.decided},
                            {"decided_late", t.decided_late}};
  }
  for (const auto& [code, t] : by_form) {
    out["forms"][code] = {{"backlog_at_start", t.queued_at_start}, {"offered", t.offered},
                          {"decided", t.decided}, {"decided_late", t.decided_late}};
  }
  for (auto r : {waiting, sample_offer}) {
    if (!r) continue;
    const auto e = matcher.explain(*r);
    out["explain"].push_back({{"receipt", e.receipt},
                              {"verdict", std::string(matching::to_string(e.verdict))},
                              {"summary", e.summary}});
  }
  if (args.json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("\nsummary after %d rounds: mean round %.1f ms (solve %.1f ms), max %.1f ms; %zu cases still queued\n",
              rounds, out["round_ms_mean"].get<double>(), out["solve_ms_mean"].get<double>(), round_ms_max,
              matcher.index().queued());
  std::printf("%-8s %9s %14s %9s %9s %12s\n", "center", "officers", "backlog start", "offered",
              "decided", "decided late");
  for (const auto& [code, c] : out["centers"].items()) {
    std::printf("%-8s %9lld %14lld %9lld %9lld %12lld\n", code.c_str(), c["officers"].get<long long>(),
                c["backlog_at_start"].get<long long>(), c["offered"].get<long long>(),
                c["decided"].get<long long>(), c["decided_late"].get<long long>());
  }
  std::printf("\n%-10s %14s %9s %9s %12s\n", "form", "backlog start", "offered", "decided", "decided late");
  for (const auto& [code, f] : out["forms"].items()) {
    std::printf("%-10s %14lld %9lld %9lld %12lld\n", code.c_str(), f["backlog_at_start"].get<long long>(),
                f["offered"].get<long long>(), f["decided"].get<long long>(),
                f["decided_late"].get<long long>());
  }
  std::printf("\nexplain:\n");
  for (const auto& e : out["explain"]) {
    std::printf("  %s [%s] %s\n", e["receipt"].get<std::string>().c_str(),
                e["verdict"].get<std::string>().c_str(), e["summary"].get<std::string>().c_str());
  }
  return 0;
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) {
  docket::Args args;
  CLI::App app{"docket-scheduler: matches immigration cases to officers"};
  app.add_option("-c,--config", args.config, "national configuration (docket.yaml)")
      ->check(CLI::ExistingFile);
  app.add_option("--backlog", args.backlog, "cases in the synthetic backlog")->check(CLI::Range(1, 20'000'000));
  app.add_option("--seed", args.seed, "workload seed");
  app.add_option("--hours", args.hours, "simulated hours to run")->check(CLI::Range(1, 24 * 366));
  app.add_option("--round-minutes", args.round_minutes, "simulated minutes between rounds")
      ->check(CLI::Range(1, 24 * 60));
  app.add_option("--start", args.start, "simulated start date, YYYY-MM-DD");
  app.add_flag("--json", args.json, "print the summary as JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    return docket::run(args);
  } catch (const docket::ConfigError& e) {
    spdlog::error("configuration: {}", e.what());
    return 1;
  } catch (const docket::InvalidArgument& e) {
    spdlog::error("{}", e.what());
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("internal error: {}", e.what());
    return 2;
  }
}
