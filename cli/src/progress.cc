#include "docket/cli/progress.h"

#include <algorithm>

#include "docket/cli/format.h"

namespace docket::cli {

std::string progress_line(std::size_t done, std::optional<std::size_t> total, double per_second,
                          int bar_width) {
  std::string s;
  if (total && *total > 0) {
    const double share = std::min(1.0, static_cast<double>(done) / static_cast<double>(*total));
    const int filled = static_cast<int>(share * bar_width);
    s += '[' + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(bar_width - filled), '.') + "] ";
    s += format_count(static_cast<std::int64_t>(done)) + "/" +
         format_count(static_cast<std::int64_t>(*total)) + " cases";
  } else {
    s += format_count(static_cast<std::int64_t>(done)) + " cases";
  }
  s += "  " + format_count(static_cast<std::int64_t>(per_second + 0.5)) + "/s";
  return s;
}

Progress::Progress(std::ostream& out, bool enabled, std::optional<std::size_t> total)
    : out_(out), enabled_(enabled), total_(total), start_(std::chrono::steady_clock::now()) {}

void Progress::update(std::size_t done) {
  done_ = done;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(done);
}

void Progress::finish() {
  if (!enabled_) return;
  draw(done_);
  out_ << '\n' << std::flush;
}

void Progress::draw(std::size_t done) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  // "\r" returns to the start of the line and "\x1b[K" clears what a longer line left there.
  out_ << '\r' << progress_line(done, total_, rate) << "\x1b[K" << std::flush;
  drawn_ = true;
}

}  // namespace docket::cli
