#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "docket/cli/session.h"

namespace CLI {
class App;
}

/// docketctl as a library: the program's main() only calls run().
namespace docket::cli {

/// A usage error found after parsing (a flag combination, an unreadable file): exit code 1.
class UsageError : public Error {
 public:
  using Error::Error;
};

/// What every command gets: the global options, the output streams and the connection.
struct Context {
  SessionOptions session_options;
  bool json = false;     ///< --json: print raw results for scripts.
  bool progress = true;  ///< Progress bars allowed (still only on a terminal).
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool err_is_terminal = false;

  /// The connection, made on first use (so a usage error never waits on the network).
  Session& session();

 private:
  std::unique_ptr<Session> session_;
};

/// What a command does once its arguments are parsed; returns the exit code.
using Action = std::function<int(Context&)>;

/// A group of subcommands registers its CLI11 subcommands on `app`; the one that is chosen
/// stores its action in `action`. One function per file of commands_*.cc.
using Registrar = void (*)(CLI::App& app, Action& action);

void register_case_commands(CLI::App& app, Action& action);
void register_officer_commands(CLI::App& app, Action& action);
void register_ops_commands(CLI::App& app, Action& action);
void register_rebalance_commands(CLI::App& app, Action& action);

/// Parses `args` (without the program name), runs the chosen command and returns the exit code
/// (exit_code.h). Every error is reported on `err` as one line "docketctl: ..." and mapped to
/// its code; nothing is thrown.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        bool err_is_terminal = false);

}  // namespace docket::cli
