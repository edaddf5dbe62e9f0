#include "docket/cli/app.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "docket/cli/exit_code.h"
#include "docket/cli/render.h"
#include "docket/core/receipt.h"
#include "docket/protocol/protocol.h"

namespace docket::cli {

Session& Context::session() {
  if (!session_) session_ = std::make_unique<Session>(session_options);
  return *session_;
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        bool err_is_terminal) {
  CLI::App app{
      "docketctl: the management and officer command line of Docket.\n"
      "Each command is one request to the scheduler's management socket "
      "(docs/protocol.md, section 4).",
      "docketctl"};
  app.footer(std::string("\n") + std::string(kExitCodeHelp) +
             "\nEnvironment:\n  DOCKET_SCHEDULER  the management endpoint (as --scheduler)\n"
             "  DOCKET_SERVER_KEY the scheduler's CURVE public key (as --server-key)\n");
  app.require_subcommand(1);
  app.fallthrough();  // Global options may also follow the subcommand.
  app.set_version_flag("--version", "docketctl " DOCKET_VERSION " (protocol 1)");

  Context ctx;
  ctx.out = &out;
  ctx.err = &err;
  ctx.err_is_terminal = err_is_terminal;
  ctx.session_options.endpoint = protocol::DEFAULT_MANAGEMENT_ENDPOINT;
  double timeout_s = 5.0;
  bool no_progress = false;
  app.add_option("-s,--scheduler", ctx.session_options.endpoint,
                 "The scheduler's management endpoint, tcp://host:port; several separated by "
                 "commas (the first that answers as the leader is used)")
      ->envname("DOCKET_SCHEDULER")
      ->capture_default_str();
  app.add_option("-t,--timeout", timeout_s, "Seconds to wait for each answer")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--server-key", ctx.session_options.server_key,
                 "The scheduler's CURVE public key (Z85); plain TCP when absent")
      ->envname("DOCKET_SERVER_KEY");
  app.add_flag("--json", ctx.json, "Print the raw result as JSON, for scripts");
  app.add_flag("--no-progress", no_progress, "Never draw a progress bar");

  Action action;
  static constexpr Registrar kRegistrars[] = {register_case_commands, register_officer_commands,
                                              register_ops_commands, register_rebalance_commands};
  for (const auto r : kRegistrars) r(app, action);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? to_int(ExitCode::kOk) : to_int(ExitCode::kUsage);
  }
  ctx.session_options.timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(timeout_s * 1000)));
  ctx.progress = !no_progress;
  if (!action) {
    err << "docketctl: no command given (see --help)\n";
    return to_int(ExitCode::kUsage);
  }
  try {
    return action(ctx);
  } catch (const Refused& e) {
    err << "docketctl: the scheduler refused: " << e.code() << ": " << e.what() << '\n';
    return to_int(e.not_found() ? ExitCode::kNotFound : ExitCode::kRefused);
  } catch (const TimeoutError& e) {
    err << "docketctl: the scheduler at " << ctx.session_options.endpoint
        << " did not answer within " << timeout_s << " s (is it running?): " << e.what() << '\n';
    return to_int(ExitCode::kUnreachable);
  } catch (const UsageError& e) {
    err << "docketctl: " << e.what() << '\n';
    return to_int(ExitCode::kUsage);
  } catch (const InvalidArgument& e) {
    err << "docketctl: " << e.what() << '\n';
    return to_int(ExitCode::kUsage);
  } catch (const IoError& e) {
    err << "docketctl: " << e.what() << '\n';
    return to_int(ExitCode::kUnreachable);
  } catch (const std::exception& e) {
    // Not one of the documented outcomes: a fault of this program, reported as such.
    err << "docketctl: internal error: " << e.what() << '\n';
    return to_int(ExitCode::kUsage);
  }
}

}  // namespace docket::cli

namespace docket::cli::detail {

void check_receipt(const std::string& text) {
  if (const auto why = ReceiptNumber::parse_error(text); !why.empty())
    throw UsageError("receipt '" + text + "': " + why);
}

std::string read_input(const std::string& path) {
  std::ostringstream s;
  if (path == "-") {
    s << std::cin.rdbuf();
    return s.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path + ": " + std::strerror(errno));
  s << in.rdbuf();
  return s.str();
}

int show(Context& ctx, const nlohmann::json& result,
         void (*render)(std::ostream&, const nlohmann::json&)) {
  if (ctx.json) {
    print_json(*ctx.out, result);
  } else {
    render(*ctx.out, result);
  }
  return to_int(ExitCode::kOk);
}

}  // namespace docket::cli::detail
