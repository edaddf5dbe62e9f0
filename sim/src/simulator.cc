#include "docket/sim/simulator.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "docket/core/deadline.h"
#include "docket/core/error.h"
#include "docket/core/hash.h"
#include "docket/matching/eligibility.h"
#include "docket/workload/arrivals.h"

namespace docket::sim {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::int64_t kDay = 86'400;
// Fairness counts receipt days from this many days before the start (older ones share day 0).
constexpr std::int64_t kFairnessDaysBefore = 2'500;

double since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// CPU seconds of the calling thread so far.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// CPU seconds (user + system) of the process so far.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// What a per-case draw is for; each purpose is an independent stream.
enum class Draw : std::uint64_t { kEffort = 1, kRfe, kRfeDelay, kQa, kOutcome, kLeave };

double uniform(std::uint64_t seed, Draw what, std::uint64_t key, std::uint64_t k = 0) {
  const std::uint64_t h = splitmix64(splitmix64(seed ^ (static_cast<std::uint64_t>(what) << 56)) ^ splitmix64(key + k * 0x632be59bd9b4e019ULL));
  return (static_cast<double>(h >> 11) + 0.5) * 0x1.0p-53;
}

// Per-record state the matcher does not keep.
struct SlotState {
  std::uint8_t stage = 0;         // 0 first review, 1 RFE response review, 2 QA review.
  bool taken_up = false;          // First offer seen (fairness counts it once).
  bool in_window_counted = false;
};

struct DeskItem {
  std::uint32_t slot;
  double remaining;       // Seconds of effort.
  std::uint64_t receipt;  // Packed, to prefetch the case's receipt map entry before it is decided.
};

struct OfficerSim {
  std::deque<DeskItem> desk;
  std::uint16_t zone = 0;  // Index of the center's time zone.
  // Whether the officer is on leave on shift day leave_day (-1: not drawn yet): a shift spans
  // several ticks, and the draw is the same for all of them.
  int leave_day = -1;
  bool on_leave = false;
};

enum class EventKind : std::uint8_t { kRfeResponse, kTransferArrival };
struct Event {
  std::int64_t at;
  std::uint32_t slot;
  EventKind kind;
  CenterId to;
  bool operator>(const Event& o) const {
    if (at != o.at) return at > o.at;
    return slot > o.slot;
  }
};

// Fenwick tree over receipt days, one per fairness class.
class Fenwick {
 public:
  explicit Fenwick(std::size_t n) : t_(n + 1, 0) {}
  void add(std::size_t i) {
    for (++i; i < t_.size(); i += i & (~i + 1)) ++t_[i];
  }
  std::int64_t prefix(std::size_t i) const {  // Sum over [0, i].
    std::int64_t s = 0;
    for (++i; i > 0; i -= i & (~i + 1)) s += t_[i];
    return s;
  }
  std::int64_t total = 0;

 private:
  std::vector<std::int32_t> t_;
};

// The generated cases of a run, made on a second thread while the simulation runs: first the
// backlog in chunks, then each business day's receipts. The generator's calls are the same, in
// the same order and with the same arguments, as when the simulator made them itself, so the
// cases are the same; only when they are made changes. At most `kAhead` batches wait, which
// bounds the memory a fast producer can take.
class Feed {
 public:
  struct Batch {
    std::int64_t at = 0;  // Unix seconds the cases arrive (the start, for the backlog).
    bool backlog = false;
    std::vector<Case> cases;
  };
  // One generator call, planned in advance.
  struct Call {
    std::int64_t at;
    std::size_t n;
    bool backlog;
  };

  Feed(std::unique_ptr<workload::Generator> generator, std::vector<Call> calls)
      : generator_(std::move(generator)), calls_(std::move(calls)), thread_([this] { produce(); }) {}

  ~Feed() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // The next batch, in order; rethrows what the generator threw. Throws Error past the end.
  Batch next() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !ready_.empty() || error_ || done_; });
    if (ready_.empty()) {
      if (error_) std::rethrow_exception(error_);
      throw Error("simulator: the case feed ran out");
    }
    Batch b = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    cv_.notify_all();
    return b;
  }

  // Wall seconds the generator took so far (on its own thread).
  double seconds() const {
    std::lock_guard lock(mu_);
    return seconds_;
  }

 private:
  static constexpr std::size_t kAhead = 2;

  void produce() {
    try {
      for (const Call& call : calls_) {
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] { return stop_ || ready_.size() < kAhead; });
          if (stop_) return;
        }
        const auto t0 = SteadyClock::now();
        Batch b;
        b.at = call.at;
        b.backlog = call.backlog;
        b.cases = call.backlog ? generator_->backlog(call.n, TimePoint(seconds_t(call.at)))
                               : generator_->receipts(call.n, TimePoint(seconds_t(call.at)));
        const double took = since(t0);
        {
          std::lock_guard lock(mu_);
          seconds_ += took;
          ready_.push_back(std::move(b));
        }
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard lock(mu_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
  }

  using seconds_t = std::chrono::seconds;
  std::unique_ptr<workload::Generator> generator_;  // Used on the producer thread only.
  std::vector<Call> calls_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> ready_;
  double seconds_ = 0;
  bool stop_ = false;
  bool done_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // Last: it starts once everything above is constructed.
};

}  // namespace

