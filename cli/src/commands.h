#pragma once

// Helpers shared by the commands_*.cc files; not part of the library's interface.

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "docket/cli/app.h"
#include "docket/cli/exit_code.h"

namespace docket::cli::detail {

/// Throws UsageError unless `text` is a valid receipt number.
void check_receipt(const std::string& text);

/// The whole content of a file, or of stdin for "-". Throws UsageError when it cannot be read.
std::string read_input(const std::string& path);

/// Prints `result` as JSON with --json, else with `render`; returns kOk.
int show(Context& ctx, const nlohmann::json& result,
         void (*render)(std::ostream&, const nlohmann::json&));

/// Makes `sub`'s callback store `fn` (bound to the options `opts`) as the action to run.
template <typename Opts, typename Fn>
void on_run(CLI::App* sub, Action& action, std::shared_ptr<Opts> opts, Fn fn) {
  sub->callback(
      [&action, opts, fn] { action = [opts, fn](Context& ctx) { return fn(ctx, *opts); }; });
}

}  // namespace docket::cli::detail
