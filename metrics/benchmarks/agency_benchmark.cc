// What the agency's metrics cost on the case-transition path, instrumented against not
// instrumented, in the same run.
//
//   build/metrics/agency_benchmark
//   build/metrics/agency_benchmark --benchmark_filter=Overhead --benchmark_repetitions=5
//
// The path is the scheduler's own without Redis: a batch of cases from the workload generator
// (sample national configuration) is enqueued in a matching::Matcher, assignment rounds are
// planned and applied until no case can be placed, every offered case is accepted and decided
// (release + forget), and what is left is withdrawn. The instrumented run makes, on the same
// path, every call the scheduler makes per event (docs/operations.md, "Metrics"):
//
//   receipt        on_receipt, on_transition(received -> queued)
//   offer          on_offered(queue wait), on_transition(queued -> offered)
//   accept         on_offer_outcome(accepted), on_transition(offered -> assigned)
//   decision       on_transition(assigned -> decided), on_completion(outcome, cycle time)
//   withdrawal     on_transition(queued -> transferred)
//   each round     MatcherMetrics (Matcher::set_metrics)
//   each second    set_officers(roster), tick(): see below; BM_Tick prices the tick
//
// BM_InstrumentationOverhead runs both in alternation within each iteration (so that drift and
// noise hit both alike), times them in this thread's CPU time (other load on the machine does
// not count), and reports ns per transition of each and the overhead in percent. Its argument
// is the number of batches between two of the scheduler's one-second timer calls:
//
//   1   a tick after every batch of 5,000 cases (about 15,500 transitions): the conservative
//       figure, four times or more the live scheduler's rate of ticks per transition at its
//       measured peak
//   4   a tick after four batches (about 62,000 transitions): about one second of the live
//       scheduler at its measured peak (bench/dispatch_load: 13,900 to 16,700 cases decided a
//       second, four or more transitions each), the cadence it runs at under full load
//   0   an A/A run: two plain worlds, timed the same way, whose "overhead" is the noise floor
//       of the measurement on the machine at the time
//
// tick_ns_per_transition is the timer's share of the instrumented run.

#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <memory>

#include "docket/config/config.h"
#include "docket/core/clock.h"
#include "docket/matching/matcher.h"
#include "docket/matching/metrics.h"
#include "docket/metrics/agency.h"
#include "docket/workload/generator.h"

namespace docket {
namespace {

constexpr std::size_t kBatch = 5000;
constexpr std::size_t kOfficers = 1000;

const config::NationalConfig& national() {
  static const auto* cfg = new config::NationalConfig(
      config::load_national_config(std::string(DOCKET_SOURCE_DIR) + "/config/national/docket.yaml", {}));
  return *cfg;
}

TimePoint bench_now() { return std::chrono::sys_days{std::chrono::year{2025} / 9 / 30}; }

const std::vector<Case>& batch() {
  static const auto* cases = [] {
    workload::Generator gen(national().catalog, national().calendar, national().officers, {});
    return new std::vector<Case>(gen.backlog(kBatch, bench_now()));
  }();
  return *cases;
}

// This thread's CPU time, seconds: other processes on a shared machine do not count.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One scheduler's worth of state: a matcher, and the metrics when instrumented.
struct World {
  explicit World(bool instrumented) : clock(bench_now()) {
    matcher = std::make_unique<matching::Matcher>(national().catalog, national().scheduler, clock);
    for (auto& o : workload::scale_roster(national().officers, kOfficers)) matcher->add_officer(o);
    matcher->index().reserve(kBatch);
    if (instrumented) {
      matcher_metrics = std::make_unique<matching::MatcherMetrics>(registry);
      agency = std::make_unique<metrics::AgencyMetrics>(registry, national().catalog, clock);
      matcher->set_metrics(matcher_metrics.get());
    }
  }

