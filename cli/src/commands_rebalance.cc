// Rebalancing commands: rebalance plan, rebalance apply, drain.

#include <cerrno>
#include <cstring>
#include <fstream>

#include "commands.h"
#include "docket/cli/format.h"
#include "docket/cli/render.h"

namespace docket::cli {
namespace {

using nlohmann::json;

struct PlanOptions {
  std::optional<int> horizon_weeks;
  std::optional<int> max_move;
  std::string solver;
  std::vector<std::string> centers;
  std::vector<std::string> forms;
  std::vector<std::string> settings;  // key=value, passed to the planner as they are.
  std::string out;
  std::string plan_file;  // apply
  bool yes = false;       // apply
};

// The planner options as the `rebalance.plan` args. --set passes options this program does
// not know yet; a value that reads as JSON (a number, true, a list) is sent as that.
json planner_args(const PlanOptions& o) {
  json args = json::object();
  if (o.horizon_weeks) args["horizon_weeks"] = *o.horizon_weeks;
  if (o.max_move) args["max_move"] = *o.max_move;
  if (!o.solver.empty()) args["solver"] = o.solver;
  if (!o.centers.empty()) args["centers"] = o.centers;
  if (!o.forms.empty()) args["forms"] = o.forms;
  for (const auto& s : o.settings) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--set: expected key=value, got '" + s + "'");
    const std::string value = s.substr(eq + 1);
    const json parsed = json::parse(value, nullptr, false);
    args[s.substr(0, eq)] = parsed.is_discarded() ? json(value) : parsed;
  }
  return args;
}

void write_plan(const std::string& path, const json& plan) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw UsageError("cannot write " + path + ": " + std::strerror(errno));
  f << plan.dump(2) << '\n';
  if (!f.flush()) throw UsageError("cannot write " + path + ": " + std::strerror(errno));
}

int do_plan(Context& ctx, const PlanOptions& o) {
  const json plan = ctx.session().call("rebalance.plan", planner_args(o));
  if (!o.out.empty()) write_plan(o.out, plan);
  detail::show(ctx, plan, render_plan);
  if (!o.out.empty() && !ctx.json) *ctx.out << "plan written to " << o.out << '\n';
  return to_int(ExitCode::kOk);
}

int do_apply(Context& ctx, const PlanOptions& o) {
  json plan;
  if (!o.plan_file.empty()) {
    const auto text = detail::read_input(o.plan_file);
    plan = json::parse(text, nullptr, false);
    if (plan.is_discarded() || !plan.is_object())
      throw UsageError(o.plan_file + ": expected a plan as written by 'rebalance plan --out'");
  } else if (o.yes) {
    plan = ctx.session().call("rebalance.plan", planner_args(o));
    if (!o.out.empty()) write_plan(o.out, plan);
    if (!ctx.json) render_plan(*ctx.out, plan);
  } else {
    throw UsageError(
        "rebalance apply: give --plan FILE (a plan from 'rebalance plan --out'), or --yes to "
        "compute a plan and apply it at once");
  }
  const json result = ctx.session().call("rebalance.apply", {{"plan", plan}});
  if (ctx.json) {
    print_json(*ctx.out, result);
  } else {
    *ctx.out << "applied plan " << cell_text(result.value("plan", json(nullptr))) << ": "
             << cell_text(result.value("moved", json(nullptr))) << " cases moved\n";
  }
  return to_int(ExitCode::kOk);
}

struct DrainOptions {
  std::string center;
  std::string officer;
};

int do_drain(Context& ctx, const DrainOptions& o) {
  if (o.center.empty() == o.officer.empty())
    throw UsageError("drain: give exactly one of --center or --officer");
  const json args = o.center.empty() ? json{{"officer", o.officer}} : json{{"center", o.center}};
  const json result = ctx.session().call("drain", args);
  if (ctx.json) {
    print_json(*ctx.out, result);
  } else {
    *ctx.out << "drained " << (o.center.empty() ? "officer " + o.officer : "center " + o.center)
             << ": " << cell_text(result.value("moved", json(nullptr))) << " cases moved, "
             << cell_text(result.value("reclaimed", json(nullptr))) << " reclaimed from desks\n";
  }
  return to_int(ExitCode::kOk);
}

void add_planner_options(CLI::App* sub, PlanOptions& o) {
  sub->add_option("--horizon-weeks", o.horizon_weeks, "Planning horizon in weeks")
      ->check(CLI::PositiveNumber);
  sub->add_option("--max-move", o.max_move, "At most this many cases per move")
      ->check(CLI::PositiveNumber);
  sub->add_option("--solver", o.solver, "Min-cost flow solver");
  sub->add_option("--center", o.centers, "Only these centers; repeat for more")->take_all();
  sub->add_option("--form", o.forms, "Only these forms; repeat for more")->take_all();
  sub->add_option("--set", o.settings,
                  "Another planner option, key=value (value as JSON if it parses)")
      ->take_all();
  sub->add_option("--out", o.out, "Also write the plan (JSON) to this file");
}

}  // namespace

void register_rebalance_commands(CLI::App& app, Action& action) {
  auto* rebalance = app.add_subcommand("rebalance", "Plan and apply transfers between centers");
  rebalance->require_subcommand(1);
  {
    auto o = std::make_shared<PlanOptions>();
    auto* sub =
        rebalance->add_subcommand("plan", "Compute a plan (dry run): the moves and their cost");
    add_planner_options(sub, *o);
    detail::on_run(sub, action, o, do_plan);
  }
  {
    auto o = std::make_shared<PlanOptions>();
    auto* sub = rebalance->add_subcommand(
        "apply", "Apply a plan from a file, or compute one and apply it (--yes)");
    sub->add_option("--plan", o->plan_file,
                    "A plan written by 'rebalance plan --out'; '-' for stdin");
    sub->add_flag("--yes", o->yes,
                  "Compute a plan with the options below and apply it without review");
    add_planner_options(sub, *o);
    detail::on_run(sub, action, o, do_apply);
  }
  {
    auto o = std::make_shared<DrainOptions>();
    auto* sub = app.add_subcommand("drain", "Move every case away from a center or an officer");
    sub->add_option("--center", o->center, "The center to drain");
    sub->add_option("--officer", o->officer, "The officer to drain");
    detail::on_run(sub, action, o, do_drain);
  }
}

}  // namespace docket::cli
