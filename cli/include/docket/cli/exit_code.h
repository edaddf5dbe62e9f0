#pragma once

#include <string_view>

namespace docket::cli {

/// The exit codes of docketctl. Scripts branch on them, so their meaning never changes; a new
/// outcome gets a new number.
enum class ExitCode : int {
  kOk = 0,           ///< Everything asked was done.
  kUsage = 1,        ///< Bad arguments or unreadable input; nothing was sent.
  kUnreachable = 2,  ///< The scheduler did not answer within --timeout.
  kRefused = 3,      ///< The scheduler answered ERROR (its code and message are printed).
  kPartial = 4,      ///< Some items were refused or invalid; the others were done.
  kNotFound = 5,     ///< The case or officer named does not exist.
};

inline int to_int(ExitCode c) { return static_cast<int>(c); }

/// The text of `docketctl --help`'s footer and of cli/README.md's table.
inline constexpr std::string_view kExitCodeHelp =
    "Exit codes:\n"
    "  0  ok\n"
    "  1  usage: bad arguments or unreadable input (nothing was sent)\n"
    "  2  the scheduler did not answer within --timeout (unreachable)\n"
    "  3  the scheduler refused the request (ERROR reply; code and message printed)\n"
    "  4  partial: some lines or items were invalid or refused, the others were done\n"
    "  5  not found: unknown case or officer\n";

}  // namespace docket::cli