  // One batch through its whole lifecycle; returns the transitions made.
  // One batch; with `tick`, the scheduler's one-second timer calls follow it.
  std::size_t run(bool tick = true) {
    std::size_t transitions = 0;
    metrics::AgencyMetrics* m = agency.get();
    for (const Case& c : batch()) {
      matcher->enqueue(c);
      if (m != nullptr) {
        m->on_receipt(c.center, c.form, c.priority);
        m->on_transition(c.center, c.form, CaseState::kReceived, CaseState::kQueued);
      }
      ++transitions;
    }
    for (;;) {
      clock.advance(Seconds(1800));
      const matching::RoundPlan plan = matcher->plan_round();
      if (plan.assignments.empty()) break;
      matcher->apply(plan);
      const auto now = clock.now().time_since_epoch().count();
      for (const matching::Assignment& a : plan.assignments) {
        const auto slot = matcher->index().find(a.receipt);
        if (!slot) continue;
        const auto& rec = matcher->index().record(*slot);
        const CenterId center = rec.center;
        const FormId form = rec.form;
        const Seconds age(now - rec.received);
        if (m != nullptr) {
          m->on_offered(center, form, age);  // Queued since receipt in this batch.
          m->on_transition(center, form, CaseState::kQueued, CaseState::kOffered);
          m->on_offer_outcome(center, metrics::OfferOutcome::kAccepted);
          m->on_transition(center, form, CaseState::kOffered, CaseState::kAssigned);
        }
        matcher->release(a.officer);
        matcher->forget(a.receipt);
        if (m != nullptr) {
          m->on_transition(center, form, CaseState::kAssigned, CaseState::kDecided);
          m->on_completion(center, form, (a.receipt.packed() & 7) == 0 ? Outcome::kDeny : Outcome::kApprove, age);
        }
        transitions += 3;
      }
    }
    // Cases no officer can take leave the batch.
    for (const Case& c : batch()) {
      if (matcher->withdraw(c.receipt, CaseState::kTransferred)) {
        matcher->forget(c.receipt);
        if (m != nullptr) m->on_transition(c.center, c.form, CaseState::kQueued, CaseState::kTransferred);
        ++transitions;
      }
    }
    // The scheduler's one-second timer (Dispatcher::refresh_agency): the roster's gauges, then
    // the tick. A batch is far more than a second's worth of events.
    if (m != nullptr && tick) {
      const double t0 = thread_seconds();
      m->set_officers(matcher->officers());
      m->tick();
      tick_seconds += thread_seconds() - t0;
      ++ticks;
    }
    return transitions;
  }

