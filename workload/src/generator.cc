#include "docket/workload/generator.h"

#include <algorithm>
#include <cmath>

#include "docket/core/deadline.h"
#include "docket/core/error.h"

namespace docket::workload {
namespace {

using std::chrono::days;
using std::chrono::seconds;

constexpr double kSecondsPerMonth = 365.2425 * 86'400 / 12;

}  // namespace

Generator::Generator(const Catalog& catalog, const BusinessCalendar& calendar,
                     const std::vector<Officer>& roster, GeneratorOptions options)
    : catalog_(catalog), calendar_(calendar), options_(std::move(options)), rng_(options_.seed) {
  // Officers certified per (form, center) weigh where a form's cases are received.
  const auto& forms = catalog_.forms();
  centers_.resize(forms.size());
  for (const auto& form : forms) {
    std::vector<CenterId> candidates = form.centers;
    if (candidates.empty()) {
      for (const auto& c : catalog_.centers()) {
        if (c.kind == CenterKind::kServiceCenter) candidates.push_back(c.id);
      }
    }
    std::vector<double> weights;
    for (CenterId c : candidates) {
      double w = 0;
      for (const auto& o : roster) w += o.center == c && o.level(form.skill) > 0 ? 1 : 0;
      weights.push_back(w);
    }
    if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0; })) {
      std::fill(weights.begin(), weights.end(), 1.0);  // No officer yet: spread evenly.
    }
    centers_[form.id] = candidates;
    center_pick_.emplace_back(weights.begin(), weights.end());
  }
  backlog_mix_ = make_mix(true);
  receipt_mix_ = make_mix(false);
}

Generator::Mix Generator::make_mix(bool pending) {
  Mix mix;
  std::vector<double> weights;
  for (const auto& form : catalog_.forms()) {
    std::optional<std::int64_t> figure = pending ? form.pending : form.annual_receipts;
    const auto& assumed = pending ? options_.assumed_pending : options_.assumed_receipts;
    if (auto it = assumed.find(form.code); it != assumed.end()) figure = it->second;
    if (!figure || *figure <= 0 || centers_[form.id].empty()) {
      left_out_.push_back(form.code + (pending ? " (pending)" : " (annual receipts)"));
      continue;
    }
    mix.forms.push_back(form.id);
    weights.push_back(static_cast<double>(*figure));
  }
  if (mix.forms.empty()) {
    throw InvalidArgument(std::string("no form carries ") +
                          (pending ? "a pending count" : "an annual receipts figure") +
                          " to build a workload mix from");
  }
  mix.pick = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
  return mix;
}

ReceiptNumber Generator::next_receipt(CenterId center, TimePoint received) {
  const Center& c = catalog_.center(center);
  const auto prefix =
      c.receipt_prefixes.empty() ? ReceiptNumber::Prefix::kIOE : c.receipt_prefixes.front();
  // Federal fiscal years start on October 1.
  const auto ymd = std::chrono::year_month_day(std::chrono::floor<days>(received));
  const int year = static_cast<int>(ymd.year());
  const int fy = unsigned(ymd.month()) >= 10 ? year + 1 : year;
  const auto fy_start = std::chrono::sys_days(std::chrono::year(fy - 1) / 10 / 1);
  const int day = static_cast<int>((std::chrono::floor<days>(received) - fy_start).count()) + 1;
  // Five digits of sequence per (prefix, fiscal year, workday). A day past 99,999 receipts
  // spills into the 900-series workday codes (as electronic intake does), shared by the year.
  const std::uint64_t year_key =
      (static_cast<std::uint64_t>(prefix) << 32) | (static_cast<std::uint64_t>(fy % 100) << 16);
  std::uint64_t day_code = static_cast<std::uint64_t>(day);
  std::uint32_t& next = sequence_[year_key | day_code];  // One lookup; the value stays put.
  std::uint32_t seq = next;
  if (seq < 100'000) {
    ++next;
  } else {
    seq = sequence_[year_key]++;  // Day code 0 never occurs, so it keys the spill counter.
    day_code = 900 + seq / 100'000;
    if (day_code > 999) {
      throw InvalidArgument("more than 10 million receipts in one fiscal year for prefix " +
                            std::string(ReceiptNumber::prefix_text(prefix)));
    }
  }
  const std::uint64_t digits = static_cast<std::uint64_t>(fy % 100) * 100'000'000ULL +
                               day_code * 100'000ULL + seq % 100'000;
  return ReceiptNumber::make(prefix, digits);
}

Case Generator::make(FormId form_id, TimePoint received, TimePoint now) {
  const FormPolicy& form = catalog_.form(form_id);
  auto chance = [this](double p) { return std::bernoulli_distribution(p)(rng_); };
  Case c;
  c.form = form_id;
  c.center = centers_[form_id][center_pick_[form_id](rng_)];
  if (form.interview) c.field_office = c.center;
  c.receipt = next_receipt(c.center, received);
  c.received = received;
  if (chance(options_.litigation_share)) {
    c.priority = Priority::kLitigation;
    const int until_court = std::uniform_int_distribution<int>(30, 365)(rng_);
    c.court_date = std::chrono::year_month_day(std::chrono::floor<days>(now) + days(until_court));
  } else if (form.premium_business_days && chance(options_.premium_share)) {
    c.priority = Priority::kPremium;
  } else if (chance(options_.expedite_share)) {
    c.priority = Priority::kExpedite;
  }
  if (catalog_.language_count() > 0 && chance(options_.language_share)) {
    c.language = static_cast<LanguageId>(std::uniform_int_distribution<std::size_t>(
        0, catalog_.language_count() - 1)(rng_));
  }
  if (chance(options_.controlled_share)) c.clearance = Clearance::kSecret;
  c.deadline = compute_deadline(c, form, catalog_.center(c.center), calendar_,
                                options_.fallback_deadline_days);
  c.state = CaseState::kQueued;
  return c;
}

std::vector<Case> Generator::backlog(std::size_t n, TimePoint now) {
  std::vector<Case> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const FormId form = backlog_mix_.forms[backlog_mix_.pick(rng_)];
    const double median = catalog_.form(form).median_months.value_or(options_.default_median_months);
    const double age = std::uniform_real_distribution<double>(0, 2 * median * kSecondsPerMonth)(rng_);
    out.push_back(make(form, now - seconds(static_cast<std::int64_t>(age)), now));
  }
  return out;
}

std::vector<Case> Generator::receipts(std::size_t n, TimePoint at) {
  std::vector<Case> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(make(receipt_mix_.forms[receipt_mix_.pick(rng_)], at, at));
  }
  return out;
}

std::vector<Officer> scale_roster(const std::vector<Officer>& roster, std::size_t n) {
  if (roster.empty()) throw InvalidArgument("cannot scale an empty roster");
  std::vector<Officer> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Officer o = roster[i % roster.size()];
    if (i >= roster.size()) o.id += "-r" + std::to_string(i / roster.size());
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace docket::workload
