// Overview commands: queues, stats, ping.

#include "commands.h"
#include "docket/cli/format.h"
#include "docket/cli/render.h"

namespace docket::cli {
namespace {

using nlohmann::json;

struct QueueOptions {
  std::string center;
  std::string form;
};

struct NoOptions {};

int do_ping(Context& ctx, const NoOptions&) {
  const auto start = std::chrono::steady_clock::now();
  const json result = ctx.session().call("ping", json::object());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (ctx.json) {
    print_json(*ctx.out, result);
    return to_int(ExitCode::kOk);
  }
  *ctx.out << ctx.session().endpoint() << ": docket-scheduler "
           << cell_text(result.value("version", json(nullptr))) << ", protocol "
           << cell_text(result.value("protocol", json(nullptr))) << ", "
           << (result.value("leader", true) ? "leader" : "standby (not the leader)") << ", "
           << format_number(ms, 1) << " ms\n";
  return to_int(ExitCode::kOk);
}

}  // namespace

void register_ops_commands(CLI::App& app, Action& action) {
  {
    auto o = std::make_shared<QueueOptions>();
    auto* sub = app.add_subcommand("queues", "Backlog by center, form and state");
    sub->add_option("--center", o->center, "Only this center");
    sub->add_option("--form", o->form, "Only this form");
    detail::on_run(sub, action, o, [](Context& ctx, const QueueOptions& opts) {
      json args = json::object();
      if (!opts.center.empty()) args["center"] = opts.center;
      if (!opts.form.empty()) args["form"] = opts.form;
      return detail::show(ctx, ctx.session().call("queues", args), render_queues);
    });
  }
  {
    auto* sub = app.add_subcommand("stats", "Totals: received, decided, backlog, p80, workers");
    detail::on_run(sub, action, std::make_shared<NoOptions>(), [](Context& ctx, const NoOptions&) {
      return detail::show(ctx, ctx.session().call("stats", json::object()), render_generic);
    });
  }
  {
    auto* sub = app.add_subcommand("ping", "Is the scheduler there, and is it the leader?");
    detail::on_run(sub, action, std::make_shared<NoOptions>(), do_ping);
  }
}

}  // namespace docket::cli
