#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "docket/core/receipt.h"
#include "docket/core/types.h"

namespace docket {

/// A service center, benefits center, field office or asylum office.
struct Center {
  CenterId id = kNoCenter;
  std::string code;      ///< Short code, unique: "VSC", "FO-HOU".
  std::string name;      ///< Human-readable name.
  CenterKind kind = CenterKind::kServiceCenter;
  std::string timezone;  ///< IANA zone, e.g. "America/New_York"; business days are local dates.
  std::string district;  ///< Field-office district; interview cases never leave it.
  std::vector<ReceiptNumber::Prefix> receipt_prefixes;  ///< Prefixes this site issues.
};

/// A step of bullseye routing: when a case's slack falls to `slack_days` or below, officers
/// `levels` skill levels below the form's minimum become eligible (never below level 1).
struct SkillRelaxation {
  int slack_days = 0;
  int levels = 0;
};

/// How a premium-processing clock behaves while a request for evidence is out.
enum class RfeClockRule : std::uint8_t {
  kRestart,  ///< A new full period starts when the response arrives (8 CFR 106.4(f)(2)).
  kResume,   ///< The clock pauses and resumes with the days it had left.
};

/// What the agency's configuration says about one form type.
struct FormPolicy {
  FormId id = 0;
  std::string code;         ///< "I-485-EMP", "N-400", ...
  std::string description;
  SkillId skill = 0;        ///< The certification an officer needs.
  int min_level = 1;        ///< The proficiency (1-5) that certification must reach.
  int goal_days = 0;        ///< Processing goal in calendar days from receipt; 0 = none.
  int expedite_goal_days = 0;           ///< Goal for an expedited case; 0 = same as goal_days.
  std::optional<int> premium_business_days;  ///< Premium clock; empty = not premium-eligible.
  int litigation_buffer_business_days = 5;   ///< Decide this many business days before court.
  RfeClockRule rfe_clock = RfeClockRule::kRestart;
  bool interview = false;   ///< Needs an interview, so stays at the applicant's field office.
  bool transferable = true; ///< May be moved between centers (whole-workload transfers).
  double qa_sample_rate = 0.0;     ///< Share of decisions sampled for QA review, 0-1.
  double effort_hours = 1.0;       ///< Mean officer effort per case.
  double rfe_rate = 0.0;           ///< Share of cases that get a request for evidence, 0-1.
  std::vector<CenterId> centers;   ///< Centers that adjudicate this form; empty = any center.
  std::vector<SkillRelaxation> relaxation;  ///< Overrides the scheduler-wide ladder if set.

  // Calibration figures from ../shared/data/uscis_forms.csv; empty where the data is blank.
  std::optional<std::int64_t> annual_receipts;
  std::optional<std::int64_t> pending;
  std::optional<double> median_months;
  std::optional<double> approval_share;
};

/// The names Docket knows (skills, languages, centers, forms), each mapped to a dense id.
/// Built once from configuration and read-only afterwards, so concurrent reads are safe.
class Catalog {
 public:
  /// Returns the id of a skill, adding it if new.
  SkillId intern_skill(std::string_view name);
  std::optional<SkillId> find_skill(std::string_view name) const;
  const std::string& skill_name(SkillId id) const { return skills_.at(id); }
  std::size_t skill_count() const { return skills_.size(); }

  /// Returns the id of a language, adding it if new. Throws InvalidArgument past kMaxLanguages.
  LanguageId intern_language(std::string_view name);
  std::optional<LanguageId> find_language(std::string_view name) const;
  const std::string& language_name(LanguageId id) const { return languages_.at(id); }
  std::size_t language_count() const { return languages_.size(); }

  /// Adds a center and returns its id. Throws InvalidArgument on a duplicate code, or on a
  /// receipt prefix another center already claims.
  CenterId add_center(Center center);
  std::optional<CenterId> find_center(std::string_view code) const;
  const Center& center(CenterId id) const { return centers_.at(id); }
  const std::vector<Center>& centers() const { return centers_; }
  /// The center whose receipts carry this prefix, if any center claims it.
  std::optional<CenterId> center_for_prefix(ReceiptNumber::Prefix p) const;

  /// Adds a form policy and returns its id. Throws InvalidArgument on a duplicate code.
  FormId add_form(FormPolicy form);
  std::optional<FormId> find_form(std::string_view code) const;
  const FormPolicy& form(FormId id) const { return forms_.at(id); }
  const std::vector<FormPolicy>& forms() const { return forms_; }

 private:
  std::vector<std::string> skills_;
  std::unordered_map<std::string, SkillId> skill_ids_;
  std::vector<std::string> languages_;
  std::unordered_map<std::string, LanguageId> language_ids_;
  std::vector<Center> centers_;
  std::unordered_map<std::string, CenterId> center_ids_;
  std::array<CenterId, ReceiptNumber::kPrefixCount> prefix_center_{};
  std::vector<FormPolicy> forms_;
  std::unordered_map<std::string, FormId> form_ids_;
  bool prefix_init_ = false;
};

}  // namespace docket
