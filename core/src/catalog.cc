#include "docket/core/catalog.h"

#include <algorithm>
#include <limits>

#include "docket/core/error.h"

namespace docket {
namespace {

template <typename Id>
std::optional<Id> lookup(const std::unordered_map<std::string, Id>& ids, std::string_view name) {
  auto it = ids.find(std::string(name));
  if (it == ids.end()) return std::nullopt;
  return it->second;
}

}  // namespace

SkillId Catalog::intern_skill(std::string_view name) {
  if (auto id = find_skill(name)) return *id;
  if (skills_.size() > std::numeric_limits<SkillId>::max()) {
    throw InvalidArgument("too many skills: '" + std::string(name) + "' is one more");
  }
  auto id = static_cast<SkillId>(skills_.size());
  skills_.emplace_back(name);
  skill_ids_.emplace(std::string(name), id);
  return id;
}

std::optional<SkillId> Catalog::find_skill(std::string_view name) const {
  return lookup(skill_ids_, name);
}

LanguageId Catalog::intern_language(std::string_view name) {
  if (auto id = find_language(name)) return *id;
  if (languages_.size() >= static_cast<std::size_t>(kMaxLanguages)) {
    throw InvalidArgument("too many languages: at most " + std::to_string(kMaxLanguages) +
                          " can be configured, '" + std::string(name) + "' is one more");
  }
  auto id = static_cast<LanguageId>(languages_.size());
  languages_.emplace_back(name);
  language_ids_.emplace(std::string(name), id);
  return id;
}

std::optional<LanguageId> Catalog::find_language(std::string_view name) const {
  return lookup(language_ids_, name);
}

CenterId Catalog::add_center(Center center) {
  if (!prefix_init_) {
    prefix_center_.fill(kNoCenter);
    prefix_init_ = true;
  }
  if (find_center(center.code)) {
    throw InvalidArgument("duplicate center code '" + center.code + "'");
  }
  // Check every prefix before claiming any, so that a refused center leaves nothing behind.
  for (std::size_t i = 0; i < center.receipt_prefixes.size(); ++i) {
    const auto p = center.receipt_prefixes[i];
    const CenterId owner = prefix_center_.at(static_cast<int>(p));
    const bool twice = std::count(center.receipt_prefixes.begin(),
                                  center.receipt_prefixes.begin() + static_cast<std::ptrdiff_t>(i), p) > 0;
    if (owner != kNoCenter || twice) {
      throw InvalidArgument("receipt prefix " + std::string(ReceiptNumber::prefix_text(p)) +
                            (twice ? " is listed twice by " + center.code
                                   : " is claimed by both " + centers_.at(owner).code + " and " +
                                         center.code));
    }
  }
  auto id = static_cast<CenterId>(centers_.size());
  for (auto p : center.receipt_prefixes) prefix_center_.at(static_cast<int>(p)) = id;
  center.id = id;
  center_ids_.emplace(center.code, id);
  centers_.push_back(std::move(center));
  return id;
}

std::optional<CenterId> Catalog::find_center(std::string_view code) const {
  return lookup(center_ids_, code);
}

std::optional<CenterId> Catalog::center_for_prefix(ReceiptNumber::Prefix p) const {
  if (!prefix_init_) return std::nullopt;
  CenterId id = prefix_center_.at(static_cast<int>(p));
  if (id == kNoCenter) return std::nullopt;
  return id;
}

FormId Catalog::add_form(FormPolicy form) {
  if (find_form(form.code)) throw InvalidArgument("duplicate form code '" + form.code + "'");
  auto id = static_cast<FormId>(forms_.size());
  form.id = id;
  form_ids_.emplace(form.code, id);
  forms_.push_back(std::move(form));
  return id;
}

std::optional<FormId> Catalog::find_form(std::string_view code) const {
  return lookup(form_ids_, code);
}

}  // namespace docket
