#include "docket/dispatch/offer_writer.h"

#include <algorithm>
#include <charconv>

namespace docket::dispatch {
namespace {

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  // Receipt numbers, codes and ids are plain ASCII: written as they are. Anything else goes
  // through the JSON library, as message bodies do (protocol::encode).
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_json_number(std::string& out, std::int64_t n) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  out.append(buf, end);
}

nlohmann::json case_json(const Catalog& catalog, const matching::Matcher& matcher,
                         std::uint32_t slot) {
  const auto& rec = matcher.index().record(slot);
  return {{"receipt", ReceiptNumber::from_packed(rec.receipt).str()},
          {"epoch", rec.epoch},
          {"officer", rec.officer != kNoOfficer ? nlohmann::json(matcher.officer(rec.officer).id)
                                                : nlohmann::json()},
          {"state", to_string(rec.state)},
          {"form", catalog.form(rec.form).code},
          {"center", catalog.center(rec.center).code},
          {"priority", to_string(rec.priority)},
          {"received", rec.received},
          {"deadline", rec.deadline},
          {"qa", rec.senior_review},
          {"returning", rec.preferred != kNoOfficer && rec.preferred == rec.officer}};
}

OfferWriter::OfferWriter(const Catalog& catalog, const matching::Matcher& matcher)
    : catalog_(catalog), matcher_(matcher) {
  for (const auto& c : catalog.centers()) centers_.push_back(json_string(c.code));
  for (const auto& f : catalog.forms()) forms_.push_back(json_string(f.code));
  for (int s = 0; s < kCaseStateCount; ++s)
    states_.push_back(json_string(to_string(static_cast<CaseState>(s))));
  for (int p = 0; p < kPriorityCount; ++p)
    priorities_.push_back(json_string(to_string(static_cast<Priority>(p))));
}

const std::string& OfferWriter::quoted_officer(OfficerId id) {
  if (id >= officers_.size()) officers_.resize(matcher_.officers().size());
  std::string& q = officers_[id];
  if (q.empty()) q = json_string(matcher_.officer(id).id);
  return q;
}

void OfferWriter::append_case(std::string& out, std::uint32_t slot, std::int64_t expires) {
  const auto& rec = matcher_.index().record(slot);
  // Keys in the order nlohmann::json keeps them (sorted), so the text equals case_json()'s.
  out += "{\"center\":";
  out += centers_.at(rec.center);
  out += ",\"deadline\":";
  append_json_number(out, rec.deadline);
  out += ",\"epoch\":";
  append_json_number(out, rec.epoch);
  out += ",\"expires\":";
  append_json_number(out, expires);
  out += ",\"form\":";
  out += forms_.at(rec.form);
  out += ",\"officer\":";
  if (rec.officer != kNoOfficer) {
    out += quoted_officer(rec.officer);
  } else {
    out += "null";
  }
  out += ",\"priority\":";
  out += priorities_.at(static_cast<std::size_t>(rec.priority));
  out += ",\"qa\":";
  out += rec.senior_review ? "true" : "false";
  out += ",\"receipt\":\"";
  out += ReceiptNumber::from_packed(rec.receipt).str();
  out += "\",\"received\":";
  append_json_number(out, rec.received);
  out += ",\"returning\":";
  out += rec.preferred != kNoOfficer && rec.preferred == rec.officer ? "true" : "false";
  out += ",\"state\":";
  out += states_.at(static_cast<std::size_t>(rec.state));
  out += '}';
}

}  // namespace docket::dispatch