void CycleHistogram::add(double d) {
  if (bins_.empty()) bins_.assign(BINS, 0);
  const auto b = static_cast<std::size_t>(std::clamp(d / BIN_DAYS, 0.0, static_cast<double>(BINS - 1)));
  ++bins_[b];
  ++count_;
}

double CycleHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  const auto want = static_cast<std::int64_t>(std::ceil(q * static_cast<double>(count_)));
  std::int64_t seen = 0;
  for (std::size_t b = 0; b < bins_.size(); ++b) {
    seen += bins_[b];
    if (seen >= std::max<std::int64_t>(want, 1)) return static_cast<double>(b + 1) * BIN_DAYS;
  }
  return static_cast<double>(BINS) * BIN_DAYS;
}

void CycleHistogram::merge(const CycleHistogram& o) {
  if (o.count_ == 0) return;
  if (bins_.empty()) bins_.assign(BINS, 0);
  for (std::size_t b = 0; b < BINS; ++b) bins_[b] += o.bins_[b];
  count_ += o.count_;
}

std::int64_t lower_bound_misses(const RunResult& run) {
  std::vector<BoundJob> jobs = run.bound_jobs;
  std::sort(jobs.begin(), jobs.end(), [](const BoundJob& a, const BoundJob& b) { return a.deadline < b.deadline; });
  const std::int64_t t0 = run.start.time_since_epoch().count();
  const std::int64_t tick = run.tick_minutes * 60;
  auto capacity_until = [&](std::int64_t t) {
    const std::int64_t ticks = (t - t0) / tick;  // Ticks that end by t.
    if (ticks <= 0 || run.capacity_hours.empty()) return 0.0;
    return run.capacity_hours[static_cast<std::size_t>(std::min<std::int64_t>(ticks, static_cast<std::int64_t>(run.capacity_hours.size()))) - 1];
  };
  std::priority_queue<float> kept;
  double total = 0;
  std::int64_t late = 0;
  for (const auto& j : jobs) {
    kept.push(j.effort_hours);
    total += j.effort_hours;
    if (total > capacity_until(j.deadline) + 1e-9) {
      total -= kept.top();
      kept.pop();
      ++late;
    }
  }
  return late;
}

class Simulator::Impl {
 public:
  Impl(const config::NationalConfig& cfg, const Scenario& sc, matching::Policy& policy, Rebalancer* rebalancer,
       SimOptions options)
      : cfg_(cfg),
        cat_(cfg.catalog),
        sc_(sc),
        policy_(policy),
        rebalancer_(rebalancer),
        opt_(options),
        t0_(std::chrono::sys_days(sc.start)),
        clock_(t0_),
        matcher_(cat_, cfg.scheduler, clock_) {
    validate(sc_);
    tick_ = std::min(60, sc_.round_minutes) * 60;
    const std::size_t n = Simulator::roster_size(cfg_, sc_);
    roster_ = workload::proportional_roster(cfg_.officers, n);
    for (auto& o : roster_) {
      o.load = 0;
      o.presence = Presence::kOffline;
      matcher_.add_officer(o);
    }
    // Time zones: shifts are computed once per zone and local day.
    std::map<std::string, std::uint16_t> zone_ids;
    for (const auto& c : cat_.centers()) {
      auto [it, inserted] = zone_ids.try_emplace(c.timezone, static_cast<std::uint16_t>(zones_.size()));
      if (inserted) zones_.push_back(c.timezone);
      center_zone_.push_back(it->second);
    }
    officers_.resize(roster_.size());
    for (std::size_t i = 0; i < roster_.size(); ++i) officers_[i].zone = center_zone_[roster_[i].center];
    // Shift windows [start, end) per zone for each local day from the day before the start.
    const int span = sc_.days + 2;
    shift_start_.assign(zones_.size(), std::vector<std::int64_t>(static_cast<std::size_t>(span), -1));
    for (std::size_t z = 0; z < zones_.size(); ++z) {
      for (int d = 0; d < span; ++d) {
        const Date date{std::chrono::sys_days(sc_.start) + days(d - 1)};
        if (!cfg_.calendar.is_business_day(date)) continue;
        const std::int64_t day_end = end_of_local_day(date, zones_[z]).time_since_epoch().count() + 1;
        shift_start_[z][static_cast<std::size_t>(d)] = day_end - kDay + sc_.shift.start_hour * 3600;
      }
    }
    months_ = workload::monthly_factors([&] {
      auto o = sc_.swing;
      o.seed = sc_.seed;
      return o;
    }());
    result_.policy = std::string(policy_.name());
    result_.rebalancer = rebalancer_ != nullptr ? std::string(rebalancer_->name()) : "";
    result_.start = t0_;
    result_.days = sc_.days;
    result_.officers = roster_.size();
    result_.tick_minutes = tick_ / 60;
    const std::size_t centers = cat_.centers().size();
    pending_.assign(centers, 0);
    result_.available_hours.assign(centers, 0);
    result_.worked_hours.assign(centers, 0);
    result_.officers_by_center.assign(centers, 0);
    for (const auto& o : roster_) ++result_.officers_by_center[o.center];
  }

