// National backlog rebalancing at national scale: 10 million queued cases over about 100 sites
// and the forms of ../shared/data, the whole plan from the live index to the printed table, and
// the solve of the same planning graph by each solver side by side.
//
//   build/scheduler/rebalance/rebalance_benchmark
//   build/scheduler/rebalance/rebalance_benchmark --benchmark_filter=WholePlan
//
// The sites: the sample national configuration (config/national: the seven service and benefits
// centers, ten field offices, four asylum offices) grown to the counts of uscis_sites.csv, which
// says "about 90 active" field offices and "11 offices" of asylum. Assumptions, since the data
// names no more of them:
//  - 80 field offices are added (FO-A01 ... FO-A80), four to a district, in 20 districts of their
//    own; each takes the officers of one of the ten named field offices (round robin), so that
//    their staffing is in the proportions of the sample roster;
//  - 7 asylum offices are added (AO-A01 ... AO-A07), each its own asylum jurisdiction, staffed
//    like the four modelled ones;
//  - a form adjudicated by the named field (asylum) offices is adjudicated by the added ones too.
// The backlog comes from the workload generator in the proportions of the forms' pending figures;
// forms whose pending cell is blank in the data (the generator reports them) are left out rather
// than given an invented figure. The clock is 2025-09-30, the date of the FY2025 figures.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "docket/config/config.h"
#include "docket/core/clock.h"
#include "docket/matching/matcher.h"
#include "docket/rebalance/planner.h"
#include "docket/workload/generator.h"

