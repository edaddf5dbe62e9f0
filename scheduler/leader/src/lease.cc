#include "docket/leader/lease.h"

#include <unistd.h>

#include <array>
#include <random>

#include "docket/core/error.h"

namespace docket::leader {
namespace {

// KEYS: lease, term. ARGV: holder, ttl ms, advert, force ("1" or "0").
// The new value carries the term the INCR below will give (the script is atomic, so no other
// acquire runs between reading and incrementing the term).
constexpr const char* kAcquire = R"lua(
local current = redis.call('GET', KEYS[1])
if current then
  local term, holder = string.match(current, '^(%d+) (%S+)')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, current}
  end
  if ARGV[4] ~= '1' then return {0, current} end
end
local term = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
local value = term .. ' ' .. ARGV[1] .. ' ' .. ARGV[3]
if ARGV[4] == '1' then
  redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
elseif not redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2]) then
  return {0, redis.call('GET', KEYS[1]) or ''}
end
redis.call('INCR', KEYS[2])
return {1, value}
)lua";

// KEYS: lease. ARGV: value, ttl ms. Compare-and-extend.
constexpr const char* kRenew = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua";

// KEYS: lease. ARGV: value. Compare-and-delete.
constexpr const char* kRelease = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

}  // namespace

std::optional<LeaseRecord> LeaseRecord::parse(const std::string& value) {
  const auto a = value.find(' ');
  if (a == std::string::npos || a == 0) return std::nullopt;
  LeaseRecord r;
  try {
    std::size_t used = 0;
    r.term = std::stoll(value.substr(0, a), &used);
    if (used != a || r.term <= 0) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const auto b = value.find(' ', a + 1);
  r.holder = value.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  if (r.holder.empty()) return std::nullopt;
  if (b != std::string::npos) r.advert = value.substr(b + 1);
  r.value = value;
  return r;
}

std::string LeaseRecord::format(std::int64_t term, const std::string& holder,
                                const std::string& advert) {
  return std::to_string(term) + " " + holder + " " + advert;
}

std::string make_holder_id() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::string h(host.data());
  for (char& c : h) {
    if (c == ' ') c = '_';
  }
  if (h.empty()) h = "host";
  std::random_device rd;
  const std::uint64_t nonce = (std::uint64_t{rd()} << 32) ^ rd();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(nonce));
  return h + "/" + std::to_string(::getpid()) + "/" + hex;
}

Lease::Lease(store::RedisConnection& redis, LeaseOptions options)
    : redis_(redis), options_(std::move(options)) {
  if (options_.holder.empty()) throw InvalidArgument("lease: the holder id is empty");
  if (options_.holder.find_first_of(" \r\n") != std::string::npos)
    throw InvalidArgument("lease: the holder id '" + options_.holder + "' has a space");
  if (options_.advert.find_first_of("\r\n") != std::string::npos)
    throw InvalidArgument("lease: the advert has a line break");
  if (options_.lease_ms < LeaseOptions::MIN_LEASE_MS)
    throw InvalidArgument("lease: " + std::to_string(options_.lease_ms) + " ms is below the " +
                          std::to_string(LeaseOptions::MIN_LEASE_MS) + " ms minimum");
}

const std::string& Lease::script(std::string& sha, const char* source) {
  // Loaded once per connection lifetime; eval() loads it again after a NOSCRIPT (a restarted or
  // flushed server).
  if (sha.empty()) sha = redis_.load_script(source);
  return sha;
}

AcquireResult Lease::try_acquire(bool force) {
  const std::string& sha = script(acquire_sha_, kAcquire);
  // Not idempotent (INCR): a lost connection is an error here, and the next attempt adopts the
  // lease if this one did take it.
  const auto reply = redis_.eval(
      sha, kAcquire, {options_.lease_key(), options_.term_key()},
      {options_.holder, std::to_string(options_.lease_ms), options_.advert, force ? "1" : "0"},
      /*idempotent=*/false);
  if (reply.type != store::Reply::Type::kArray || reply.elements.size() != 2)
    throw IoError("lease: unexpected answer to the acquire script");
  AcquireResult r;
  r.acquired = reply.elements[0].as_integer() == 1;
  r.lease = LeaseRecord::parse(reply.elements[1].is_nil() ? "" : reply.elements[1].as_string());
  if (r.acquired) {
    if (!r.lease) throw IoError("lease: the acquired lease is unreadable");
    held_ = r.lease;
  }
  return r;
}

bool Lease::renew() {
  if (!held_) return false;
  const auto reply = redis_.eval(script(renew_sha_, kRenew), kRenew, {options_.lease_key()},
                                 {held_->value, std::to_string(options_.lease_ms)});
  return reply.as_integer() == 1;
}

bool Lease::release() {
  if (!held_) return false;
  const auto reply =
      redis_.eval(script(release_sha_, kRelease), kRelease, {options_.lease_key()}, {held_->value});
  const bool deleted = reply.as_integer() == 1;
  held_.reset();
  return deleted;
}

std::optional<LeaseRecord> Lease::read() {
  const auto reply = redis_.command({"GET", options_.lease_key()});
  if (reply.is_nil()) return std::nullopt;
  return LeaseRecord::parse(reply.as_string());
}

}  // namespace docket::leader
