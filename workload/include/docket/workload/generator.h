#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "docket/core/calendar.h"
#include "docket/core/case.h"
#include "docket/core/catalog.h"
#include "docket/core/officer.h"

namespace docket::workload {

/// What the generator assumes where ../shared/data is silent. Every default below is an
/// assumption, not a figure from the data; the reason is next to each.
struct GeneratorOptions {
  /// No public figure: premium processing is common for I-129/I-140 petitions and rare
  /// elsewhere; a quarter of premium-eligible receipts is taken as a middle value.
  static constexpr double DEFAULT_PREMIUM_SHARE = 0.25;
  /// No public figure: expedite requests are granted case by case; 1% is taken.
  static constexpr double DEFAULT_EXPEDITE_SHARE = 0.01;
  /// No public figure: mandamus suits are a small fraction of pending cases; 0.2% is taken.
  static constexpr double DEFAULT_LITIGATION_SHARE = 0.002;
  /// No public figure: share of cases that need an officer speaking a given language (an
  /// interview in that language); 5% is taken, spread evenly over the configured languages.
  static constexpr double DEFAULT_LANGUAGE_SHARE = 0.05;
  /// No public figure: share of cases on the controlled national-security track; 1% is taken.
  static constexpr double DEFAULT_CONTROLLED_SHARE = 0.01;
  /// Forms without a median processing time are aged as if their median were this many months.
  static constexpr double DEFAULT_MEDIAN_MONTHS = 6.0;

  std::uint64_t seed = 1;
  double premium_share = DEFAULT_PREMIUM_SHARE;
  double expedite_share = DEFAULT_EXPEDITE_SHARE;
  double litigation_share = DEFAULT_LITIGATION_SHARE;
  double language_share = DEFAULT_LANGUAGE_SHARE;
  double controlled_share = DEFAULT_CONTROLLED_SHARE;
  double default_median_months = DEFAULT_MEDIAN_MONTHS;
  int fallback_deadline_days = 180;
  /// Pending or annual receipts to assume for forms whose figure is blank in the data (by form
  /// code). A form with a blank figure and no entry here is left out of the mix: see left_out().
  std::map<std::string, std::int64_t> assumed_pending;
  std::map<std::string, std::int64_t> assumed_receipts;
};

/// Synthetic cases in the proportions of the public figures carried by the form policies
/// (FormPolicy::pending for a backlog, FormPolicy::annual_receipts for new receipts).
///
/// - A form's cases go to the centers that adjudicate it (FormPolicy::centers, or every
///   service center), in proportion to the officers certified for the form there: the data
///   has no per-center split except for I-485, so capacity stands in for it (assumption).
/// - Backlog ages are uniform over twice the form's median processing time, so that the
///   median age equals the published median (assumption: a flat inflow).
/// - Receipt numbers carry the receiving center's prefix (IOE where it has none), the fiscal
///   year and the workday of receipt, and are unique within a generator.
/// Deterministic for a given seed.
class Generator {
 public:
  /// Throws InvalidArgument when no form carries the figure a mix needs.
  Generator(const Catalog& catalog, const BusinessCalendar& calendar,
            const std::vector<Officer>& roster, GeneratorOptions options);

  /// A pending backlog of n cases as it stands at `now`, queued.
  std::vector<Case> backlog(std::size_t n, TimePoint now);
  /// n new receipts arriving at `at`, queued.
  std::vector<Case> receipts(std::size_t n, TimePoint at);
  /// Forms left out of the backlog or receipt mix because their figure is blank (code, which).
  const std::vector<std::string>& left_out() const { return left_out_; }

 private:
  struct Mix {
    std::vector<FormId> forms;
    std::discrete_distribution<std::size_t> pick;
  };
  Mix make_mix(bool pending);
  Case make(FormId form, TimePoint received, TimePoint now);
  ReceiptNumber next_receipt(CenterId center, TimePoint received);

  const Catalog& catalog_;
  const BusinessCalendar& calendar_;
  GeneratorOptions options_;
  std::mt19937_64 rng_;
  Mix backlog_mix_;
  Mix receipt_mix_;
  std::vector<std::vector<CenterId>> centers_;                       // by form
  std::vector<std::discrete_distribution<std::size_t>> center_pick_;  // by form
  std::unordered_map<std::uint64_t, std::uint32_t> sequence_;         // (prefix, fy, day) -> next
  std::vector<std::string> left_out_;
};

/// A roster of exactly n officers built by repeating `roster` with fresh ids ("<id>-r<k>"), for
/// benchmarks at sizes the sample roster does not have. Throws InvalidArgument if it is empty.
std::vector<Officer> scale_roster(const std::vector<Officer>& roster, std::size_t n);

}  // namespace docket::workload