namespace docket {
namespace {

constexpr std::size_t kCases = 10'000'000;
constexpr int kAddedFieldOffices = 80;
constexpr int kAddedAsylumOffices = 7;

TimePoint bench_now() { return std::chrono::sys_days{std::chrono::year{2025} / 9 / 30}; }

struct Nation {
  explicit Nation(config::NationalConfig cfg) : sample(std::move(cfg)) {}
  config::NationalConfig sample;
  Catalog catalog;
  std::vector<Officer> officers;
  ManualClock clock{bench_now()};
  std::unique_ptr<matching::Matcher> matcher;
};

Nation& nation() {
  static Nation* n = [] {
    const auto started = std::chrono::steady_clock::now();
    auto* w = new Nation(config::load_national_config(std::string(DOCKET_SOURCE_DIR) + "/config/national/docket.yaml", {}));
    const Catalog& src = w->sample.catalog;
    Catalog& cat = w->catalog;
    // Same ids for every name of the sample, so its roster reads the same in the grown catalog.
    for (std::size_t i = 0; i < src.skill_count(); ++i) cat.intern_skill(src.skill_name(static_cast<SkillId>(i)));
    for (std::size_t i = 0; i < src.language_count(); ++i) cat.intern_language(src.language_name(static_cast<LanguageId>(i)));
    std::vector<CenterId> fos, aos, new_fos, new_aos;
    for (const Center& c : src.centers()) {
      cat.add_center(c);
      if (c.kind == CenterKind::kFieldOffice) fos.push_back(c.id);
      if (c.kind == CenterKind::kAsylumOffice) aos.push_back(c.id);
    }
    auto add = [&](std::string code, CenterKind kind, std::string district, std::string tz) {
      Center c;
      c.code = code;
      c.name = code;
      c.kind = kind;
      c.timezone = std::move(tz);
      c.district = std::move(district);
      return cat.add_center(std::move(c));
    };
    char code[16];
    for (int k = 1; k <= kAddedFieldOffices; ++k) {
      std::snprintf(code, sizeof code, "FO-A%02d", k);
      const CenterId like = fos[static_cast<std::size_t>(k) % fos.size()];
      new_fos.push_back(add(code, CenterKind::kFieldOffice, "District A" + std::to_string((k - 1) / 4 + 1),
                            src.center(like).timezone));
    }
    for (int k = 1; k <= kAddedAsylumOffices; ++k) {
      std::snprintf(code, sizeof code, "AO-A%02d", k);
      const CenterId like = aos[static_cast<std::size_t>(k) % aos.size()];
      new_aos.push_back(add(code, CenterKind::kAsylumOffice, std::string(code) + " asylum jurisdiction",
                            src.center(like).timezone));
    }
    auto has_any = [](const std::vector<CenterId>& list, const std::vector<CenterId>& of) {
      for (CenterId c : of) {
        if (std::find(list.begin(), list.end(), c) != list.end()) return true;
      }
      return false;
    };
    for (FormPolicy f : src.forms()) {
      if (has_any(f.centers, fos)) f.centers.insert(f.centers.end(), new_fos.begin(), new_fos.end());
      if (has_any(f.centers, aos)) f.centers.insert(f.centers.end(), new_aos.begin(), new_aos.end());
      cat.add_form(std::move(f));
    }
    w->officers = w->sample.officers;
    auto staff = [&](const std::vector<CenterId>& added, const std::vector<CenterId>& named) {
      for (std::size_t k = 0; k < added.size(); ++k) {
        const CenterId like = named[(k + 1) % named.size()];
        for (const Officer& o : w->sample.officers) {
          if (o.center != like) continue;
          Officer copy = o;
          copy.id = o.id + "-" + cat.center(added[k]).code;
          copy.center = added[k];
          w->officers.push_back(std::move(copy));
        }
      }
    };
    staff(new_fos, fos);
    staff(new_aos, aos);
    w->matcher = std::make_unique<matching::Matcher>(cat, w->sample.scheduler, w->clock);
    for (const Officer& o : w->officers) w->matcher->add_officer(o);
    workload::Generator gen(cat, w->sample.calendar, w->officers, {});
    w->matcher->index().reserve(kCases);
    for (std::size_t done = 0; done < kCases; done += 500'000) {
      for (const Case& c : gen.backlog(std::min<std::size_t>(500'000, kCases - done), bench_now())) w->matcher->enqueue(c);
    }
    std::fprintf(stderr, "national world: %zu sites, %zu forms, %zu officers, %zu queued cases (built in %.0f s)\n",
                 cat.centers().size(), cat.forms().size(), w->officers.size(), w->matcher->index().queued(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    for (const std::string& left : gen.left_out()) std::fprintf(stderr, "  left out (blank in the data): %s\n", left.c_str());
    return w;
  }();
  return *n;
}

// The whole plan, as docketctl would ask for it: live index -> snapshot -> graph -> solve ->
// moves and projections -> the printed table.
void BM_WholePlan(benchmark::State& state, const char* solver) {
  Nation& n = nation();
  rebalance::Options o;
  o.solver = solver;
  rebalance::Plan p;
  std::string table;
  for (auto _ : state) {
    p = rebalance::plan(*n.matcher, o);
    table = rebalance::render_table(p);
    benchmark::DoNotOptimize(table.data());
  }
  static bool printed = false;
  if (!printed) {
    printed = true;
    std::fprintf(stderr, "%s\n", table.c_str());
  }
  state.counters["moves"] = static_cast<double>(p.moves.size());
  state.counters["moved"] = static_cast<double>(p.moved);
  state.counters["nodes"] = static_cast<double>(p.graph_nodes);
  state.counters["arcs"] = static_cast<double>(p.graph_arcs);
  state.counters["snapshot_ms"] = p.snapshot_seconds * 1e3;
  state.counters["solve_ms"] = p.solve_seconds * 1e3;
}
BENCHMARK_CAPTURE(BM_WholePlan, lemon_network_simplex, "lemon-network-simplex")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);
BENCHMARK_CAPTURE(BM_WholePlan, boost_ssp, "boost-ssp")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

void BM_Snapshot(benchmark::State& state) {
  Nation& n = nation();
  for (auto _ : state) {
    auto snap = rebalance::snapshot(*n.matcher, {});
    benchmark::DoNotOptimize(snap.cells.data());
  }
}
BENCHMARK(BM_Snapshot)->Unit(benchmark::kMillisecond)->UseRealTime();

// One planning graph (the national one, or with a per-move limit, which needs an arc per pair of
// centers), solved by each solver.
void BM_Solve(benchmark::State& state, const char* solver, std::int64_t limit) {
  Nation& n = nation();
  rebalance::Options o;
  o.max_cases_per_move_week = limit;
  o.horizon_weeks = static_cast<int>(state.range(1));
  static std::map<std::pair<std::int64_t, int>, rebalance::PlanningGraph> graphs;
  auto it = graphs.find({limit, o.horizon_weeks});
  if (it == graphs.end()) {
    it = graphs.emplace(std::make_pair(limit, o.horizon_weeks),
                        rebalance::build_graph(rebalance::snapshot(*n.matcher, o), n.catalog, o)).first;
  }
  auto s = rebalance::make_solver(solver).value();
  flow::FlowSolution sol;
  const bool whole = state.range(0) != 0;
  for (auto _ : state) {
    sol = whole ? s->solve(it->second.problem) : rebalance::solve(it->second, *s);
    benchmark::DoNotOptimize(sol.flow.data());
  }
  state.counters["objective"] = static_cast<double>(sol.total_cost);
  state.counters["nodes"] = static_cast<double>(it->second.problem.node_count());
  state.counters["arcs"] = static_cast<double>(it->second.problem.arc_count());
}
// Args: {0 = solved by components as plan() does, 1 = the whole graph in one call; horizon
// weeks}. The 12-week graph is the national plan's; the 1-week one is small enough for cycle
// canceling, so that all three solvers are timed on one graph.
BENCHMARK_CAPTURE(BM_Solve, lemon_network_simplex, "lemon-network-simplex", 0)
    ->Args({0, 12})->Args({1, 12})->Args({0, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Solve, boost_ssp, "boost-ssp", 0)
    ->Args({0, 12})->Args({0, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Solve, boost_cycle_canceling, "boost-cycle-canceling", 0)
    ->Args({0, 1})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_Solve, lemon_network_simplex_limit_5000, "lemon-network-simplex", 5000)
    ->Args({0, 12})->Args({1, 12})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Solve, boost_ssp_limit_5000, "boost-ssp", 5000)
    ->Args({0, 12})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// Draining the Vermont Service Center (the largest): every case that may leave gets a
// destination, so the plan lists hundreds of thousands of receipts.
void BM_DrainPlan(benchmark::State& state) {
  Nation& n = nation();
  rebalance::Options o;
  o.drain_centers = {"VSC"};
  rebalance::Plan p;
  std::string table;
  for (auto _ : state) {
    p = rebalance::plan(*n.matcher, o);
    table = rebalance::render_table(p);
    benchmark::DoNotOptimize(table.data());
  }
  static bool printed = false;
  if (!printed) {
    printed = true;
    std::fprintf(stderr, "%s\n", table.c_str());
  }
  state.counters["moves"] = static_cast<double>(p.moves.size());
  state.counters["moved"] = static_cast<double>(p.moved);
  state.counters["stranded"] = static_cast<double>(p.stranded);
  state.counters["solve_ms"] = p.solve_seconds * 1e3;
}
BENCHMARK(BM_DrainPlan)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

}  // namespace
}  // namespace docket

BENCHMARK_MAIN();