  double tick_seconds = 0;  // Thread CPU time in the timer's calls, instrumented only.
  std::size_t ticks = 0;
  ManualClock clock;
  prometheus::Registry registry;
  std::unique_ptr<matching::Matcher> matcher;
  std::unique_ptr<matching::MatcherMetrics> matcher_metrics;
  std::unique_ptr<metrics::AgencyMetrics> agency;
};

void BM_CaseTransitions(benchmark::State& state) {
  World w(state.range(0) != 0);
  std::size_t transitions = 0;
  for (auto _ : state) transitions += w.run();
  state.SetLabel(state.range(0) != 0 ? "instrumented" : "plain");
  state.counters["transitions"] = benchmark::Counter(static_cast<double>(transitions), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_CaseTransitions)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_InstrumentationOverhead(benchmark::State& state) {
  const auto every = static_cast<std::size_t>(state.range(0));  // Batches per tick; 0: A/A.
  World plain(false), instrumented(every != 0);
  state.SetLabel(every == 0   ? "A/A: plain vs plain"
                 : every == 1 ? "plain vs instrumented, a tick per batch"
                              : "plain vs instrumented, a tick per " + std::to_string(every) + " batches");
  plain.run();  // Warm both up (allocations, caches).
  instrumented.run();
  instrumented.tick_seconds = 0;
  double plain_s = 0, instrumented_s = 0;
  std::size_t plain_n = 0, instrumented_n = 0;
  bool plain_first = true;
  std::size_t batches = 0;
  for (auto _ : state) {
    const bool tick = every == 0 || ++batches % every == 0;
    const double t0 = thread_seconds();
    const std::size_t first = plain_first ? plain.run() : instrumented.run(tick);
    const double t1 = thread_seconds();
    const std::size_t second = plain_first ? instrumented.run(tick) : plain.run();
    const double t2 = thread_seconds();
    const double a = t1 - t0;
    const double b = t2 - t1;
    if (plain_first) {
      plain_s += a, plain_n += first, instrumented_s += b, instrumented_n += second;
    } else {
      instrumented_s += a, instrumented_n += first, plain_s += b, plain_n += second;
    }
    plain_first = !plain_first;
    state.SetIterationTime(a + b);
  }
  const double plain_ns = plain_s * 1e9 / static_cast<double>(plain_n);
  const double instrumented_ns = instrumented_s * 1e9 / static_cast<double>(instrumented_n);
  state.counters["plain_ns_per_transition"] = plain_ns;
  state.counters["instrumented_ns_per_transition"] = instrumented_ns;
  state.counters["metrics_ns_per_transition"] = instrumented_ns - plain_ns;
  state.counters["overhead_pct"] = 100.0 * (instrumented_ns / plain_ns - 1.0);
  // Of the metrics' share, what the timer's calls (set_officers and tick) cost per transition.
  if (instrumented.ticks > 0) {
    state.counters["tick_ns_per_transition"] =
        instrumented.tick_seconds * 1e9 / static_cast<double>(instrumented_n);
  }
  state.counters["transitions_per_batch"] = static_cast<double>(plain_n) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_InstrumentationOverhead)
    ->Arg(1)
    ->Arg(4)
    ->Arg(0)
    ->UseManualTime()
    ->MinTime(3.0)
    ->Unit(benchmark::kMillisecond);

// The metrics calls alone, per case lifecycle (receipt, offer, accept, decision: 4 transitions),
// without the matcher: what the overhead is made of. A tick after every 5,000 cases, as the
// scheduler's timer would (far more often than a second's worth), keeps the observation log
// bounded and is counted.
void BM_MetricsCallsPerCase(benchmark::State& state) {
  ManualClock clock(bench_now());
  prometheus::Registry registry;
  metrics::AgencyMetrics m(registry, national().catalog, clock);
  const auto& cases = batch();
  std::size_t i = 0;
  for (auto _ : state) {
    const Case& c = cases[i++ % cases.size()];
    m.on_receipt(c.center, c.form, c.priority);
    m.on_transition(c.center, c.form, CaseState::kReceived, CaseState::kQueued);
    m.on_offered(c.center, c.form, Seconds(86400));
    m.on_transition(c.center, c.form, CaseState::kQueued, CaseState::kOffered);
    m.on_offer_outcome(c.center, metrics::OfferOutcome::kAccepted);
    m.on_transition(c.center, c.form, CaseState::kOffered, CaseState::kAssigned);
    m.on_transition(c.center, c.form, CaseState::kAssigned, CaseState::kDecided);
    m.on_completion(c.center, c.form, Outcome::kApprove, Seconds(90 * 86400));
    if (i % cases.size() == 0) m.tick();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_MetricsCallsPerCase);

// One tick after a batch of events spread over every (center, form) pair of the national
// configuration: what the one-second timer costs.
void BM_Tick(benchmark::State& state) {
  ManualClock clock(bench_now());
  prometheus::Registry registry;
  metrics::AgencyMetrics m(registry, national().catalog, clock);
  const auto& cases = batch();
  for (auto _ : state) {
    state.PauseTiming();
    for (const Case& c : cases) {
      m.on_receipt(c.center, c.form, c.priority);
      m.on_transition(c.center, c.form, CaseState::kReceived, CaseState::kQueued);
      m.on_offered(c.center, c.form, Seconds(86400));
      m.on_completion(c.center, c.form, Outcome::kApprove, Seconds(90 * 86400));
    }
    state.ResumeTiming();
    m.tick();
  }
}
BENCHMARK(BM_Tick)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace docket

BENCHMARK_MAIN();
