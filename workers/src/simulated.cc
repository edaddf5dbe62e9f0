#include "docket/worker/simulated.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "docket/core/error.h"
#include "docket/core/hash.h"

namespace docket::worker {
namespace {

// Salts keep the draws for one case independent of each other.
constexpr std::uint64_t kDeclineSalt = 0x6465636c696e65ULL;
constexpr std::uint64_t kEffortSalt = 0x6566666f7274ULL;
constexpr std::uint64_t kOutcomeSalt = 0x6f7574636f6d65ULL;

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char ch : s) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001b3ULL;
  }
  return h;
}

double uniform(std::mt19937_64& g) { return std::uniform_real_distribution<double>(0.0, 1.0)(g); }

void check_share(double v, const char* name) {
  if (!(v >= 0.0 && v <= 1.0)) {
    throw InvalidArgument(std::string(name) + " must be between 0 and 1, got " + std::to_string(v));
  }
}

}  // namespace

OfficerModel::OfficerModel(const Catalog& catalog, SimulatedOptions options)
    : catalog_(catalog), options_(options) {
  check_share(options_.decline_share, "decline share");
  check_share(options_.default_approval_share, "approval share");
  check_share(options_.refer_share, "refer share");
  check_share(options_.transfer_share, "transfer share");
  check_share(options_.refer_share + options_.transfer_share, "refer + transfer share");
  if (!(options_.time_scale > 0.0)) throw InvalidArgument("time scale must be positive");
  if (!(options_.effort_sigma >= 0.0)) throw InvalidArgument("effort sigma must not be negative");
  if (!(options_.default_effort_hours > 0.0))
    throw InvalidArgument("effort hours must be positive");
}

std::mt19937_64 OfficerModel::rng(const Case& c, std::uint64_t salt) const {
  // A case returning from an RFE, or sampled for QA, is a new piece of work: it gets draws of its
  // own instead of repeating those of its first visit.
  const std::uint64_t kind = (c.returning ? 1U : 0U) | (c.qa ? 2U : 0U);
  return std::mt19937_64(
      splitmix64(options_.seed ^ splitmix64(fnv1a(c.receipt) ^ salt) ^ (kind << 56)));
}

const FormPolicy* OfficerModel::form(const std::string& code) const {
  const auto id = catalog_.find_form(code);
  return id ? &catalog_.form(*id) : nullptr;
}

bool OfficerModel::declines(const Case& c) const {
  if (options_.decline_share <= 0.0) return false;
  // Each offer of a case is declined on its own draw: a case offered again (at a new epoch) is
  // not declined again for certain, or a declined case would bounce between queue and desk.
  auto g = rng(c, kDeclineSalt ^ splitmix64(static_cast<std::uint64_t>(c.epoch)));
  return uniform(g) < options_.decline_share;
}

double OfficerModel::effort_hours(const Case& c) const {
  const FormPolicy* f = form(c.form);
  const double mean = f ? f->effort_hours : options_.default_effort_hours;
  if (options_.effort_sigma == 0.0) return mean;
  const double sigma = options_.effort_sigma;
  // For a lognormal, mean = exp(mu + sigma^2 / 2), so this mu keeps the form's mean effort.
  const double mu = std::log(mean) - sigma * sigma / 2.0;
  auto g = rng(c, kEffortSalt);
  return std::lognormal_distribution<double>(mu, sigma)(g);
}

Millis OfficerModel::effort_time(const Case& c) const {
  if (options_.effort_zero) return Millis(0);
  const double ms = effort_hours(c) * 3600.0 * 1000.0 / options_.time_scale;
  return Millis(static_cast<Millis::rep>(std::llround(ms)));
}

Decision OfficerModel::decision(const Case& c) const {
  const FormPolicy* f = form(c.form);
  const double approval =
      f && f->approval_share ? *f->approval_share : options_.default_approval_share;
  auto g = rng(c, kOutcomeSalt);
  const double u = uniform(g);
  const double v = uniform(g);
  Decision d;
  if (c.qa) {
    d.outcome = u < approval ? Outcome::kApprove : Outcome::kDeny;
    return d;
  }
  const double rfe = f && !c.returning ? f->rfe_rate : 0.0;
  if (u < rfe) {
    d.outcome = Outcome::kRequestEvidence;
    return d;
  }
  // The rest of the draw, rescaled, picks among the final outcomes.
  const double w = rfe < 1.0 ? (u - rfe) / (1.0 - rfe) : 0.0;
  if (w < options_.refer_share) {
    d.outcome = Outcome::kRefer;
    d.note = "FDNS";
    return d;
  }
  if (w < options_.refer_share + options_.transfer_share && f) {
    std::vector<std::string> others;
    for (const CenterId id : f->centers) {
      if (catalog_.center(id).code != c.center) others.push_back(catalog_.center(id).code);
    }
    if (!others.empty()) {
      d.outcome = Outcome::kTransfer;
      d.to =
          others[static_cast<std::size_t>(v * static_cast<double>(others.size())) % others.size()];
      return d;
    }
  }
  d.outcome = v < approval ? Outcome::kApprove : Outcome::kDeny;
  return d;
}

