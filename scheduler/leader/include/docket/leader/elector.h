#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "docket/leader/lease.h"
#include "docket/store/redis.h"

namespace docket::leader {

/// The exit code of a scheduler that lost its lease (docs/operations.md, "Exit codes").
inline constexpr int EXIT_LOST_LEADERSHIP = 3;

/// The election's metrics. No labels but the bounded `result`.
struct LeaderMetrics {
  explicit LeaderMetrics(prometheus::Registry& registry);

  /// The term this scheduler holds as leader, or the latest it saw held as a standby (0 when
  /// none yet): docket_scheduler_leader_term.
  prometheus::Gauge& term;
  /// Renewal attempts by result (`ok`, `failed`: Redis did not answer, `lost`: the lease was no
  /// longer ours): docket_scheduler_lease_renewals_total{result}.
  prometheus::Family<prometheus::Counter>& renewals;
  /// Times this process became the leader: docket_scheduler_elections_total.
  prometheus::Counter& elections;
  prometheus::Counter& renewed;
  prometheus::Counter& failed;
  prometheus::Counter& lost;
};

/// How the elector times its lease. Every interval derives from the lease, as fractions chosen
/// for the safety argument of docs/operations.md ("High availability"):
/// - renew every lease/3;
/// - after a failed renewal, try again every lease/12;
/// - step down at lease/2 after the last renewal that succeeded (measured from when it was
///   sent, which is before Redis restarted the lease's clock);
/// - hard stop (on_deadline) at 2·lease/3 if the process has not stopped serving by then;
/// - a standby polls every lease/3.
/// Redis calls of the elector time out after lease/12 (connect and command each), so one
/// attempt cannot run past the step-down point by more than that.
struct ElectorOptions {
  LeaseOptions lease;
  /// Take the lease even when another holder has it (see Lease::try_acquire).
  bool force = false;

  std::chrono::milliseconds renew_every() const { return ms(lease.lease_ms / 3); }
  std::chrono::milliseconds retry_every() const { return ms(lease.lease_ms / 12); }
  std::chrono::milliseconds give_up_after() const { return ms(lease.lease_ms / 2); }
  std::chrono::milliseconds hard_stop_after() const { return ms(lease.lease_ms * 2 / 3); }
  std::chrono::milliseconds poll_every() const { return ms(lease.lease_ms / 3); }
  std::chrono::milliseconds redis_timeout() const { return ms(lease.lease_ms / 12); }

 private:
  static std::chrono::milliseconds ms(int v) { return std::chrono::milliseconds(v); }
};

/// One scheduler's side of the election: campaign() as a standby until the lease is won, then
/// a thread renews it. The elector uses its own Redis connection (short timeouts, no retries
/// beyond its own schedule), so a slow store call of the scheduler never delays a renewal.
///
/// When renewals fail for lease/2, or the lease turns out to be someone else's, the elector
/// steps down: lost() becomes true, and the scheduler must stop serving and call finish(). If
/// it has not by 2·lease/3, on_deadline runs on the elector's thread (by default it ends the
/// process with EXIT_LOST_LEADERSHIP at once), so that no write of this process can land after
/// the lease could have expired in Redis.
class Elector {
 public:
  using Steady = std::chrono::steady_clock;

  /// Connects to Redis with `redis` (its timeouts replaced by the election's). Throws IoError
  /// when Redis cannot be reached, InvalidArgument as Lease does.
  Elector(store::RedisOptions redis, ElectorOptions options, LeaderMetrics* metrics = nullptr);
  /// Stops the renewal thread (without releasing the lease).
  ~Elector();
  Elector(const Elector&) = delete;
  Elector& operator=(const Elector&) = delete;

  /// Waits as a standby until this process holds the lease, then starts renewing it on a
  /// thread and returns the lease (its term). Returns empty when `stop` became true first.
  /// Redis faults meanwhile are logged and retried at the next poll; never throws for them.
  std::optional<LeaseRecord> campaign(const std::atomic<bool>& stop);
  /// True once the lease is lost (see the class comment). Safe from any thread.
  bool lost() const { return lost_.load(); }
  /// Why it was lost (empty while it was not).
  std::string lost_reason() const;
  /// The scheduler has stopped serving: the hard stop is disarmed and the renewal thread ends.
  /// With `release`, a lease still held is deleted so that a standby takes over at its next
  /// poll. Idempotent; never throws (a failed release is logged: the lease then expires).
  void finish(bool release);

  /// The lease held now (empty while a standby).
  std::optional<LeaseRecord> held() const;
  /// The holder id of this process.
  const std::string& holder() const { return options_.lease.holder; }
  const ElectorOptions& options() const { return options_; }

  /// Runs when the process has not stopped serving by the hard-stop point. Set it before
  /// campaign(); the default calls std::_Exit(EXIT_LOST_LEADERSHIP).
  std::function<void()> on_deadline;

 private:
  void renew_loop();
  void step_down(const std::string& why);

  ElectorOptions options_;
  LeaderMetrics* metrics_;
  std::unique_ptr<store::RedisConnection> redis_;
  std::unique_ptr<Lease> lease_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;         // Guarded by mutex_.
  bool finished_ = false;         // Guarded by mutex_.
  std::string lost_reason_;       // Guarded by mutex_.
  Steady::time_point last_ok_{};  // When the last successful acquire or renewal was sent.
  std::atomic<bool> lost_{false};
  std::thread thread_;
};

}  // namespace docket::leader
