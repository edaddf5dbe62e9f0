// One assignment round over a national backlog, Docket's min-cost flow side by side with the
// greedy earliest-deadline baseline on the same state, and the scheduler's memory per queued case.
//
//   build/bench/assignment_benchmark                      # every size
//   build/bench/assignment_benchmark --benchmark_filter=1000000
//
// The flow round runs with both LEMON solvers (network simplex, the default, and cost scaling).
// Cases come from the workload generator over the sample national configuration (proportions of
// ../shared/data); officers are the sample roster repeated to the size asked for. A round is
// planned on unchanged state each iteration (nothing is applied), so every iteration does the
// same work.

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <map>
#include <memory>

#include "docket/config/config.h"
#include "docket/core/clock.h"
#include "docket/matching/matcher.h"
#include "docket/matching/policy.h"
#include "docket/workload/generator.h"

namespace docket {
namespace {

const config::NationalConfig& national() {
  static const auto* cfg = new config::NationalConfig(
      config::load_national_config(std::string(DOCKET_SOURCE_DIR) + "/config/national/docket.yaml", {}));
  return *cfg;
}

TimePoint bench_now() { return std::chrono::sys_days{std::chrono::year{2025} / 9 / 30}; }

const std::vector<Case>& backlog(std::size_t n) {
  static std::map<std::size_t, std::vector<Case>> cache;
  auto it = cache.find(n);
  if (it == cache.end()) {
    workload::Generator gen(national().catalog, national().calendar, national().officers, {});
    it = cache.emplace(n, gen.backlog(n, bench_now())).first;
  }
  return it->second;
}

struct World {
  ManualClock clock{bench_now()};
  std::unique_ptr<matching::Matcher> matcher;
};

World& world(std::size_t cases, std::size_t officers, const std::string& solver) {
  static std::map<std::tuple<std::size_t, std::size_t, std::string>, std::unique_ptr<World>> cache;
  auto& w = cache[{cases, officers, solver}];
  if (!w) {
    w = std::make_unique<World>();
    matching::Options opts = national().scheduler;
    opts.solver = solver;
    w->matcher = std::make_unique<matching::Matcher>(national().catalog, opts, w->clock);
    for (auto& o : workload::scale_roster(national().officers, officers)) w->matcher->add_officer(o);
    w->matcher->index().reserve(cases);
    for (const auto& c : backlog(cases)) w->matcher->enqueue(c);
  }
  return *w;
}

void report(benchmark::State& state, const matching::RoundPlan& plan) {
  state.counters["queued"] = static_cast<double>(plan.stats.queued);
  state.counters["free_slots"] = static_cast<double>(plan.stats.free_slots);
  state.counters["assigned"] = static_cast<double>(plan.stats.assigned);
  state.counters["case_nodes"] = static_cast<double>(plan.stats.case_nodes);
  state.counters["arcs"] = static_cast<double>(plan.stats.graph_arcs);
  state.counters["build_ms"] = plan.stats.build_seconds * 1e3;
  state.counters["solve_ms"] = plan.stats.solve_seconds * 1e3;
  state.counters["assign_ms"] = plan.stats.assign_seconds * 1e3;
}

void BM_Round(benchmark::State& state, const char* policy_name, const char* solver) {
  World& w = world(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)), solver);
  auto policy = matching::make_policy(policy_name).value();
  matching::RoundPlan plan;
  for (auto _ : state) {
    plan = policy->plan(*w.matcher);
    benchmark::DoNotOptimize(plan.assignments.data());
  }
  report(state, plan);
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (std::int64_t officers : {1'000, 10'000}) {
    for (std::int64_t cases : {10'000, 100'000, 1'000'000}) b->Args({cases, officers});
  }
  b->ArgNames({"cases", "officers"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_CAPTURE(BM_Round, min_cost_flow, "min-cost-flow", "lemon-network-simplex")->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Round, min_cost_flow_cost_scaling, "min-cost-flow", "lemon-cost-scaling")->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Round, greedy_edf, "greedy-edf", "lemon-network-simplex")->Apply(Sizes);

// Heap bytes the matcher holds per queued case: malloc's in-use bytes before and after
// queueing the backlog (the cases themselves were generated beforehand).
void BM_MemoryPerQueuedCase(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& cases = backlog(n);
  double per_case = 0;
  for (auto _ : state) {
    ManualClock clock(bench_now());
    // Large blocks come from mmap and are counted in hblkhd, the rest in uordblks.
    auto in_use = [] {
      const auto mi = mallinfo2();
      return static_cast<double>(mi.uordblks + mi.hblkhd);
    };
    const double before = in_use();
    {
      matching::Matcher m(national().catalog, national().scheduler, clock);
      for (const auto& c : cases) m.enqueue(c);
      m.index().prepare();
      per_case = (in_use() - before) / static_cast<double>(n);
    }
  }
  state.counters["bytes_per_case"] = per_case;
}
BENCHMARK(BM_MemoryPerQueuedCase)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace docket

BENCHMARK_MAIN();