  RunResult run() {
    const auto t_start = SteadyClock::now();
    const double cpu_start = cpu_seconds();
    if (!opt_.round_log.empty()) {
      round_log_ = std::fopen(opt_.round_log.c_str(), "w");
      if (round_log_ == nullptr) throw IoError("cannot write " + opt_.round_log);
      std::fprintf(round_log_,
                   "unix_time,queued,free_slots,case_nodes,groups,pools,officer_classes,arcs,assigned,build_ms,"
                   "solve_ms,assign_ms,round_ms,round_cpu_ms,saturated_nodes\n");
    }
    const std::int64_t t0 = t0_.time_since_epoch().count();
    end_ = t0 + static_cast<std::int64_t>(sc_.days) * kDay;
    auto gopts = sc_.generator;
    gopts.seed = sc_.seed;
    gopts.fallback_deadline_days = cfg_.scheduler.fallback_deadline_days;
    receipts_per_year_ = static_cast<double>(sc_.annual_receipts) * sc_.scale;
    const std::int64_t ticks = static_cast<std::int64_t>(sc_.days) * kDay / tick_;

    // Every generator call of the run is known in advance (the backlog in chunks, then each
    // business day's receipts), so a second thread makes the cases while this one simulates.
    const auto backlog = static_cast<std::int64_t>(std::llround(static_cast<double>(sc_.backlog) * sc_.scale));
    std::vector<Feed::Call> calls;
    for (std::int64_t done = 0; done < backlog;) {
      const auto n = std::min<std::int64_t>(500'000, backlog - done);
      calls.push_back({t0, static_cast<std::size_t>(n), true});
      done += n;
    }
    for (std::int64_t k = 0; k < ticks; ++k) {
      const std::int64_t now = t0 + k * tick_;
      // Receipts of a business day arrive at 12:00 UTC (before the first shift opens).
      if ((now - t0) % kDay != 12 * 3600) continue;
      if (auto n = receipts_due(now)) calls.push_back({now, static_cast<std::size_t>(*n), false});
    }
    matcher_.index().reserve(static_cast<std::size_t>(backlog + receipts_per_year_ / 4));
    // Slot states grow with the records, and growing them step by step copied them each time.
    slots_.reserve(static_cast<std::size_t>(backlog + receipts_per_year_ / 4));
    Feed feed(std::make_unique<workload::Generator>(cat_, cfg_.calendar, roster_, gopts), std::move(calls));
    feed_ = &feed;

    // The pending backlog, as it stands at the start.
    for (std::int64_t done = 0; done < backlog;) {
      const auto tg = SteadyClock::now();
      Feed::Batch batch = feed.next();
      result_.seconds_wait_generate += since(tg);
      for (std::size_t i = 0; i < batch.cases.size(); ++i) {
        const Case& c = batch.cases[i];
        prefetch_ahead(batch.cases, i);
        intake(c);
        if (c.deadline.time_since_epoch().count() < t0) ++result_.overdue_at_start;
      }
      done += static_cast<std::int64_t>(batch.cases.size());
    }
    result_.backlog_at_start = backlog;

    std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
    events_ = &events;
    std::int64_t rounds_since = 0;
    const std::int64_t ticks_per_round = sc_.round_minutes * 60 / tick_;
    double capacity = 0;
    result_.capacity_hours.reserve(static_cast<std::size_t>(ticks));
    int last_rebalance_day = -1'000'000;
    for (std::int64_t k = 0; k < ticks; ++k) {
      const std::int64_t now = t0 + k * tick_;
      clock_.set(TimePoint(seconds(now)));
      const int day = static_cast<int>((now - t0) / kDay);
      if ((now - t0) % kDay == 0) {
        record_day();
        if (opt_.progress_days > 0 && day % opt_.progress_days == 0) progress(day);
      }
      // Events due by now: RFE responses and transfers arriving.
      while (!events.empty() && events.top().at <= now) {
        const Event e = events.top();
        events.pop();
        handle(e);
      }
      // Receipts of a business day arrive at 12:00 UTC (before the first shift opens).
      if ((now - t0) % kDay == 12 * 3600) receive_day(now);
      // Who works this tick: in their zone's shift and not on leave.
      const bool any = update_presence(now);
      if (any) {
        if (rounds_since % ticks_per_round == 0) {
          round(now);
          // The national planner counts the officers present: plan while every center works.
          if (rebalancer_ != nullptr && day - last_rebalance_day >= sc_.rebalance_interval_days &&
              std::all_of(zone_day_.begin(), zone_day_.end(), [](int d) { return d >= 0; })) {
            rebalance(now);
            last_rebalance_day = day;
          }
        }
        ++rounds_since;
      }
      capacity += work(now);
      result_.capacity_hours.push_back(capacity);
    }
    clock_.set(TimePoint(seconds(end_)));
    record_day();
    finish();
    result_.seconds_generate = feed.seconds();
    feed_ = nullptr;
    result_.seconds_total = since(t_start);
    result_.cpu_seconds_total = cpu_seconds() - cpu_start;
    if (round_log_ != nullptr) {
      std::fclose(round_log_);
      round_log_ = nullptr;
    }
    if (!opt_.record_bound) {
      result_.bound_jobs.clear();
      result_.bound_jobs.shrink_to_fit();
    }
    return std::move(result_);
  }

 private:
  std::uint64_t seed() const { return sc_.seed; }

  // Mean effort of a form, in hours, drawn for this case (gamma with the scenario's shape).
  double effort_hours(std::uint64_t receipt, const FormPolicy& form) const {
    double s = 0;
    for (int i = 0; i < sc_.effort_shape; ++i) s -= std::log(uniform(seed(), Draw::kEffort, receipt, static_cast<std::uint64_t>(i)));
    return form.effort_hours * s / sc_.effort_shape;
  }
  bool gets_rfe(std::uint64_t receipt, const FormPolicy& form) const {
    return uniform(seed(), Draw::kRfe, receipt) < form.rfe_rate;
  }
  bool sampled_for_qa(std::uint64_t receipt, const FormPolicy& form) const {
    return uniform(seed(), Draw::kQa, receipt) < form.qa_sample_rate;
  }
  std::int64_t rfe_delay(std::uint64_t receipt) const {
    const double lo = sc_.rfe.response_days_min, hi = sc_.rfe.response_days_max;
    return static_cast<std::int64_t>((lo + (hi - lo) * uniform(seed(), Draw::kRfeDelay, receipt)) * kDay);
  }

  SlotState& state_of(std::uint32_t slot) {
    if (slot >= slots_.size()) slots_.resize(std::max<std::size_t>(slot + 1, slots_.size() * 3 / 2 + 1024));
    return slots_[slot];
  }

  // Each case's receipt lookup misses the cache in the national index (hundreds of megabytes);
  // asking for the line a few cases ahead lets those misses overlap instead of queueing up.
  void prefetch_ahead(const std::vector<Case>& cases, std::size_t i) {
    constexpr std::size_t kAhead = 8;
    if (i + kAhead < cases.size()) matcher_.index().prefetch(cases[i + kAhead].receipt);
  }

  void intake(const Case& c) {
    const std::uint32_t slot = matcher_.enqueue(c);
    state_of(slot) = SlotState{};
    slot_count_ = std::max<std::size_t>(slot_count_, slot + 1);
    ++pending_[c.center];
    // The lower bound's job: the least effort the case needs before its final decision.
    const std::int64_t deadline = c.deadline.time_since_epoch().count();
    const FormPolicy& form = cat_.form(c.form);
    const std::uint64_t r = c.receipt.packed();
    const bool rfe = gets_rfe(r, form);
    if (rfe && c.priority == Priority::kPremium) return;  // Its new deadline depends on the policy.
    const std::int64_t final_deadline =
        rfe && c.priority != Priority::kLitigation ? deadline + rfe_delay(r) : deadline;
    if (final_deadline < t0_.time_since_epoch().count() || final_deadline >= end_) return;
    const double e = effort_hours(r, form);
    double need = e;
    if (rfe) need += e * std::min(sc_.rfe.same_officer_effort_share, sc_.rfe.other_officer_effort_share);
    if (sampled_for_qa(r, form)) need += e * sc_.qa_effort_share;
    result_.bound_jobs.push_back({final_deadline, static_cast<float>(need)});
  }

  // How many receipts arrive on the day of `now`, or nothing on a day that is not a business
  // day. Business days of a month share the month's receipts; fractions carry to the next day.
  // Called once per day, in order (it advances the carry).
  std::optional<std::int64_t> receipts_due(std::int64_t now) {
    const Date today{std::chrono::floor<days>(TimePoint(seconds(now)))};
    if (!cfg_.calendar.is_business_day(today)) return std::nullopt;
    const auto ym = today.year() / today.month();
    int business = 0;
    for (auto d = std::chrono::sys_days(ym / 1); d <= std::chrono::sys_days(ym / std::chrono::last); d += days(1)) {
      business += cfg_.calendar.is_business_day(Date{d}) ? 1 : 0;
    }
    const double want = receipts_per_year_ / 12.0 * months_[static_cast<unsigned>(today.month()) - 1] / business;
    carry_ += want;
    const auto n = static_cast<std::int64_t>(std::floor(carry_));
    carry_ -= static_cast<double>(n);
    return n;
  }

  void receive_day(std::int64_t now) {
    const Date today{std::chrono::floor<days>(TimePoint(seconds(now)))};
    if (!cfg_.calendar.is_business_day(today)) return;
    const auto tg = SteadyClock::now();
    Feed::Batch batch = feed_->next();
    result_.seconds_wait_generate += since(tg);
    if (batch.backlog || batch.at != now) throw Error("simulator: the case feed is out of step");
    for (std::size_t i = 0; i < batch.cases.size(); ++i) {
      prefetch_ahead(batch.cases, i);
      intake(batch.cases[i]);
    }
    result_.received += static_cast<std::int64_t>(batch.cases.size());
  }

  bool on_leave(std::size_t officer, int day) const {
    return uniform(seed(), Draw::kLeave, officer, static_cast<std::uint64_t>(day)) < sc_.shift.leave_share;
  }

  // Shift day index (into shift_start_) of zone z that covers `now`, or -1.
  int shift_day(std::size_t z, std::int64_t now) const {
    const int d = static_cast<int>((now - t0_.time_since_epoch().count()) / kDay) + 1;
    for (int cand : {d, d - 1, d + 1}) {
      if (cand < 0 || cand >= static_cast<int>(shift_start_[z].size())) continue;
      const std::int64_t s = shift_start_[z][static_cast<std::size_t>(cand)];
      if (s >= 0 && now >= s && now < s + sc_.shift.hours * 3600) return cand;
    }
    return -1;
  }

  bool update_presence(std::int64_t now) {
    zone_day_.assign(zones_.size(), -1);
    bool any = false;
    for (std::size_t z = 0; z < zones_.size(); ++z) {
      zone_day_[z] = shift_day(z, now);
      any = any || zone_day_[z] >= 0;
    }
    for (OfficerId id = 0; id < officers_.size(); ++id) {
      OfficerSim& sim = officers_[id];
      const int d = zone_day_[sim.zone];
      if (d >= 0 && sim.leave_day != d) {
        sim.leave_day = d;
        sim.on_leave = on_leave(id, d);
      }
      const Presence p = d >= 0 && !sim.on_leave ? Presence::kAvailable : Presence::kOffline;
      if (matcher_.officer(id).presence != p) matcher_.set_presence(id, p);
    }
    return any;
  }

  void violation(const std::string& what) {
    ++result_.invariant_violations;
    if (result_.violation_samples.size() < 10) result_.violation_samples.push_back(what);
  }

  void check_plan(const matching::RoundPlan& plan) {
    auto& index = matcher_.index();
    index.prepare();
    std::unordered_set<std::uint64_t> seen;
    std::vector<int> taken(officers_.size(), 0);
    std::map<std::uint32_t, std::unordered_set<std::uint64_t>> by_class;
    for (const auto& a : plan.assignments) {
      ++result_.invariant_checks;
      if (!seen.insert(a.receipt.packed()).second) violation(a.receipt.str() + " offered twice in a round");
      const auto slot = index.find(a.receipt);
      if (!slot || index.record(*slot).state != CaseState::kQueued) {
        violation(a.receipt.str() + " offered but not queued");
        continue;
      }
      if (a.officer >= officers_.size()) {
        violation(a.receipt.str() + " offered to an unknown officer");
        continue;
      }
      const Officer& o = matcher_.officer(a.officer);
      if (++taken[a.officer] > o.capacity - o.load) violation(o.id + " above capacity");
      const Case c = index.to_case(*slot);
      const FormPolicy& form = cat_.form(c.form);
      const auto relax = matcher_.relaxation(form, matching::Matcher::slack_days(c.deadline.time_since_epoch().count(), plan.at));
      const auto why = matching::check(c, form, o, a.officer, relax);
      if (why != matching::Ineligibility::kEligible) {
        violation(a.receipt.str() + " (" + form.code + " at " + cat_.center(c.center).code + ", slack " +
                  std::to_string(matching::Matcher::slack_days(c.deadline.time_since_epoch().count(), plan.at)) +
                  " days" + (c.preferred_officer == a.officer ? ", its preferred officer" : "") +
                  ") offered to ineligible " + o.id + " (" + std::string(matching::to_string(why)) + ")");
      }
      by_class[index.record(*slot).klass].insert(a.receipt.packed());
    }
    if (policy_.name() != opt_.edf_policy) return;
    // Within a class, the offered cases are exactly its earliest-deadline prefix.
    for (const auto& [k, offered] : by_class) {
      const auto& cls = index.classes()[k];
      std::size_t n = 0;
      for (std::size_t i = cls.head; i < cls.queue.size() && n < offered.size(); ++i) {
        if (!index.live(cls.queue[i])) continue;
        if (offered.count(cls.queue[i].receipt) == 0) {
          violation("class " + std::to_string(k) + " skipped an earlier deadline");
          break;
        }
        ++n;
      }
    }
  }

  void round(std::int64_t now) {
    const auto tr = SteadyClock::now();
    const double cpu0 = thread_cpu_seconds();
    matching::RoundPlan plan = policy_.plan(matcher_);
    if (opt_.check_invariants) check_plan(plan);
    const std::size_t applied = matcher_.apply(plan);
    ++result_.rounds;
    result_.seconds_round_build += plan.stats.build_seconds;
    result_.seconds_round_solve += plan.stats.solve_seconds;
    result_.seconds_round_assign += plan.stats.assign_seconds;
    result_.sum_case_nodes += static_cast<std::int64_t>(plan.stats.case_nodes);
    result_.sum_saturated_nodes += static_cast<std::int64_t>(plan.stats.saturated_nodes);
    result_.sum_officer_classes += static_cast<std::int64_t>(plan.stats.officer_classes);
    result_.sum_graph_arcs += static_cast<std::int64_t>(plan.stats.graph_arcs);
    result_.unplaced += static_cast<std::int64_t>(plan.stats.unplaced);
    result_.max_graph_arcs = std::max(result_.max_graph_arcs, static_cast<std::int64_t>(plan.stats.graph_arcs));
    if (round_log_ != nullptr) {
      const auto& st = plan.stats;
      std::fprintf(round_log_, "%lld,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%.3f,%.3f,%.3f,%.3f,%.3f,%zu\n",
                   static_cast<long long>(now), st.queued, st.free_slots, st.case_nodes, st.groups, st.pools,
                   st.officer_classes, st.graph_arcs, st.assigned, 1e3 * st.build_seconds, 1e3 * st.solve_seconds,
                   1e3 * st.assign_seconds, 1e3 * since(tr), 1e3 * (thread_cpu_seconds() - cpu0), st.saturated_nodes);
    }
    if (opt_.check_invariants && applied != plan.assignments.size()) {
      violation(std::to_string(plan.assignments.size() - applied) + " offers of a round could not be applied");
    }
    auto& index = matcher_.index();
    constexpr std::size_t kAhead = 8;  // Offers whose slot state to start loading (scattered).
    for (std::size_t i = 0; i < plan.assignments.size(); ++i) {
      if (i + kAhead < plan.assignments.size()) {
        const std::uint32_t ahead = plan.assignments[i + kAhead].slot;
        if (ahead < slots_.size()) __builtin_prefetch(&slots_[ahead]);
      }
      const auto& a = plan.assignments[i];
      // The plan's slot, while it still holds the case, saves a receipt lookup.
      const auto slot = a.slot != matching::Assignment::kNoSlot && a.slot < index.slots() &&
                                index.record(a.slot).receipt == a.receipt.packed()
                            ? std::optional<std::uint32_t>(a.slot)
                            : index.find(a.receipt);
      if (!slot) continue;
      auto& rec = index.record(*slot);
      if (rec.state != CaseState::kOffered || rec.officer != a.officer) continue;  // Not applied.
      rec.state = CaseState::kAssigned;  // Simulated officers accept at once.
      ++result_.offers;
      if (a.cross_center) ++result_.cross_center_offers;
      SlotState& st = state_of(*slot);
      const FormPolicy& form = cat_.form(rec.form);
      const double e = effort_hours(rec.receipt, form);
      double share = 1.0;
      if (st.stage == 1) {
        const bool same = rec.preferred == a.officer;
        result_.rfe_same_officer += same ? 1 : 0;
        share = same ? sc_.rfe.same_officer_effort_share : sc_.rfe.other_officer_effort_share;
      } else if (st.stage == 2) {
        share = sc_.qa_effort_share;
      }
      if (st.stage == 0 && !st.taken_up) {
        st.taken_up = true;
        fairness(rec);
      }
      officers_[a.officer].desk.push_back({*slot, e * share * 3600.0, rec.receipt});
    }
    result_.seconds_rounds += since(tr);
    result_.cpu_seconds_rounds += thread_cpu_seconds() - cpu0;
    (void)now;
  }

  void fairness(const matching::CaseIndex::Record& rec) {
    const std::uint64_t key = (std::uint64_t{rec.form} << 48) | (std::uint64_t{rec.center} << 32) |
                              (static_cast<std::uint64_t>(rec.priority) << 24) |
                              (std::uint64_t{rec.language} << 8) | static_cast<std::uint64_t>(rec.clearance);
    auto [it, inserted] = fairness_ids_.try_emplace(key, static_cast<std::uint32_t>(fenwicks_.size()));
    if (inserted) fenwicks_.emplace_back(static_cast<std::size_t>(kFairnessDaysBefore + sc_.days + 1));
    Fenwick& f = fenwicks_[it->second];
    const std::int64_t day = std::clamp<std::int64_t>(
        (rec.received - t0_.time_since_epoch().count()) / kDay + kFairnessDaysBefore, 0, kFairnessDaysBefore + sc_.days);
    const auto d = static_cast<std::size_t>(day);
    const std::int64_t not_later = f.prefix(d);
    const std::int64_t earlier = d > 0 ? f.prefix(d - 1) : 0;
    result_.inversions += f.total - not_later;          // Taken up before, received later.
    result_.fairness_pairs += f.total - (not_later - earlier);  // Received on another day.
    f.add(d);
    ++f.total;
  }

  // Officers work the tick; returns the productive hours present officers had.
  double work(std::int64_t now) {
    double available = 0;
    const double budget = tick_ * sc_.shift.productive_share;
    for (OfficerId id = 0; id < officers_.size(); ++id) {
      // A case finished this tick is read and decided at once, and its record, state and receipt
      // map entry each miss the cache at national scale: start loading those of the desk a few
      // officers ahead, so that the misses overlap.
      // (Off shift, which is most ticks, only the presence is read.)
      if (const OfficerId ahead = id + kDesksAhead;
          ahead < officers_.size() && matcher_.officer(ahead).presence == Presence::kAvailable) {
        const auto& next = officers_[ahead].desk;
        if (!next.empty() && next.front().remaining <= budget) prefetch_case(next.front());
      }
      if (matcher_.officer(id).presence != Presence::kAvailable) continue;
      const CenterId center = roster_[id].center;
      available += budget;
      result_.available_hours[center] += budget / 3600.0;
      auto& desk = officers_[id].desk;
      double left = budget;
      while (left > 0 && !desk.empty()) {
        DeskItem& item = desk.front();
        const double spend = std::min(left, item.remaining);
        item.remaining -= spend;
        left -= spend;
        if (item.remaining <= 1e-6) {
          const std::uint32_t slot = item.slot;
          desk.pop_front();
          const auto at = now + static_cast<std::int64_t>((budget - left) / sc_.shift.productive_share);
          complete(slot, id, at);
        }
      }
      result_.worked_hours[center] += (budget - left) / 3600.0;
    }
    return available / 3600.0;
  }

  static constexpr OfficerId kDesksAhead = 4;
  void prefetch_case(const DeskItem& item) {
    auto& index = matcher_.index();
    __builtin_prefetch(&index.record(item.slot));
    if (item.slot < slots_.size()) __builtin_prefetch(&slots_[item.slot]);
    index.prefetch(ReceiptNumber::from_packed(item.receipt));
  }

  void complete(std::uint32_t slot, OfficerId officer, std::int64_t at) {
    auto& index = matcher_.index();
    auto& rec = index.record(slot);
    if (opt_.check_invariants) {
      ++result_.invariant_checks;
      if (rec.state != CaseState::kAssigned || rec.officer != officer) {
        violation(ReceiptNumber::from_packed(rec.receipt).str() + " worked by an officer who does not hold it");
      }
    }
    SlotState& st = state_of(slot);
    const FormPolicy& form = cat_.form(rec.form);
    matcher_.release(officer);
    if (st.stage == 0 && gets_rfe(rec.receipt, form)) {
      // RFE out: the case waits for the applicant and comes back to this officer if present.
      ++result_.rfes;
      st.stage = 1;
      rec.state = CaseState::kRfePending;
      rec.preferred = officer;
      rec.officer = kNoOfficer;
      rfe_out_at_[slot] = at;
      events_->push({at + rfe_delay(rec.receipt), slot, EventKind::kRfeResponse, kNoCenter});
      return;
    }
    if (st.stage < 2 && sampled_for_qa(rec.receipt, form)) {
      // A sampled decision goes to a different, senior officer before it is final.
      ++result_.qa_reviews;
      st.stage = 2;
      Case c = index.to_case(slot);
      c.senior_review = true;
      c.excluded = {officer};
      c.preferred_officer = kNoOfficer;
      c.officer = kNoOfficer;
      matcher_.enqueue(c);
      return;
    }
    decide(slot, at);
  }

  void decide(std::uint32_t slot, std::int64_t at) {
    auto& index = matcher_.index();
    const auto rec = index.record(slot);
    const FormPolicy& form = cat_.form(rec.form);
    ++result_.decided;
    if (uniform(seed(), Draw::kOutcome, rec.receipt) < form.approval_share.value_or(sc_.default_approval_share)) {
      ++result_.approved;
    }
    result_.cycle[{rec.form, rec.center}].add(static_cast<double>(at - rec.received) / kDay);
    if (rec.deadline >= t0_.time_since_epoch().count() && rec.deadline < end_) {
      ++result_.due;
      if (at > rec.deadline) ++result_.missed;
    }
    --pending_[rec.center];
    // No RFE is out for a case being decided: its response took the entry out (handle()).
    matcher_.forget(ReceiptNumber::from_packed(rec.receipt));
  }

  void handle(const Event& e) {
    auto& index = matcher_.index();
    Case c = index.to_case(e.slot);
    if (e.kind == EventKind::kRfeResponse) {
      // The clock stops while the RFE is out: a goal deadline moves by the time it was out; a
      // premium clock starts over (or resumes) from the response; a court date does not move.
      const std::int64_t out = rfe_out_at_[e.slot];
      rfe_out_at_.erase(e.slot);
      const FormPolicy& form = cat_.form(c.form);
      if (c.priority == Priority::kPremium && form.rfe_clock == RfeClockRule::kRestart) {
        Case fresh = c;
        fresh.received = TimePoint(seconds(e.at));
        c.deadline = compute_deadline(fresh, form, cat_.center(c.center), cfg_.calendar, cfg_.scheduler.fallback_deadline_days);
      } else if (c.priority != Priority::kLitigation) {
        c.deadline += seconds(e.at - out);
      }
      c.officer = kNoOfficer;
      matcher_.enqueue(c);
      return;
    }
    c.center = e.to;
    c.officer = kNoOfficer;
    matcher_.enqueue(c);
  }

  void rebalance(std::int64_t now) {
    auto& index = matcher_.index();
    for (const Transfer& t : rebalancer_->plan(matcher_, TimePoint(seconds(now)))) {
      const auto slot = index.find(t.receipt);
      bool ok = slot.has_value() && t.to < cat_.centers().size();
      if (ok) {
        const auto& rec = index.record(*slot);
        const FormPolicy& form = cat_.form(rec.form);
        ok = rec.state == CaseState::kQueued && form.transferable && !form.interview && rec.center != t.to &&
             (form.centers.empty() ? cat_.center(t.to).kind == CenterKind::kServiceCenter
                                   : std::find(form.centers.begin(), form.centers.end(), t.to) != form.centers.end());
      }
      if (!ok || !matcher_.withdraw(t.receipt, CaseState::kTransferred)) {
        ++result_.transfers_refused;
        continue;
      }
      ++result_.transfers;
      --pending_[index.record(*slot).center];
      ++pending_[t.to];
      events_->push({now + static_cast<std::int64_t>(sc_.transfer_days) * kDay, *slot, EventKind::kTransferArrival, t.to});
    }
  }

  void record_day() { result_.backlog_by_day.push_back(pending_); }

  void progress(int day) {
    std::int64_t pending = 0;
    for (auto p : pending_) pending += p;
    std::fprintf(stderr, "  [%s] day %3d: decided %lld, pending %lld, missed %lld\n", result_.policy.c_str(), day,
                 static_cast<long long>(result_.decided), static_cast<long long>(pending),
                 static_cast<long long>(result_.missed));
  }

  // Cases still open at the end: those whose deadline fell in the run are misses.
  void finish() {
    auto& index = matcher_.index();
    for (std::uint32_t slot = 0; slot < slot_count_; ++slot) {
      const auto& rec = index.record(slot);
      if (rec.state == CaseState::kDecided || rec.receipt == 0) continue;
      ++result_.pending_at_end;
      result_.open_age.add(static_cast<double>(end_ - rec.received) / kDay);
      if (rec.deadline >= t0_.time_since_epoch().count() && rec.deadline < end_) {
        ++result_.due;
        ++result_.missed;
      }
    }
  }

  const config::NationalConfig& cfg_;
  const Catalog& cat_;
  Scenario sc_;
  matching::Policy& policy_;
  Rebalancer* rebalancer_;
  SimOptions opt_;
  TimePoint t0_;
  ManualClock clock_;
  matching::Matcher matcher_;
  std::vector<Officer> roster_;
  std::vector<OfficerSim> officers_;
  std::vector<std::string> zones_;
  std::vector<std::uint16_t> center_zone_;
  std::vector<std::vector<std::int64_t>> shift_start_;
  std::vector<int> zone_day_;
  std::array<double, 12> months_{};
  Feed* feed_ = nullptr;  // The run's case feed, while run() runs.
  double receipts_per_year_ = 0;
  double carry_ = 0;
  std::int64_t tick_ = 3600;
  std::int64_t end_ = 0;
  std::vector<SlotState> slots_;
  std::size_t slot_count_ = 0;
  std::unordered_map<std::uint32_t, std::int64_t> rfe_out_at_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>>* events_ = nullptr;
  std::vector<std::int64_t> pending_;
  std::unordered_map<std::uint64_t, std::uint32_t> fairness_ids_;
  std::vector<Fenwick> fenwicks_;
  RunResult result_;
  std::FILE* round_log_ = nullptr;
};

Simulator::Simulator(const config::NationalConfig& config, const Scenario& scenario, matching::Policy& policy,
                     Rebalancer* rebalancer, SimOptions options)
    : impl_(std::make_unique<Impl>(config, scenario, policy, rebalancer, std::move(options))) {}

Simulator::~Simulator() = default;

RunResult Simulator::run() { return impl_->run(); }

std::size_t Simulator::roster_size(const config::NationalConfig& cfg, const Scenario& sc, double* annual_effort_hours) {
  // Expected officer-hours per receipt, over the receipt mix (per-form annual figures, plus the
  // scenario's assumptions for blank ones): first review, RFE re-review by the same officer, and
  // QA review.
  double weight = 0, hours_per_case = 0;
  for (const auto& f : cfg.catalog.forms()) {
    std::optional<std::int64_t> n = f.annual_receipts;
    if (auto it = sc.generator.assumed_receipts.find(f.code); it != sc.generator.assumed_receipts.end()) n = it->second;
    if (!n || *n <= 0) continue;
    const double e = f.effort_hours * (1 + f.rfe_rate * sc.rfe.same_officer_effort_share + f.qa_sample_rate * sc.qa_effort_share);
    weight += static_cast<double>(*n);
    hours_per_case += static_cast<double>(*n) * e;
  }
  if (weight <= 0) throw ConfigError("scenario: no form has annual receipts to size the roster from");
  hours_per_case /= weight;
  const double annual = hours_per_case * static_cast<double>(sc.annual_receipts) * sc.scale;
  if (annual_effort_hours != nullptr) *annual_effort_hours = annual;
  if (sc.officers > 0) return static_cast<std::size_t>(std::max<std::int64_t>(1, std::llround(static_cast<double>(sc.officers) * sc.scale)));
  // Business days in a year of the federal calendar (about 250), less leave.
  int business = 0;
  for (auto d = std::chrono::sys_days(sc.start); d < std::chrono::sys_days(sc.start) + days(365); d += days(1)) {
    business += cfg.calendar.is_business_day(Date{d}) ? 1 : 0;
  }
  const double per_officer = business * (1 - sc.shift.leave_share) * sc.shift.hours * sc.shift.productive_share;
  return static_cast<std::size_t>(std::max(1.0, std::round(sc.staffing_ratio * annual / per_officer)));
}

}  // namespace docket::sim
