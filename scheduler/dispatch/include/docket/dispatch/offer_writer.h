#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/matching/matcher.h"

namespace docket::dispatch {

/// Appends `text` as a JSON string (quoted and escaped; invalid UTF-8 replaced, as every message
/// body is serialised).
void append_json_string(std::string& out, std::string_view text);
/// Appends `n` as a JSON number.
void append_json_number(std::string& out, std::int64_t n);

/// The protocol's <case> object (docs/protocol.md) of the case in index slot `slot`, as the
/// scheduler sends it in OFFER, WELCOME.resumed and my-cases.
nlohmann::json case_json(const Catalog& catalog, const matching::Matcher& matcher,
                         std::uint32_t slot);

/// Writes OFFER <case> objects as JSON text straight from the index. A round offers thousands
/// of cases, and building each as a JSON object (a map node and an allocation per field) before
/// serialising it cost about a sixth of the scheduler's CPU under load. The text is what
/// case_json() plus "expires" serialises to, byte for byte: the same keys, in the same (sorted)
/// order. Names (centers, forms, officers) are quoted once and kept.
class OfferWriter {
 public:
  OfferWriter(const Catalog& catalog, const matching::Matcher& matcher);
  /// Appends the <case> object of `slot`, with "expires" (Unix seconds), to `out`.
  void append_case(std::string& out, std::uint32_t slot, std::int64_t expires);

 private:
  const std::string& quoted_officer(OfficerId id);
  const Catalog& catalog_;
  const matching::Matcher& matcher_;
  std::vector<std::string> centers_, forms_, states_, priorities_;  // Quoted JSON strings.
  std::vector<std::string> officers_;  // Quoted on first use, by OfficerId.
};

}  // namespace docket::dispatch
