#pragma once

#include <cstdint>

namespace docket {

/// SplitMix64's finalizer: a well-mixed 64-bit hash of one value. Used for draws that must not
/// depend on processing order (a case's effort, an officer's leave): hashing the receipt and a
/// purpose gives the same draw whichever policy handles the case, and whenever.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Folds `v` into the running hash `h` (MurmurHash3's 64-bit finalizer after a combine step):
/// hashes of keys and fingerprints built one field at a time.
constexpr std::uint64_t hash_mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace docket
