// Every solver side by side on the scheduler's graph shapes, plus the graph reuse of
// "lemon-network-simplex" across rounds. Run: flow_benchmark [--benchmark_filter=...].
// Solvers known to need far more than a few seconds on a shape are skipped; set the
// environment variable DOCKET_FLOW_BENCH_SLOW=1 to run them anyway.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "docket/flow/solver.h"

namespace docket::flow {
namespace {

std::int64_t uniform(std::mt19937& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

// Case classes (each with its cases as supply) -> one requirement group each -> 20..100
// eligible officer classes -> sink through four convex load-level arcs; plus an unassigned arc
// per class priced by urgency. Officer capacity covers about 80% of the cases.
FlowProblem assignment_graph(int classes, int officer_classes, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const int groups = std::max(1, classes / 20);
  FlowProblem p;
  std::vector<NodeId> cls, grp, off;
  Amount cases = 0;
  for (int i = 0; i < classes; ++i) {
    cls.push_back(p.add_node(uniform(rng, 1, 20)));
    cases += p.supply(cls.back());
  }
  for (int i = 0; i < groups; ++i) grp.push_back(p.add_node());
  for (int i = 0; i < officer_classes; ++i) off.push_back(p.add_node());
  const NodeId sink = p.add_node(-cases);
  for (NodeId c : cls) {
    p.add_arc(c, grp[uniform(rng, 0, groups - 1)], p.supply(c), 0);
    p.add_arc(c, sink, p.supply(c), uniform(rng, 50, 1000));
  }
  for (NodeId g : grp) {
    const auto eligible =
        uniform(rng, std::min(20, officer_classes), std::min(100, officer_classes));
    for (std::int64_t i = 0; i < eligible; ++i) {
      p.add_arc(g, off[uniform(rng, 0, officer_classes - 1)], kUnlimited, uniform(rng, 0, 9));
    }
  }
  const Amount level = std::max<Amount>(1, cases * 8 / 10 / officer_classes / 4);
  for (NodeId o : off) {
    for (Cost l = 0; l < 4; ++l) p.add_arc(o, sink, level, l * l * 10);
  }
  return p;
}

// One node per case (supply 1) and per officer; each case reaches about 50 officers.
FlowProblem bipartite_graph(int cases, int officers, std::uint32_t seed) {
  std::mt19937 rng(seed);
  FlowProblem p;
  for (int i = 0; i < cases; ++i) p.add_node(1);
  for (int i = 0; i < officers; ++i) p.add_node();
  const NodeId sink = p.add_node(-cases);
  for (NodeId c = 0; c < cases; ++c) {
    for (int k = 0; k < 50; ++k) {
      p.add_arc(c, static_cast<NodeId>(cases + uniform(rng, 0, officers - 1)), 1,
                uniform(rng, 0, 99));
    }
    p.add_arc(c, sink, 1, 1000);
  }
  for (int o = 0; o < officers; ++o) {
    p.add_arc(static_cast<NodeId>(cases + o), sink, cases * 9 / 10 / officers, 0);
  }
  return p;
}

struct Shape {
  std::string name;
  FlowProblem (*make)();
  // Solvers that need longer than a few seconds here, measured once and skipped since.
  std::vector<std::string> too_slow;
};

const std::vector<Shape>& shapes() {
  static const std::vector<Shape> kShapes = {
      {"assign_200_classes_40_officer_classes", [] { return assignment_graph(200, 40, 4); }, {}},
      {"assign_2k_classes_200_officer_classes",
       [] { return assignment_graph(2000, 200, 1); },
       {"boost-cycle-canceling"}},
      {"assign_5k_classes_1k_officer_classes",
       [] { return assignment_graph(5000, 1000, 2); },
       {"boost-cycle-canceling"}},
      {"bipartite_10k_cases_1k_officers",
       [] { return bipartite_graph(10000, 1000, 3); },
       {"boost-ssp", "boost-cycle-canceling"}},
  };
  return kShapes;
}

void BM_Solve(benchmark::State& state, const Shape& shape, const std::string& solver_name) {
  const bool run_slow = std::getenv("DOCKET_FLOW_BENCH_SLOW") != nullptr;
  for (const std::string& slow : shape.too_slow) {
    if (slow == solver_name && !run_slow) {
      state.SkipWithError((solver_name + " takes far longer than a few seconds here").c_str());
      return;
    }
  }
  const FlowProblem problem = shape.make();
  auto solver = make_solver(solver_name).value();
  FlowSolution solution;
  for (auto _ : state) {
    // A fresh object per solve, so the network simplex's graph reuse does not flatter it.
    state.PauseTiming();
    solver = make_solver(solver_name).value();
    state.ResumeTiming();
    solution = solver->solve(problem);
    benchmark::DoNotOptimize(solution.total_cost);
  }
  state.counters["nodes"] = static_cast<double>(problem.node_count());
  state.counters["arcs"] = static_cast<double>(problem.arc_count());
  state.counters["cost"] = static_cast<double>(solution.total_cost);
}

// Rounds that change supplies and costs on an unchanged arc structure, as between two
// scheduling rounds in which no class or officer class appears or disappears.
std::vector<FlowProblem> rounds(const FlowProblem& base, int count) {
  std::vector<FlowProblem> out;
  std::mt19937 rng(11);
  for (int r = 0; r < count; ++r) {
    FlowProblem q;
    q.reserve(base.node_count(), base.arc_count());
    for (Amount s : base.supplies()) q.add_node(s);
    for (const Arc& a : base.arcs()) {
      q.add_arc(a.from, a.to, a.capacity, a.cost + uniform(rng, 0, 2));
    }
    // The first class or case gains a case, then loses it again; the sink absorbs the change.
    const Amount delta = r % 2 == 0 ? 1 : -1;
    q.add_supply(0, delta);
    q.add_supply(static_cast<NodeId>(q.node_count() - 1), -delta);
    out.push_back(std::move(q));
  }
  return out;
}

void BM_Rounds(benchmark::State& state, FlowProblem (*make)(), bool reuse) {
  const std::vector<FlowProblem> problems = rounds(make(), 8);
  auto solver = make_solver(kDefaultSolver).value();
  std::size_t r = 0;
  for (auto _ : state) {
    if (!reuse) solver = make_solver(kDefaultSolver).value();
    benchmark::DoNotOptimize(solver->solve(problems[r++ % problems.size()]).total_cost);
  }
}

[[maybe_unused]] const bool kRegistered = [] {
  for (const Shape& shape : shapes()) {
    for (const std::string& solver : solver_names()) {
      benchmark::RegisterBenchmark(("BM_Solve/" + shape.name + "/" + solver).c_str(), BM_Solve,
                                   shape, solver)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  for (const Shape& shape : shapes()) {
    for (const bool reuse : {false, true}) {
      benchmark::RegisterBenchmark(
          ("BM_Rounds/" + shape.name + (reuse ? "/reuse_graph" : "/rebuild")).c_str(), BM_Rounds,
          shape.make, reuse)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
}  // namespace docket::flow

BENCHMARK_MAIN();
