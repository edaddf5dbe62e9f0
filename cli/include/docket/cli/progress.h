#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

namespace docket::cli {

/// The text of one progress line: a bar and done/total when the total is known, the count
/// alone otherwise, then the rate: "[########............]  40,000/100,000 cases  12,345/s".
std::string progress_line(std::size_t done, std::optional<std::size_t> total, double per_second,
                          int bar_width = 30);

/// A progress bar redrawn in place on a terminal (at most ten times a second). When disabled
/// (stderr is not a terminal, or --no-progress) it writes nothing, so logs stay clean.
class Progress {
 public:
  Progress(std::ostream& out, bool enabled, std::optional<std::size_t> total);
  /// Reports `done` items so far.
  void update(std::size_t done);
  /// Draws the last state and ends the line.
  void finish();

 private:
  void draw(std::size_t done);

  std::ostream& out_;
  bool enabled_;
  std::optional<std::size_t> total_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  std::size_t done_ = 0;
  bool drawn_ = false;
};

}  // namespace docket::cli
