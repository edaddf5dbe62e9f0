#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "docket/store/redis.h"

/// Leader election among docket-scheduler processes sharing one Redis: a lease key with a
/// time to live and a monotonic term number (docs/operations.md, "High availability").
namespace docket::leader {

/// Where the lease lives and how long it lasts.
struct LeaseOptions {
  /// Both keys share the hash tag `{leader}`, so that the scripts touching them run on one
  /// Redis Cluster node.
  static constexpr const char* DEFAULT_KEY_PREFIX = "docket:{leader}";
  static constexpr int DEFAULT_LEASE_MS = 10'000;
  static constexpr int MIN_LEASE_MS = 300;

  std::string key_prefix = DEFAULT_KEY_PREFIX;
  /// Who this process is; unique per process (make_holder_id()). No spaces.
  std::string holder;
  /// What the holder tells standbys and operators about itself (its endpoints, as JSON). No
  /// line breaks.
  std::string advert;
  int lease_ms = DEFAULT_LEASE_MS;

  std::string lease_key() const { return key_prefix + ":lease"; }
  std::string term_key() const { return key_prefix + ":term"; }
};

/// The lease as Redis holds it: `<term> <holder> <advert>` under the lease key.
struct LeaseRecord {
  std::int64_t term = 0;
  std::string holder;
  std::string advert;
  /// The whole stored value: the token that renewals and releases compare against.
  std::string value;

  /// Reads a stored value. Empty when it is not in the format above (a key written by
  /// something else).
  static std::optional<LeaseRecord> parse(const std::string& value);
  static std::string format(std::int64_t term, const std::string& holder,
                            const std::string& advert);
};

/// What an attempt to take the lease found.
struct AcquireResult {
  bool acquired = false;
  /// The lease as it is now: this holder's new one when acquired, else the current holder's
  /// (empty when the key holds something unreadable).
  std::optional<LeaseRecord> lease;
};

/// A unique holder id for this process: `<hostname>/<pid>/<random hex>`.
std::string make_holder_id();

/// The lease operations, each one Redis round trip and atomic (one Lua script):
/// - acquire: `SET lease value NX PX ttl` and, when that succeeded, `INCR term`, so every term
///   has a new number;
/// - renew: compare-and-extend (`PEXPIRE` only while the value is still this holder's);
/// - release: compare-and-delete.
/// Not thread-safe: one thread uses it (it uses one RedisConnection).
class Lease {
 public:
  /// Throws InvalidArgument for an empty holder, a holder with spaces, an advert with a line
  /// break, or a lease below MIN_LEASE_MS. Sends nothing.
  Lease(store::RedisConnection& redis, LeaseOptions options);

  /// Takes the lease when no one holds it, starting a new term. With `force` it takes it even
  /// from another holder (for a Redis that only this process can reach: the scheduler's own
  /// embedded server, where a lease left by a crashed earlier run would only delay the start).
  /// A lease that already carries this holder's id (an earlier attempt whose answer was lost)
  /// is adopted. Throws IoError or TimeoutError when Redis cannot be reached.
  AcquireResult try_acquire(bool force = false);
  /// Extends the lease by lease_ms if it is still this holder's. False when it is not (it
  /// expired and someone else may have taken it), or when none was acquired. Throws IoError or
  /// TimeoutError when Redis cannot be reached.
  bool renew();
  /// Deletes the lease if it is still this holder's, so a standby takes over at its next poll
  /// instead of waiting for the lease to expire. Returns whether it deleted it. Throws as
  /// renew().
  bool release();
  /// The lease as Redis holds it now, or empty when no one holds it (or the key is unreadable).
  /// Throws as renew().
  std::optional<LeaseRecord> read();

  /// The lease this object acquired last (empty before any).
  const std::optional<LeaseRecord>& held() const { return held_; }
  const LeaseOptions& options() const { return options_; }

 private:
  const std::string& script(std::string& sha, const char* source);

  store::RedisConnection& redis_;
  LeaseOptions options_;
  std::optional<LeaseRecord> held_;
  std::string acquire_sha_;
  std::string renew_sha_;
  std::string release_sha_;
};

}  // namespace docket::leader
