#include "docket/leader/elector.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "docket/core/error.h"

namespace docket::leader {
namespace {

prometheus::Family<prometheus::Counter>& renewal_family(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("docket_scheduler_lease_renewals_total")
      .Help(
          "Renewals of the leader lease by result: ok, failed (Redis did not answer), lost "
          "(the lease was no longer this scheduler's)")
      .Register(r);
}

long long count_ms(std::chrono::milliseconds d) { return static_cast<long long>(d.count()); }

}  // namespace

LeaderMetrics::LeaderMetrics(prometheus::Registry& registry)
    : term(prometheus::BuildGauge()
               .Name("docket_scheduler_leader_term")
               .Help("The leader term this scheduler holds, or the latest it saw as a standby "
                     "(0: none yet)")
               .Register(registry)
               .Add({})),
      renewals(renewal_family(registry)),
      elections(prometheus::BuildCounter()
                    .Name("docket_scheduler_elections_total")
                    .Help("Times this scheduler won the leader lease")
                    .Register(registry)
                    .Add({})),
      renewed(renewals.Add({{"result", "ok"}})),
      failed(renewals.Add({{"result", "failed"}})),
      lost(renewals.Add({{"result", "lost"}})) {}

Elector::Elector(store::RedisOptions redis, ElectorOptions options, LeaderMetrics* metrics)
    : options_(std::move(options)), metrics_(metrics) {
  if (options_.lease.holder.empty()) options_.lease.holder = make_holder_id();
  // A renewal must come back (or fail) well before the step-down point, whatever the scheduler's
  // own connection is configured to tolerate.
  const int timeout = std::max(1, static_cast<int>(options_.redis_timeout().count()));
  redis.connect_timeout_ms = timeout;
  redis.command_timeout_ms = timeout;
  redis.reconnect_attempts = 0;
  redis_ = std::make_unique<store::RedisConnection>(redis);
  lease_ = std::make_unique<Lease>(*redis_, options_.lease);
  on_deadline = [] {
    spdlog::critical(
        "leader: still serving at the hard-stop point after losing the lease; exiting");
    std::_Exit(EXIT_LOST_LEADERSHIP);
  };
}

Elector::~Elector() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    finished_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string Elector::lost_reason() const {
  std::lock_guard lock(mutex_);
  return lost_reason_;
}

std::optional<LeaseRecord> Elector::held() const {
  std::lock_guard lock(mutex_);
  if (lost_.load() || finished_) return std::nullopt;
  return lease_->held();
}

std::optional<LeaseRecord> Elector::campaign(const std::atomic<bool>& stop) {
  std::string seen;  // The holder value last logged, so a standby logs each new leader once.
  bool unreachable = false;
  while (!stop.load()) {
    const auto sent = Steady::now();
    try {
      const AcquireResult r = lease_->try_acquire(options_.force);
      unreachable = false;
      if (r.acquired) {
        {
          std::lock_guard lock(mutex_);
          last_ok_ = sent;
        }
        if (metrics_) {
          metrics_->term.Set(static_cast<double>(r.lease->term));
          metrics_->elections.Increment();
        }
        spdlog::info("leader: elected, term {} (holder {}, lease {} ms)", r.lease->term,
                     r.lease->holder, options_.lease.lease_ms);
        thread_ = std::thread([this] { renew_loop(); });
        return r.lease;
      }
      const std::string now_held = r.lease ? r.lease->value : std::string("(unreadable)");
      if (now_held != seen) {
        seen = now_held;
        if (r.lease) {
          if (metrics_) metrics_->term.Set(static_cast<double>(r.lease->term));
          spdlog::info("leader: standby; the leader is {} (term {}, {}); polling every {} ms",
                       r.lease->holder, r.lease->term, r.lease->advert,
                       count_ms(options_.poll_every()));
        } else {
          spdlog::warn("leader: standby; the lease key {} holds an unreadable value",
                       options_.lease.lease_key());
        }
      }
    } catch (const Error& e) {
      if (!unreachable) spdlog::warn("leader: standby; Redis did not answer: {}", e.what());
      unreachable = true;
    }
    // Sleep in short slices so that a signal ends the wait promptly.
    const auto until = sent + options_.poll_every();
    while (!stop.load() && Steady::now() < until) {
      std::this_thread::sleep_for(
          std::min<Steady::duration>(std::chrono::milliseconds(50), until - Steady::now()));
    }
  }
  return std::nullopt;
}

void Elector::step_down(const std::string& why) {
  // Called with mutex_ held.
  lost_reason_ = why;
  lost_.store(true);
  spdlog::error("leader: stepping down from term {}: {}", lease_->held() ? lease_->held()->term : 0,
                why);
}

void Elector::renew_loop() {
  std::unique_lock lock(mutex_);
  auto next = last_ok_ + options_.renew_every();
  while (!stopping_) {
    const auto give_up_at = last_ok_ + options_.give_up_after();
    cv_.wait_until(lock, std::min(next, give_up_at), [&] { return stopping_; });
    if (stopping_) break;
    const auto now = Steady::now();
    if (now >= give_up_at) {
      if (metrics_) metrics_->lost.Increment();
      step_down("no renewal succeeded for " + std::to_string(count_ms(options_.give_up_after())) +
                " ms");
      break;
    }
    if (now < next) continue;
    lock.unlock();
    const auto sent = Steady::now();
    enum class Outcome { kRenewed, kLost, kFailed } outcome = Outcome::kFailed;
    std::string fault;
    try {
      outcome = lease_->renew() ? Outcome::kRenewed : Outcome::kLost;
    } catch (const Error& e) {
      fault = e.what();
    }
    lock.lock();
    if (stopping_) break;
    if (outcome == Outcome::kRenewed) {
      last_ok_ = sent;
      next = sent + options_.renew_every();
      if (metrics_) metrics_->renewed.Increment();
    } else if (outcome == Outcome::kLost) {
      if (metrics_) metrics_->lost.Increment();
      step_down("the lease is no longer this scheduler's (it expired or was taken over)");
      break;
    } else {
      if (metrics_) metrics_->failed.Increment();
      spdlog::warn("leader: renewal failed ({}); trying again in {} ms", fault,
                   count_ms(options_.retry_every()));
      next = Steady::now() + options_.retry_every();
    }
  }
  if (!lost_.load()) return;
  // Stepped down: the scheduler stops serving and calls finish(). If it has not by the hard-stop
  // point, end it here, before the lease could have expired in Redis and a standby taken over.
  const auto hard_stop_at = last_ok_ + options_.hard_stop_after();
  cv_.wait_until(lock, hard_stop_at, [&] { return finished_; });
  if (finished_) return;
  lock.unlock();
  if (on_deadline) on_deadline();
}

void Elector::finish(bool release) {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!release || lost_.load() || !lease_->held()) return;
  try {
    const auto term = lease_->held()->term;
    if (lease_->release()) spdlog::info("leader: released the lease of term {}", term);
  } catch (const Error& e) {
    spdlog::warn("leader: could not release the lease ({}); it expires in {} ms", e.what(),
                 options_.lease.lease_ms);
  }
}

}  // namespace docket::leader
