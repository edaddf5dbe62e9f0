// Officer commands: officer add, officer update, officer remove, officers, my-cases.

#include <deque>

#include "commands.h"
#include "docket/cli/case_input.h"
#include "docket/cli/format.h"
#include "docket/cli/officer_input.h"
#include "docket/cli/render.h"
#include "docket/core/types.h"

namespace docket::cli {
namespace {

using nlohmann::json;

struct AddOptions {
  RawOfficer raw;
  bool senior = false;
  std::string from;
  std::string format;
  std::size_t window = 16;
};

// Adds every officer of a roster file; one officer.add each, several in flight. Bad entries
// and refusals are reported by line, and the others are still added.
int add_from_file(Context& ctx, const AddOptions& o) {
  std::string format = o.format;
  if (format.empty()) {
    const auto dot = o.from.rfind('.');
    format = dot == std::string::npos ? "" : o.from.substr(dot + 1);
  }
  const std::string name = o.from == "-" ? "<stdin>" : o.from;
  std::vector<OfficerLine> lines;
  if (format == "csv") {
    lines = parse_officers_csv(detail::read_input(o.from), name);
  } else if (format == "yaml" || format == "yml") {
    lines = parse_officers_yaml(detail::read_input(o.from), name);
  } else {
    throw UsageError(name + ": expected a .csv, .yaml or .yml roster, or --format csv|yaml");
  }
  Session& session = ctx.session();
  std::deque<std::pair<std::int64_t, const OfficerLine*>> sent;
  json added = json::array();
  json failed = json::array();
  auto fail = [&](const OfficerLine& l, const std::string& why) {
    const std::string id = l.value.is_object() ? l.value.value("officer", "") : "";
    *ctx.err << name << ":" << l.line << ": " << (id.empty() ? "" : id + ": ") << why << '\n';
    failed.push_back({{"line", l.line}, {"officer", id}, {"message", why}});
  };
  auto collect = [&] {
    auto [id, line] = sent.front();
    sent.pop_front();
    Answer a = session.wait(id);
    if (a.refused) {
      fail(*line, a.refused->code() + ": " + a.refused->what());
    } else {
      added.push_back(a.result.value("officer", line->value.value("officer", "")));
    }
  };
  for (const auto& l : lines) {
    if (!l.ok()) {
      fail(l, l.error);
      continue;
    }
    sent.emplace_back(session.send("officer.add", {{"officer", l.value}}), &l);
    while (sent.size() >= o.window) collect();
  }
  while (!sent.empty()) collect();
  if (ctx.json) {
    print_json(*ctx.out, {{"added", added}, {"failed", failed}});
  } else {
    *ctx.out << name << ": " << format_count(static_cast<std::int64_t>(added.size()))
             << " officers added, " << format_count(static_cast<std::int64_t>(failed.size()))
             << " failed\n";
  }
  return failed.empty() ? to_int(ExitCode::kOk) : to_int(ExitCode::kPartial);
}

int do_add(Context& ctx, const AddOptions& o) {
  if (!o.from.empty()) {
    if (!o.raw.id.empty() || !o.raw.center.empty())
      throw UsageError("officer add: give --from FILE or the officer's flags, not both");
    return add_from_file(ctx, o);
  }
  RawOfficer raw = o.raw;
  if (o.senior) raw.senior = "true";
  json officer;
  try {
    officer = make_officer(raw);
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
  const json result = ctx.session().call("officer.add", {{"officer", officer}});
  if (ctx.json) {
    print_json(*ctx.out, result);
  } else {
    *ctx.out << "added " << cell_text(result.value("officer", officer["officer"])) << '\n';
  }
  return to_int(ExitCode::kOk);
}

struct UpdateOptions {
  std::string officer;
  std::optional<int> capacity;
  std::string presence;
  std::vector<std::string> skills;
};

int do_update(Context& ctx, const UpdateOptions& o) {
  json args = {{"officer", o.officer}};
  if (o.capacity) args["capacity"] = *o.capacity;
  if (!o.presence.empty()) {
    const auto p = parse_presence(o.presence);
    if (!p)
      throw UsageError("--presence: expected available, away or offline, got '" + o.presence + "'");
    args["presence"] = std::string(to_string(*p));
  }
  if (!o.skills.empty()) {
    json skills = json::object();
    try {
      for (const auto& s : o.skills) add_skill(skills, s, 0);
    } catch (const InvalidArgument& e) {
      throw UsageError(e.what());
    }
    args["skills"] = skills;
  }
  if (args.size() == 1) throw UsageError("officer update: give --capacity, --presence or --skill");
  return detail::show(ctx, ctx.session().call("officer.update", args), render_officers);
}

struct RemoveOptions {
  std::string officer;
  std::string reason;
  bool yes = false;
};

int do_remove(Context& ctx, const RemoveOptions& o) {
  // It cannot be undone from here: the id is not used again (docs/operations.md).
  if (!o.yes)
    throw UsageError("officer remove: takes " + o.officer +
                     " off the roster for good, returning their cases to the queues; add --yes");
  json args = {{"officer", o.officer}};
  if (!o.reason.empty()) args["reason"] = o.reason;
  const json result = ctx.session().call("officer.remove", args);
  if (ctx.json) {
    print_json(*ctx.out, result);
  } else {
    *ctx.out << "removed " << o.officer << ": "
             << cell_text(result.value("reclaimed", json(nullptr)))
             << " cases returned to their queues\n";
  }
  return to_int(ExitCode::kOk);
}

struct ListOptions {
  std::string center;
  std::string officer;
};

}  // namespace

void register_officer_commands(CLI::App& app, Action& action) {
  auto* officer = app.add_subcommand("officer", "Add, update or remove an officer");
  officer->require_subcommand(1);
  {
    auto o = std::make_shared<AddOptions>();
    auto* sub =
        officer->add_subcommand("add", "Add an officer (flags), or every officer of a roster file");
    sub->add_option("--id", o->raw.id, "Officer id, e.g. ISO-CSC-00001");
    sub->add_option("--center", o->raw.center, "The officer's center");
    sub->add_option("--skill", o->raw.skills, "FORM:LEVEL (level 1-5); repeat for more")
        ->take_all();
    sub->add_option("--language", o->raw.languages, "A language spoken; repeat for more")
        ->take_all();
    sub->add_option("--clearance", o->raw.clearance, "public_trust (default), secret, top_secret");
    sub->add_option("--capacity", o->raw.capacity, "Concurrent cases (>= 1)");
    sub->add_option("--presence", o->raw.presence, "available (default), away, offline");
    sub->add_flag("--senior", o->senior, "May review other officers' decisions (QA)");
    sub->add_option("--from", o->from,
                    "A roster file (CSV or YAML, config/README.md); '-' for stdin");
    sub->add_option("--format", o->format, "csv or yaml (default: from the --from file name)");
    detail::on_run(sub, action, o, do_add);
  }
  {
    auto o = std::make_shared<UpdateOptions>();
    auto* sub =
        officer->add_subcommand("update", "Change an officer's capacity, presence or skills");
    sub->add_option("officer", o->officer, "Officer id")->required();
    sub->add_option("--capacity", o->capacity, "Concurrent cases")->check(CLI::PositiveNumber);
    sub->add_option("--presence", o->presence, "available, away or offline");
    sub->add_option("--skill", o->skills,
                    "FORM:LEVEL (level 1-5, 0 removes the certification); the others stay; "
                    "repeat for more")
        ->take_all();
    detail::on_run(sub, action, o, do_update);
  }
  {
    auto o = std::make_shared<RemoveOptions>();
    auto* sub = officer->add_subcommand(
        "remove", "Take an officer off the roster for good; their cases go back to the queues");
    sub->add_option("officer", o->officer, "Officer id")->required();
    sub->add_option("--reason", o->reason, "Why, for the cases' histories");
    sub->add_flag("--yes", o->yes, "Remove without asking (required)");
    detail::on_run(sub, action, o, do_remove);
  }
  {
    auto o = std::make_shared<ListOptions>();
    auto* sub = app.add_subcommand("officers", "The roster with load and connection");
    sub->add_option("--center", o->center, "Only this center");
    detail::on_run(sub, action, o, [](Context& ctx, const ListOptions& opts) {
      json args = json::object();
      if (!opts.center.empty()) args["center"] = opts.center;
      return detail::show(ctx, ctx.session().call("officers", args), render_officers);
    });
  }
  {
    auto o = std::make_shared<ListOptions>();
    auto* sub = app.add_subcommand("my-cases", "The cases an officer holds (offered or assigned)");
    sub->add_option("officer", o->officer, "Officer id")->required();
    detail::on_run(sub, action, o, [](Context& ctx, const ListOptions& opts) {
      return detail::show(ctx, ctx.session().call("my-cases", {{"officer", opts.officer}}),
                          render_cases);
    });
  }
}

}  // namespace docket::cli
