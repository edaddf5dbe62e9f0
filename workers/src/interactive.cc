#include "docket/worker/interactive.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

#include "docket/core/error.h"

namespace docket::worker {
namespace {

constexpr const char* kHelp =
    "commands:\n"
    "  accept <receipt>\n"
    "  decline <receipt> [reason...]\n"
    "  recuse <receipt> [reason...]\n"
    "  decide <receipt> approve|deny|rfe|refer|transfer [center|note...]\n"
    "  pull [officer]\n"
    "  presence available|away|offline [officer]\n"
    "  cases\n"
    "  help\n"
    "  quit";

std::vector<std::string> words(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(std::move(w));
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  return s;
}

std::string rest(const std::vector<std::string>& w, std::size_t from) {
  std::string s;
  for (std::size_t i = from; i < w.size(); ++i) {
    if (!s.empty()) s += ' ';
    s += w[i];
  }
  return s;
}

std::string describe(const Case& c, const DeskClock& clock) {
  std::string s = c.receipt + " " + (c.form.empty() ? "?" : c.form) + " " + c.priority;
  if (!c.center.empty()) s += " at " + c.center;
  if (c.deadline) {
    s +=
        ", deadline " + docket::to_string(Date(std::chrono::floor<std::chrono::days>(*c.deadline)));
  }
  if (c.qa) s += ", QA review (approve or deny)";
  if (c.returning) s += ", returning from RFE";
  if (c.expires) {
    const auto left = (*c.expires - clock.now()).count();
    s += ", expires in " + std::to_string(std::max<long long>(0, left)) + " s";
  }
  if (!c.officer.empty()) s += " [" + c.officer + "]";
  return s;
}

}  // namespace

InteractiveBehaviour::InteractiveBehaviour(int input_fd, std::FILE* out)
    : fd_(input_fd), out_(out) {}

void InteractiveBehaviour::on_event(Desk& desk, const Event& e) {
  std::string line;
  switch (e.kind) {
    case Event::Kind::kWelcome:
      line = "registered (session " + e.message + "), " + std::to_string(e.count) +
             " case(s) resumed; type 'help' for commands";
      break;
    case Event::Kind::kRejected:
      line = e.officer.empty() ? "no officer accepted: " + e.message
                               : "officer " + e.officer + " rejected: " + e.code + " " + e.message;
      break;
    case Event::Kind::kOffer:
      line = "OFFER    " + describe(*e.info, desk.clock());
      break;
    case Event::Kind::kAssigned:
      line = "ASSIGNED " + describe(*e.info, desk.clock());
      break;
    case Event::Kind::kDeclined:
      line = "declined " + e.receipt;
      break;
    case Event::Kind::kDecided:
      line = "decided  " + e.receipt + " " +
             std::string(e.decision ? wire_name(e.decision->outcome) : "") +
             (e.code.empty() ? "" : " -> " + e.code) + (e.duplicate ? " (already recorded)" : "");
      break;
    case Event::Kind::kRefused:
      line = "refused  " + e.receipt + ": " + e.code + " " + e.message;
      break;
    case Event::Kind::kLost:
      line = "LOST     " + e.receipt + " (" + e.code + ")";
      break;
    case Event::Kind::kPullResult:
      line = "pull for " + e.officer + ": " + std::to_string(e.count) + " offer(s)";
      break;
    case Event::Kind::kPresenceSet:
      line = "presence of " + e.officer + " recorded";
      break;
    case Event::Kind::kError:
      line = "error: " + e.code + " " + e.message;
      break;
    case Event::Kind::kShutdown:
      line = "scheduler stopping (" + e.message + "); reconnecting";
      break;
    case Event::Kind::kDisconnected:
      line = "disconnected: " + e.message;
      break;
  }
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

Millis InteractiveBehaviour::tick(Desk& desk) {
  constexpr Millis kPollEvery{50};
  if (eof_ || quit_) return kPollEvery;
  // Read whatever is typed without blocking the loop, so heartbeats keep going while the officer
  // thinks.
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP)) == 0) break;
    char buf[4096];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) {
      eof_ = true;
      break;
    }
    partial_.append(buf, static_cast<std::size_t>(n));
  }
  for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n')) {
    const std::string line = partial_.substr(0, nl);
    partial_.erase(0, nl + 1);
    const std::string out = execute(desk, line);
    if (!out.empty()) {
      std::fprintf(out_, "%s\n", out.c_str());
      std::fflush(out_);
    }
    if (quit_) break;
  }
  return kPollEvery;
}

std::string InteractiveBehaviour::default_officer(const Desk& desk,
                                                  const std::string& given) const {
  if (!given.empty()) return given;
  if (desk.officers().size() == 1) return desk.officers().front().id;
  throw InvalidArgument("this desk plays several officers: name one");
}

std::string InteractiveBehaviour::execute(Desk& desk, std::string_view line) {
  const auto w = words(line);
  if (w.empty()) return {};
  const std::string& cmd = w[0];
  try {
    if (cmd == "help" || cmd == "?") return kHelp;
    if (cmd == "quit" || cmd == "exit") {
      quit_ = true;
      return "bye";
    }
    if (cmd == "cases") {
      if (desk.cases().empty()) return "no cases";
      std::string s;
      for (const auto& [receipt, c] : desk.cases()) {
        if (!s.empty()) s += '\n';
        s += std::string(to_string(c.stage)) + "  " + describe(c.info, desk.clock()) + " epoch " +
             std::to_string(c.info.epoch);
      }
      return s;
    }
    if ((cmd == "accept" || cmd == "decline" || cmd == "recuse" || cmd == "decide") &&
        w.size() < 2) {
      return cmd + ": which receipt?";
    }
    if (cmd == "accept") {
      if (!desk.accept(upper(w[1]))) return "offer " + upper(w[1]) + " has expired; dropped";
      return "accepting " + upper(w[1]);
    }
    if (cmd == "decline" || cmd == "recuse") {
      desk.decline(upper(w[1]), rest(w, 2), cmd == "recuse");
      return "declining " + upper(w[1]);
    }
    if (cmd == "decide") {
      if (w.size() < 3) return "decide: which outcome? approve|deny|rfe|refer|transfer";
      const auto outcome = parse_wire_outcome(w[2]);
      if (!outcome) return "decide: unknown outcome '" + w[2] + "'";
      Decision d{.outcome = *outcome};
      if (*outcome == Outcome::kTransfer) {
        if (w.size() < 4) return "decide: a transfer names the receiving center";
        d.to = upper(w[3]);
        d.note = rest(w, 4);
      } else {
        d.note = rest(w, 3);
      }
      desk.decide(upper(w[1]), d);
      return "deciding " + upper(w[1]) + " " + std::string(wire_name(*outcome));
    }
    if (cmd == "pull") {
      const std::string officer = default_officer(desk, w.size() > 1 ? w[1] : "");
      desk.pull(officer);
      return "pulling for " + officer;
    }
    if (cmd == "presence") {
      if (w.size() < 2) return "presence: available, away or offline?";
      const auto p = parse_presence(w[1]);
      if (!p) return "presence: unknown presence '" + w[1] + "'";
      const std::string officer = default_officer(desk, w.size() > 2 ? w[2] : "");
      desk.set_presence(officer, *p);
      return "presence of " + officer + ": " + std::string(to_string(*p));
    }
  } catch (const InvalidArgument& e) {
    return cmd + ": " + e.what();
  }
  return "unknown command '" + cmd + "'; type 'help'";
}

}  // namespace docket::worker
