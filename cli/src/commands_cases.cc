// Case commands: submit, import, status, explain, respond, hold, release.

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <tuple>

#include "commands.h"
#include "docket/cli/case_input.h"
#include "docket/cli/format.h"
#include "docket/cli/progress.h"
#include "docket/cli/render.h"

namespace docket::cli {
namespace {

using nlohmann::json;

struct SubmitOptions {
  RawCase raw;
};

int do_submit(Context& ctx, const SubmitOptions& o) {
  json c;
  try {
    c = make_new_case(o.raw);
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
  const json result = ctx.session().call("submit", {{"cases", json::array({c})}});
  if (ctx.json) {
    print_json(*ctx.out, result);
  } else if (result.value("accepted", 0) > 0) {
    *ctx.out << c["receipt"].get<std::string>() << ": accepted\n";
  } else if (result.value("duplicates", 0) > 0) {
    *ctx.out << c["receipt"].get<std::string>() << ": already known (duplicate, nothing changed)\n";
  }
  const auto rejected = result.find("rejected");
  if (rejected != result.end() && rejected->is_array() && !rejected->empty()) {
    const auto& r = rejected->front();
    *ctx.err << "docketctl: the scheduler refused " << c["receipt"].get<std::string>() << ": "
             << r.value("code", std::string("refused")) << ": " << r.value("message", std::string())
             << '\n';
    return to_int(ExitCode::kRefused);
  }
  return to_int(ExitCode::kOk);
}

struct ImportOptions {
  std::string file;
  std::string format;
  std::size_t batch = 1000;
  std::size_t window = 4;
};

// What an import has done so far, for the summary whatever way it ends.
struct ImportTally {
  std::size_t lines = 0;  // Case lines read, good or bad.
  std::int64_t accepted = 0;
  std::int64_t duplicates = 0;
  json rejected = json::array();  // By the scheduler: {line, receipt, code, message}.
  json invalid = json::array();   // Here: {line, receipt, message}.
  std::size_t in_flight = 0;      // Cases sent whose answer has not come.
};

void print_summary(Context& ctx, const std::string& name, const ImportTally& t) {
  if (ctx.json) {
    print_json(*ctx.out, {{"file", name},
                          {"lines", t.lines},
                          {"accepted", t.accepted},
                          {"duplicates", t.duplicates},
                          {"rejected", t.rejected},
                          {"invalid", t.invalid},
                          {"unconfirmed", t.in_flight}});
    return;
  }
  *ctx.out << name << ": " << format_count(static_cast<std::int64_t>(t.lines))
           << " cases read: " << format_count(t.accepted) << " accepted, "
           << format_count(t.duplicates) << " duplicates, "
           << format_count(static_cast<std::int64_t>(t.rejected.size()))
           << " rejected by the scheduler, "
           << format_count(static_cast<std::int64_t>(t.invalid.size())) << " invalid lines";
  if (t.in_flight > 0)
    *ctx.out << ", " << format_count(static_cast<std::int64_t>(t.in_flight)) << " unconfirmed";
  *ctx.out << '\n';
}

int do_import(Context& ctx, const ImportOptions& o) {
  std::optional<InputFormat> format;
  if (!o.format.empty()) {
    format = parse_format(o.format);
    if (!format) throw UsageError("--format: expected csv or jsonl, got '" + o.format + "'");
  } else if (o.file != "-") {
    format = format_for_path(o.file);
    if (!format) {
      throw UsageError(o.file +
                       ": cannot tell the format from the name (.csv, .jsonl); use --format");
    }
  } else {
    throw UsageError("reading stdin: give --format csv or --format jsonl");
  }
  const std::string name = o.file == "-" ? "<stdin>" : o.file;
  std::ifstream file;
  if (o.file != "-") {
    file.open(o.file, std::ios::binary);
    if (!file) throw UsageError("cannot read " + o.file + ": " + std::strerror(errno));
  }
  std::istream& in = o.file == "-" ? std::cin : file;
  CaseReader reader(in, *format, name);  // Throws InvalidArgument for a bad header: exit 1.

  std::optional<std::size_t> total;
  struct stat st {};
  if (o.file != "-" && ::stat(o.file.c_str(), &st) == 0 && S_ISREG(st.st_mode))
    total = count_case_lines(o.file, *format);
  Progress progress(*ctx.err, ctx.progress && ctx.err_is_terminal, total);

  Batcher batcher(o.batch, protocol::DEFAULT_MAX_MESSAGE_BYTES);
  struct Sent {
    std::int64_t id;
    Batch batch;
  };
  std::deque<Sent> sent;
  ImportTally t;
  std::size_t answered = 0;  // Lines dealt with: invalid, or sent and answered.
  std::optional<Refused> refused;
  Session& session = ctx.session();

  auto report = [&](std::size_t line, const std::string& receipt, const std::string& why) {
    // A progress bar on the same terminal would be overwritten mid-line; start a fresh one.
    if (ctx.progress && ctx.err_is_terminal) *ctx.err << "\r\x1b[K";
    *ctx.err << name << ":" << line << ": " << (receipt.empty() ? "" : receipt + ": ") << why
             << '\n';
  };
  auto collect = [&] {
    Sent s = std::move(sent.front());
    sent.pop_front();
    Answer a = session.wait(s.id);
    t.in_flight -= s.batch.lines.size();
    if (a.refused) {
      // The whole batch was refused; later batches would fare no better (too_large, bad_request,
      // unavailable), so the import stops, and what was confirmed is in the summary.
      refused = std::move(a.refused);
      report(s.batch.lines.front(), "",
             "batch of " + std::to_string(s.batch.lines.size()) + " cases (to line " +
                 std::to_string(s.batch.lines.back()) + ") refused: " + refused->code() + ": " +
                 refused->what());
      return;
    }
    t.accepted += a.result.value("accepted", std::int64_t{0});
    t.duplicates += a.result.value("duplicates", std::int64_t{0});
    if (const auto r = a.result.find("rejected"); r != a.result.end() && r->is_array()) {
      for (const auto& e : *r) {
        const auto index = e.value("index", std::int64_t{-1});
        const bool known = index >= 0 && static_cast<std::size_t>(index) < s.batch.lines.size();
        const std::size_t line = known ? s.batch.lines[static_cast<std::size_t>(index)] : 0;
        const std::string receipt = e.value(
            "receipt",
            known ? s.batch.cases[static_cast<std::size_t>(index)].value("receipt", "") : "");
        const std::string code = e.value("code", std::string("rejected"));
        const std::string message = e.value("message", std::string());
        report(line, receipt, code + ": " + message);
        t.rejected.push_back(
            {{"line", line}, {"receipt", receipt}, {"code", code}, {"message", message}});
      }
    }
    answered += s.batch.lines.size();
    progress.update(answered);
  };
  auto send = [&](Batch b) {
    t.in_flight += b.lines.size();
    const auto id = session.send("submit", {{"cases", b.cases}});
    sent.push_back({id, std::move(b)});
    while (!refused && sent.size() >= std::max<std::size_t>(o.window, 1)) collect();
  };

  try {
    while (!refused) {
      auto item = reader.next();
      if (!item) break;
      ++t.lines;
      if (!item->ok()) {
        report(item->line, item->receipt, item->error);
        t.invalid.push_back(
            {{"line", item->line}, {"receipt", item->receipt}, {"message", item->error}});
        progress.update(++answered);
        continue;
      }
      std::optional<Batch> full;
      try {
        full = batcher.add(*item);
      } catch (const InvalidArgument& e) {
        report(item->line, item->receipt, e.what());
        t.invalid.push_back(
            {{"line", item->line}, {"receipt", item->receipt}, {"message", e.what()}});
        continue;
      }
      if (full) send(std::move(*full));
    }
    if (!refused) {
      if (auto last = batcher.flush()) send(std::move(*last));
    }
    // Batches already sent may have been taken even after a refusal; their answers count.
    while (!sent.empty()) collect();
  } catch (const TimeoutError&) {
    progress.finish();
    print_summary(ctx, name, t);
    throw;
  }
  progress.finish();
  print_summary(ctx, name, t);
  if (refused) {
    *ctx.err << "docketctl: the scheduler refused: " << refused->code() << ": " << refused->what()
             << '\n';
    return to_int(refused->not_found() ? ExitCode::kNotFound : ExitCode::kRefused);
  }
  return t.rejected.empty() && t.invalid.empty() ? to_int(ExitCode::kOk)
                                                 : to_int(ExitCode::kPartial);
}

struct ReceiptOptions {
  std::string receipt;
  std::string note;
};

// `respond`, `hold`, `release`: one transition of one case, answered with its new state.
int do_transition(Context& ctx, const std::string& cmd, const ReceiptOptions& o) {
  detail::check_receipt(o.receipt);
  json args = {{"receipt", o.receipt}};
  if (!o.note.empty()) args["note"] = o.note;
  const json result = ctx.session().call(cmd, args);
  if (ctx.json) {
    print_json(*ctx.out, result);
  } else {
    *ctx.out << o.receipt << ": " << cell_text(result.value("state", json(nullptr)));
    if (result.contains("epoch")) *ctx.out << " (epoch " << cell_text(result["epoch"]) << ")";
    *ctx.out << '\n';
  }
  return to_int(ExitCode::kOk);
}

}  // namespace

void register_case_commands(CLI::App& app, Action& action) {
  {
    auto o = std::make_shared<SubmitOptions>();
    auto* sub = app.add_subcommand("submit", "Submit one case");
    sub->add_option("--receipt", o->raw.receipt, "Receipt number, e.g. EAC2590012345")->required();
    sub->add_option("--form", o->raw.form, "Form type, e.g. I-485")->required();
    sub->add_option("--priority", o->raw.priority,
                    "normal (default), expedite, premium, litigation");
    sub->add_option(
        "--received", o->raw.received,
        "When received: Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default now)");
    sub->add_option("--center", o->raw.center, "Home center (default: from the receipt prefix)");
    sub->add_option("--field-office", o->raw.field_office, "The applicant's field office");
    sub->add_option("--language", o->raw.language, "Language the case needs");
    sub->add_option("--court-date", o->raw.court_date, "YYYY-MM-DD; required for litigation");
    sub->add_option("--category", o->raw.category, "Category within the form");
    detail::on_run(sub, action, o, do_submit);
  }
  {
    auto o = std::make_shared<ImportOptions>();
    auto* sub = app.add_subcommand(
        "import", "Import cases from a CSV file (with a header) or JSON lines; '-' for stdin");
    sub->add_option("file", o->file, "The file")->required();
    sub->add_option("--format", o->format, "csv or jsonl (default: from the file name)");
    sub->add_option("--batch", o->batch, "Cases per submit request (at most 10,000)")
        ->check(CLI::Range(1, 10'000))
        ->capture_default_str();
    sub->add_option("--window", o->window, "Submit requests in flight at once")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    sub->footer("Columns and keys: " + [] {
      std::string s;
      for (const auto& n : CaseReader::field_names()) s += (s.empty() ? "" : ", ") + n;
      return s;
    }() + ".\nBad lines are reported as FILE:LINE: reason; the good ones are still imported.");
    detail::on_run(sub, action, o, do_import);
  }
  struct Simple {
    const char* name;
    const char* help;
    void (*render)(std::ostream&, const json&);
  };
  for (const Simple& s :
       {Simple{"status", "A case and its history", render_status},
        Simple{"explain", "Why a case is (not) assigned, and to whom", render_explain}}) {
    auto o = std::make_shared<ReceiptOptions>();
    auto* sub = app.add_subcommand(s.name, s.help);
    sub->add_option("receipt", o->receipt, "Receipt number")->required();
    const std::string cmd = s.name;
    const auto render = s.render;
    detail::on_run(sub, action, o, [cmd, render](Context& ctx, const ReceiptOptions& opts) {
      detail::check_receipt(opts.receipt);
      return detail::show(ctx, ctx.session().call(cmd, {{"receipt", opts.receipt}}), render);
    });
  }
  for (const auto& [name, help, with_note] :
       {std::tuple{"respond", "The applicant answered a request for evidence", false},
        std::tuple{"hold", "Put a case on hold", true},
        std::tuple{"release", "Release a case from hold", true}}) {
    auto o = std::make_shared<ReceiptOptions>();
    auto* sub = app.add_subcommand(name, help);
    sub->add_option("receipt", o->receipt, "Receipt number")->required();
    if (with_note) sub->add_option("--note", o->note, "A note for the audit trail");
    const std::string cmd = name;
    detail::on_run(sub, action, o, [cmd](Context& ctx, const ReceiptOptions& opts) {
      return do_transition(ctx, cmd, opts);
    });
  }
}

}  // namespace docket::cli