SimulatedBehaviour::SimulatedBehaviour(const Catalog& catalog, SimulatedOptions options)
    : model_(catalog, options) {}

std::size_t SimulatedBehaviour::backlog() const { return officer_of_.size(); }

void SimulatedBehaviour::forget(const std::string& receipt) {
  auto it = officer_of_.find(receipt);
  if (it == officer_of_.end()) return;
  OfficerWork& w = work_[it->second];
  std::erase(w.waiting, receipt);
  if (w.current == receipt) w.current.clear();  // tick() starts the next one.
  officer_of_.erase(it);
}

void SimulatedBehaviour::on_event(Desk& desk, const Event& e) {
  switch (e.kind) {
    case Event::Kind::kOffer: {
      forget(e.receipt);  // An offer again voids any work on an earlier holding of the case.
      try {
        if (model_.declines(*e.info)) {
          desk.decline(e.receipt, "simulated decline");
        } else {
          desk.accept(e.receipt);
        }
      } catch (const InvalidArgument& ex) {
        spdlog::debug("simulated: offer {} not answered: {}", e.receipt, ex.what());
      }
      break;
    }
    case Event::Kind::kAssigned: {
      if (officer_of_.contains(e.receipt)) break;  // Already on the officer's pile.
      const std::string officer = e.officer.empty() ? desk.officers().front().id : e.officer;
      officer_of_[e.receipt] = officer;
      work_[officer].waiting.push_back(e.receipt);
      break;
    }
    case Event::Kind::kLost:
    case Event::Kind::kDecided:
    case Event::Kind::kDeclined:
      forget(e.receipt);
      break;
    case Event::Kind::kRefused: {
      // A decision refused as malformed goes back to the officer's pile to be decided again;
      // any other refusal means the case has left this desk.
      const HeldCase* h = desk.find(e.receipt);
      if (!h) forget(e.receipt);
      break;
    }
    default:
      break;
  }
}

void SimulatedBehaviour::start_next(Desk& desk, const std::string& officer) {
  OfficerWork& w = work_[officer];
  while (w.current.empty() && !w.waiting.empty()) {
    std::string receipt = std::move(w.waiting.front());
    w.waiting.pop_front();
    const HeldCase* h = desk.find(receipt);
    if (!h || h->stage != Stage::kAssigned) {
      officer_of_.erase(receipt);
      continue;
    }
    w.current = std::move(receipt);
    w.finish = desk.clock().monotonic() + model_.effort_time(h->info);
    due_.emplace(w.finish, officer);
  }
}

Millis SimulatedBehaviour::tick(Desk& desk) {
  const Millis now = desk.clock().monotonic();
  // Idle officers pick up their next case.
  for (auto& [officer, w] : work_) {
    if (w.current.empty() && !w.waiting.empty()) start_next(desk, officer);
  }
  // Finished work is decided; deciding frees the officer for the next case, which may be due at
  // once too (zero effort), so this runs until nothing more is due now.
  while (!due_.empty() && due_.begin()->first <= now) {
    const std::string officer = due_.begin()->second;
    const Millis at = due_.begin()->first;
    due_.erase(due_.begin());
    OfficerWork& w = work_[officer];
    if (w.current.empty() || w.finish != at) continue;  // Work that was lost meanwhile.
    const std::string receipt = std::exchange(w.current, {});
    officer_of_.erase(receipt);
    const HeldCase* h = desk.find(receipt);
    if (h && h->stage == Stage::kAssigned) {
      try {
        desk.decide(receipt, model_.decision(h->info));
      } catch (const InvalidArgument& ex) {
        spdlog::warn("simulated: cannot decide {}: {}", receipt, ex.what());
      }
    }
    start_next(desk, officer);
  }
  if (due_.empty()) return Millis(100);
  return std::max(Millis(0), due_.begin()->first - now);
}

}  // namespace docket::worker
