#pragma once

// What the load generators read about Redis from INFO.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "docket/store/redis.h"

namespace docket::bench {

/// A field of an INFO reply's text (e.g. "aof_rewrites"), or -1 when it is not there.
inline std::int64_t info_field(const std::string& text, std::string_view field) {
  const std::string key = "\n" + std::string(field) + ":";
  const auto at = text.find(key);
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + key.size()));
}

/// Calls of the named commands (e.g. "fcall", "evalsha") and microseconds Redis has spent in
/// them so far, summed (INFO commandstats); a command not run yet adds nothing.
struct CommandStats {
  double calls = 0, usec = 0;
};
inline CommandStats command_stats(store::RedisConnection& redis,
                                  std::initializer_list<std::string_view> commands) {
  const std::string text = redis.command({"INFO", "commandstats"}).as_string();
  CommandStats sum;
  for (const auto command : commands) {
    const std::string key = "cmdstat_" + std::string(command) + ":calls=";
    const auto at = text.find(key);
    if (at == std::string::npos) continue;
    const auto usec = text.find(",usec=", at);
    if (usec == std::string::npos) continue;
    sum.calls += std::stod(text.substr(at + key.size()));
    sum.usec += std::stod(text.substr(usec + 6));
  }
  return sum;
}

}  // namespace docket::bench
