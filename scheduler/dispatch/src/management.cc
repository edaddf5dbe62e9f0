// The management socket: docketctl's requests (docs/protocol.md, section 4).
#include <spdlog/spdlog.h>

#include <map>

#include "docket/core/deadline.h"
#include "docket/dispatch/dispatcher.h"
#include "docket/dispatch/metrics.h"
#include "docket/matching/eligibility.h"
#include "docket/service/intake.h"
#include "docket/service/recovery.h"

namespace docket::dispatch {

using nlohmann::json;
using protocol::Code;
using protocol::Message;
using protocol::ProtocolError;
using protocol::Type;

namespace {

[[noreturn]] void bad(const std::string& message) {
  throw ProtocolError(Code::kBadRequest, message);
}

ReceiptNumber receipt_arg(const json& args) {
  const auto text = protocol::require_string(args, "receipt");
  const auto r = ReceiptNumber::parse(text);
  if (!r) bad("field 'receipt': " + ReceiptNumber::parse_error(text));
  return *r;
}

}  // namespace

void Dispatcher::handle_management(protocol::Received& in) {
  if (in.error) {
    reply_error(in.peer, in.error->code(), in.error->what(), nullptr, true);
    return;
  }
  const Message& m = *in.message;
  if (metrics_) metrics_->message(true, m.type).Increment();
  const json* re = m.body.contains("id") ? &m.body["id"] : nullptr;
  try {
    if (m.type != Type::kRequest) {
      throw ProtocolError(Code::kUnknownType, std::string(protocol::to_string(m.type)) +
                                                  " is not a management message; send REQUEST");
    }
    const auto cmd = protocol::require_string(m.body, "cmd");
    static const json kNoArgs = json::object();
    const json& args =
        m.body.contains("args") && !m.body["args"].is_null() ? m.body["args"] : kNoArgs;
    if (!args.is_object()) bad("field 'args': expected an object");
    json result = command(cmd, args);
    send(in.peer, Message{Type::kReply, {{"re", re ? *re : json()}, {"result", std::move(result)}}},
         true);
  } catch (const ProtocolError& e) {
    reply_error(in.peer, e.code(), e.what(), re, true);
  } catch (const InvalidArgument& e) {
    reply_error(in.peer, Code::kBadRequest, e.what(), re, true);
  } catch (const IoError& e) {
    ++stats_.store_outages;
    reply_error(in.peer, Code::kUnavailable,
                std::string("the state of record cannot be reached: ") + e.what(), re, true);
  } catch (const store::FencedError& e) {
    // The client goes on to its next endpoint; this scheduler steps down (step()).
    reply_error(in.peer, Code::kNotLeader, e.what(), re, true);
    throw;
  } catch (const std::exception& e) {
    spdlog::error("management request failed: {}", e.what());
    reply_error(in.peer, Code::kInternal, e.what(), re, true);
  }
}

json Dispatcher::command(const std::string& cmd, const json& args) {
  if (cmd == "ping")
    return {{"version", DOCKET_VERSION},
            {"protocol", protocol::kProtocolVersion},
            {"leader", !stopping_}};
  if (cmd == "submit") return submit(args);
  if (cmd == "officer.add") return officer_add(args);
  if (cmd == "officer.update") return officer_update(args);
  if (cmd == "officers") return officers(args);
  if (cmd == "queues") return queues(args);
  if (cmd == "status") return status(args);
  if (cmd == "explain") return explain(args);
  if (cmd == "my-cases") return my_cases(args);
  if (cmd == "respond") return respond(args);
  if (cmd == "hold") return hold_or_release(args, true);
  if (cmd == "release") return hold_or_release(args, false);
  if (cmd == "drain" && args.contains("officer")) return drain(args);
  if (cmd == "officer.remove") return officer_remove(args);
  if (cmd == "stats") {
    json out = to_json(stats());
    out["officers_present"] =
        std::count_if(matcher_.officers().begin(), matcher_.officers().end(),
                      [](const Officer& o) { return o.presence == Presence::kAvailable; });
    return out;
  }
  if (auto it = extra_commands_.find(cmd); it != extra_commands_.end()) return it->second(args);
  throw ProtocolError(Code::kUnknownCommand, "unknown command '" + cmd + "'");
}

json to_json(const DispatchStats& s) {
  return {{"received", s.received},
          {"offered", s.offered},
          {"accepted", s.accepted},
          {"declined", s.declined},
          {"timed_out", s.timed_out},
          {"reclaimed", s.reclaimed},
          {"decided", s.decided},
          {"decided_late", s.decided_late},
          {"rfe", s.rfe},
          {"referred", s.referred},
          {"transferred", s.transferred},
          {"qa_sampled", s.qa_sampled},
          {"backlog", s.queued},
          {"p80_days", s.p80_cycle_days},
          {"workers", s.workers},
          {"rounds", s.rounds},
          {"rejected_messages", s.rejected_messages},
          {"store_refusals", s.store_refusals},
          {"store_outages", s.store_outages}};
}

json Dispatcher::submit(const json& args) {
  std::vector<PendingSubmit> batch;
  batch.push_back(parse_submit(args));
  auto out = commit_submits(batch);
  if (!batch.front().unread.empty()) throw IoError(batch.front().unread);
  return std::move(out.front());
}

bool Dispatcher::stage_submit(protocol::Received& in) {
  if (in.error || in.message->type != Type::kRequest) return false;
  const json& body = in.message->body;
  const auto cmd = body.find("cmd");
  if (cmd == body.end() || !cmd->is_string() || cmd->get_ref<const std::string&>() != "submit")
    return false;
  if (metrics_) metrics_->message(true, in.message->type).Increment();
  const json* re = body.contains("id") ? &body["id"] : nullptr;
  try {
    static const json kNoArgs = json::object();
    const json& args = body.contains("args") && !body["args"].is_null() ? body["args"] : kNoArgs;
    if (!args.is_object()) bad("field 'args': expected an object");
    PendingSubmit p = parse_submit(args);
    p.peer = in.peer;
    p.re = re ? *re : json();
    pending_submits_.push_back(std::move(p));
  } catch (const ProtocolError& e) {
    refuse_submit(in.peer, e.code(), e.what(), re);
  } catch (const InvalidArgument& e) {
    refuse_submit(in.peer, Code::kBadRequest, e.what(), re);
  }
  return true;
}

void Dispatcher::refuse_submit(const std::string& peer, Code code, const std::string& message,
                               const json* re) {
  // Answers come back in the order asked (docs/protocol.md): the submits before this one are
  // recorded and answered first.
  flush_submits();
  finish();
  reply_error(peer, code, message, re, true);
}

void Dispatcher::flush_submits() {
  if (pending_submits_.empty()) return;
  auto batch = std::make_shared<std::vector<PendingSubmit>>();
  batch->swap(pending_submits_);
  auto cases = std::make_shared<std::vector<Case>>(submitted_cases(*batch));
  // The new cases are queued in the index now, before the store has them, so that the round
  // planned in this turn sends their offers right behind their import: Redis runs the two calls
  // back to back, and a case waits for one answer, not for an answer and then a round trip. A
  // receipt the index knows already is left to the store's answer (a duplicate). What the store
  // does not take is taken out again when its answer comes (record_submits, drop_unrecorded).
  for (const Case& c : *cases) {
    if (slot_of(c.receipt)) continue;
    matcher_.enqueue(c);
    ahead_.insert(c.receipt.packed());
    round_soon();
  }
  send_ahead(
      service::import_transitions(catalog_, matcher_, *cases, "docketctl"),
      [this, batch, cases](std::vector<store::TransitionResult>& results) {
        auto out = record_submits(*batch, *cases, results, /*queued_ahead=*/true);
        for (std::size_t i = 0; i < batch->size(); ++i) {
          auto& p = (*batch)[i];
          if (!p.unread.empty()) {
            // Some of its cases may be queued now: sent again, they count as duplicates.
            ++stats_.store_outages;
            reply_error(p.peer, Code::kUnavailable,
                        "the state of record cannot be reached: " + p.unread, &p.re, true);
            continue;
          }
          send(p.peer,
               Message{Type::kReply, {{"re", std::move(p.re)}, {"result", std::move(out[i])}}},
               true);
        }
      },
      [this, batch, cases](const Error& e) {
        // The store may or may not have run the call: the cases leave the index, and a submit
        // sent again finds each one stored (adopt_stored) or imports it.
        for (const Case& c : *cases) {
          if (ahead_.erase(c.receipt.packed()) > 0) drop_unrecorded(c.receipt);
        }
        if (dynamic_cast<const store::FencedError*>(&e)) {
          for (auto& p : *batch) reply_error(p.peer, Code::kNotLeader, e.what(), &p.re, true);
          return;
        }
        ++stats_.store_outages;
        for (auto& p : *batch) {
          reply_error(p.peer, Code::kUnavailable,
                      std::string("the state of record cannot be reached: ") + e.what(), &p.re,
                      true);
        }
      });
}

Dispatcher::PendingSubmit Dispatcher::parse_submit(const json& args) {
  const auto& list = protocol::require_array(args, "cases");
  if (list.size() > options_.max_submit_cases) {
    bad("field 'cases': at most " + std::to_string(options_.max_submit_cases) +
        " cases per request");
  }
  PendingSubmit p;
  p.listed = list.size();
  p.cases.reserve(list.size());
  p.index.reserve(list.size());
  const auto reject = [&](std::size_t i, const std::string& receipt, const std::string& why) {
    p.rejected.push_back(
        {{"index", i}, {"receipt", receipt}, {"code", "bad_request"}, {"message", why}});
  };
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& in = list[i];
    const auto path = protocol::item_path("cases", i);
    std::string receipt_text;
    try {
      receipt_text = protocol::require_string(in, "receipt", path);
      Case c;
      const auto r = ReceiptNumber::parse(receipt_text);
      if (!r) throw InvalidArgument(ReceiptNumber::parse_error(receipt_text));
      c.receipt = *r;
      const auto form_code = protocol::require_string(in, "form", path);
      const auto form = catalog_.find_form(form_code);
      if (!form) throw InvalidArgument("unknown form type '" + form_code + "'");
      c.form = *form;
      const auto center_code = protocol::optional_string(in, "center", {}, path);
      const auto center = center_code.empty() ? catalog_.center_for_prefix(r->prefix())
                                              : catalog_.find_center(center_code);
      if (!center) throw InvalidArgument("unknown center '" + center_code + "'");
      c.center = *center;
      const auto prio = parse_priority(protocol::optional_string(in, "priority", "normal", path));
      if (!prio) throw InvalidArgument("priority must be normal, expedite, premium or litigation");
      c.priority = *prio;
      c.received = TimePoint(Seconds(protocol::optional_int(in, "received", unix_now(), path)));
      if (auto fo = protocol::optional_string(in, "field_office", {}, path); !fo.empty()) {
        const auto id = catalog_.find_center(fo);
        if (!id) throw InvalidArgument("unknown field office '" + fo + "'");
        c.field_office = *id;
      }
      if (auto lang = protocol::optional_string(in, "language", {}, path); !lang.empty()) {
        const auto id = catalog_.find_language(lang);
        if (!id) throw InvalidArgument("unknown language '" + lang + "'");
        c.language = *id;
      }
      if (auto court = protocol::optional_string(in, "court_date", {}, path); !court.empty()) {
        c.court_date = parse_date(court);
        if (!c.court_date)
          throw InvalidArgument("court_date: expected YYYY-MM-DD, got '" + court + "'");
      }
      c.category = protocol::optional_string(in, "category", {}, path);
      c.state = CaseState::kQueued;
      c.deadline = compute_deadline(c, catalog_.form(c.form), catalog_.center(c.center), calendar_,
                                    fallback_days_);
      p.cases.push_back(std::move(c));
      p.index.push_back(i);
    } catch (const ProtocolError& e) {
      reject(i, receipt_text, e.what());
    } catch (const InvalidArgument& e) {
      reject(i, receipt_text, e.what());
    }
  }
  return p;
}

Dispatcher::Adoption Dispatcher::adopt_stored(const Case& c, const store::TransitionResult& dup,
                                              bool queued_ahead) {
  // A call sent again after a lost connection answers "duplicate" for the cases its first
  // attempt wrote: the store holds them queued (or offered, when the offer planned behind the
  // import ran too) while this scheduler does not track them, and they would wait unseen until a
  // restart. A case tracked here, or stored in any other state (a submit repeated after the
  // case moved on), is a real duplicate. The duplicate answer says the state the import found.
  const auto slot = slot_of(c.receipt);
  if (!queued_ahead && slot) return Adoption::kDuplicate;
  if (dup.state != CaseState::kQueued && dup.state != CaseState::kOffered) {
    if (queued_ahead) drop_unrecorded(c.receipt);
    return Adoption::kDuplicate;
  }
  // What the index now tracks: the offer-out case shows as queued to the agency until
  // record_offers() counts its offer.
  CaseState state = CaseState::kQueued;
  if (slot && matcher_.index().record(*slot).state == CaseState::kOffered) {
    // A round offered the case queued ahead, and that offer's call is out: a read-back now
    // would come after it. record_offers() reads the case back once the offer is answered
    // (recorded, at epoch 0, or refused) and keeps what the store holds.
    adopted_.insert(c.receipt.packed());
  } else {
    bool unreachable = false;
    const auto stored = read_back(catalog_.center(c.center).code, c.receipt, &unreachable);
    // Unread: the submit sent again finds the case stored and reads it then. A stored case that
    // cannot be restored (an officer the roster no longer has) stays untracked until a
    // restart's recovery reads it.
    if (unreachable || !stored ||
        (stored->state != CaseState::kQueued && stored->state != CaseState::kOffered) ||
        !restore_stored(c.receipt, *stored)) {
      if (queued_ahead) drop_unrecorded(c.receipt);
      return unreachable ? Adoption::kUnread : Adoption::kDuplicate;
    }
    state = stored->state;
    if (state == CaseState::kOffered) {
      // Its OFFER never went out: the offer times out and the case goes back to its queue.
      time_out_offer(c.receipt, stored->epoch);
    }
  }
  spdlog::warn("submit: {} was stored {} but not tracked here (a retried call); tracked it now",
               c.receipt.str(), to_string(dup.state));
  if (agency_) agency_->on_receipt(c.center, c.form, c.priority);
  note(c, CaseState::kReceived, state);
  return Adoption::kAdopted;
}

std::vector<Case> Dispatcher::submitted_cases(const std::vector<PendingSubmit>& batch) {
  // One store call for every request read in this turn of the loop: a client that pipelines
  // many small submits costs one round trip, not one each.
  std::vector<Case> cases;
  std::size_t total = 0;
  for (const auto& p : batch) total += p.cases.size();
  cases.reserve(total);
  for (const auto& p : batch) cases.insert(cases.end(), p.cases.begin(), p.cases.end());
  return cases;
}

std::vector<json> Dispatcher::commit_submits(std::vector<PendingSubmit>& batch) {
  const auto cases = submitted_cases(batch);
  const auto results = service::import_cases(store_, catalog_, matcher_, cases, "docketctl");
  return record_submits(batch, cases, results);
}

void Dispatcher::drop_unrecorded(ReceiptNumber r) {
  const auto slot = slot_of(r);
  if (!slot) return;
  if (matcher_.index().record(*slot).state == CaseState::kOffered) {
    unrecorded_.insert(r.packed());  // Its offer is out: record_offers() or give_back() drops it.
  } else {
    matcher_.forget(r);
  }
}

std::vector<json> Dispatcher::record_submits(std::vector<PendingSubmit>& batch,
                                             const std::vector<Case>& cases,
                                             const std::vector<store::TransitionResult>& results,
                                             bool queued_ahead) {
  std::vector<json> out;
  out.reserve(batch.size());
  std::size_t k = 0;
  std::int64_t accepted_all = 0;
  for (auto& p : batch) {
    std::int64_t accepted = 0;
    std::int64_t duplicates = 0;
    for (std::size_t j = 0; j < p.cases.size(); ++j, ++k) {
      const Case& c = cases[k];
      // A receipt listed twice was queued ahead once, for its first listing.
      const bool ahead = queued_ahead && ahead_.erase(c.receipt.packed()) > 0;
      if (results[k].status == store::TransitionResult::Status::kApplied) {
        if (!ahead) matcher_.enqueue(c);
        if (agency_) agency_->on_receipt(c.center, c.form, c.priority);
        note(c, CaseState::kReceived, CaseState::kQueued);
        ++accepted;
      } else if (results[k].status == store::TransitionResult::Status::kDuplicate) {
        if (!p.unread.empty()) {
          // The request is answered unavailable already: sent again, it reads this one too.
          if (ahead) drop_unrecorded(c.receipt);
          continue;
        }
        switch (adopt_stored(c, results[k], ahead)) {
          case Adoption::kAdopted:
            ++accepted;
            break;
          case Adoption::kDuplicate:
            ++duplicates;
            break;
          case Adoption::kUnread:
            p.unread = "cannot read " + c.receipt.str() + " back, stored by an earlier attempt";
            break;
        }
      } else {
        if (ahead) drop_unrecorded(c.receipt);
        p.rejected.push_back({{"index", p.index[j]},
                              {"receipt", c.receipt.str()},
                              {"code", "refused"},
                              {"message", results[k].message}});
      }
    }
    if (!p.rejected.empty())
      spdlog::warn("submit: {} of {} cases rejected", p.rejected.size(), p.listed);
    accepted_all += accepted;
    out.push_back(
        {{"accepted", accepted}, {"duplicates", duplicates}, {"rejected", std::move(p.rejected)}});
  }
  received(accepted_all);
  return out;
}

namespace {

/// An officer as the protocol's <officer> (docs/protocol.md), with the presence they declared:
/// the form in which runtime roster changes are kept in the store too.
json officer_record(const Catalog& catalog, const Officer& o, Presence declared) {
  json skills = json::object();
  for (const auto& s : o.skills) skills[catalog.skill_name(s.skill)] = s.level;
  json langs = json::array();
  for (LanguageId l = 0; l < catalog.language_count(); ++l) {
    if (o.languages >> l & 1U) langs.push_back(catalog.language_name(l));
  }
  return {{"officer", o.id},
          {"center", catalog.center(o.center).code},
          {"skills", std::move(skills)},
          {"languages", std::move(langs)},
          {"clearance", to_string(o.clearance)},
          {"capacity", o.capacity},
          {"presence", to_string(declared)},
          {"senior", o.senior}};
}

/// Reads an <officer>; sets `declared` to its presence. Throws ProtocolError (bad_request) naming
/// the field that is wrong. The officer's presence in the matcher is offline until a worker plays
/// them.
Officer parse_officer(const Catalog& catalog, const json& in, Presence& declared) {
  Officer o;
  o.id = protocol::require_string(in, "officer", "officer");
  const auto center = protocol::require_string(in, "center", "officer");
  const auto cid = catalog.find_center(center);
  if (!cid) bad("unknown center '" + center + "'");
  o.center = *cid;
  const auto& skills = protocol::require(in, "skills", "officer");
  if (!skills.is_object() || skills.empty())
    bad("field 'officer.skills': expected an object of form: level");
  for (const auto& [name, level] : skills.items()) {
    const auto sid = catalog.find_skill(name);
    if (!sid) bad("unknown skill '" + name + "'");
    if (!level.is_number_integer() || level.get<int>() < 1 || level.get<int>() > kMaxSkillLevel)
      bad("skill " + name + ": level must be 1-" + std::to_string(kMaxSkillLevel));
    o.skills.push_back({*sid, static_cast<std::uint8_t>(level.get<int>())});
  }
  std::sort(o.skills.begin(), o.skills.end());
  if (in.contains("languages")) {
    for (const auto& l : protocol::require_array(in, "languages", "officer")) {
      const auto lid = l.is_string() ? catalog.find_language(l.get<std::string>()) : std::nullopt;
      if (!lid) bad("unknown language " + l.dump());
      o.languages |= std::uint64_t{1} << *lid;
    }
  }
  const auto clearance =
      parse_clearance(protocol::optional_string(in, "clearance", "public_trust", "officer"));
  if (!clearance) bad("clearance must be public_trust, secret or top_secret");
  o.clearance = *clearance;
  o.capacity = static_cast<int>(protocol::optional_int(in, "capacity", 1, "officer"));
  if (o.capacity < 1)
    bad("field 'officer.capacity': must be at least 1, got " + std::to_string(o.capacity));
  const auto presence =
      parse_presence(protocol::optional_string(in, "presence", "available", "officer"));
  if (!presence) bad("presence must be available, away or offline");
  declared = *presence;
  o.senior = protocol::optional_bool(in, "senior", false, "officer");
  o.presence = Presence::kOffline;
  return o;
}

}  // namespace

json Dispatcher::officer_json(OfficerId id) const {
  const Officer& o = matcher_.officer(id);
  json out = officer_record(catalog_, o, declared_presence_[id]);
  out["load"] = o.load;
  out["connected"] = !session_of_[id].empty();
  return out;
}

json Dispatcher::officer_add(const json& args) {
  const auto& in = protocol::require(args, "officer");
  Presence declared = Presence::kAvailable;
  Officer o = parse_officer(catalog_, in, declared);
  if (const auto known = matcher_.find_officer(o.id)) {
    // A removed officer's id still names them in the histories of the cases they worked.
    bad("officer " + o.id +
        (matcher_.officer(*known).removed ? " was removed from the roster; ids are not reused"
                                          : " is already on the roster"));
  }
  // The store first, as for cases: an officer the store does not have would vanish at the next
  // start. Throws IoError (unavailable) with nothing changed.
  store_.put_officer(o.id, officer_record(catalog_, o, declared).dump());
  const std::string center = catalog_.center(o.center).code;
  const OfficerId id = matcher_.add_officer(o);
  session_of_.emplace_back();
  declared_presence_.push_back(declared);
  spdlog::info("officer {} added at {}", o.id, center);
  return {{"officer", officer_json(id)}};
}

json Dispatcher::officer_update(const json& args) {
  const auto name = protocol::require_string(args, "officer");
  const OfficerId id = on_roster(name);
  const Officer& current = matcher_.officer(id);
  // Every field is read and checked before anything changes, so a request with one bad field
  // leaves the officer exactly as it was.
  std::optional<int> capacity;
  if (args.contains("capacity")) {
    capacity = static_cast<int>(protocol::require_int(args, "capacity"));
    if (*capacity < 1)
      bad("field 'capacity': must be at least 1, got " + std::to_string(*capacity));
  }
  std::optional<Presence> presence;
  if (args.contains("presence")) {
    presence = parse_presence(protocol::require_string(args, "presence"));
    if (!presence) bad("presence must be available, away or offline");
  }
  std::optional<std::vector<SkillLevel>> skills;
  std::string skills_text;
  if (args.contains("skills")) {
    // The named certifications are set to their level (0 removes one); the others stay.
    const auto& in = args.at("skills");
    if (!in.is_object() || in.empty())
      bad("field 'skills': expected an object of form: level (0 removes the certification)");
    std::vector<SkillLevel> merged = current.skills;
    for (const auto& [form, level] : in.items()) {
      const auto sid = catalog_.find_skill(form);
      if (!sid) bad("unknown skill '" + form + "'");
      if (!level.is_number_integer() || level.get<int>() < 0 || level.get<int>() > kMaxSkillLevel)
        bad("skill " + form + ": level must be 1-5, or 0 to remove it");
      std::erase_if(merged, [&](const SkillLevel& s) { return s.skill == *sid; });
      if (level.get<int>() > 0)
        merged.push_back({*sid, static_cast<std::uint8_t>(level.get<int>())});
    }
    if (merged.empty()) bad("officer " + name + " would hold no certification");
    std::sort(merged.begin(), merged.end());
    for (const auto& s : merged) {
      if (!skills_text.empty()) skills_text += ", ";
      skills_text += catalog_.skill_name(s.skill) + ":" + std::to_string(s.level);
    }
    skills = std::move(merged);
  }

  // The whole officer as it will be goes to the store first, so that a restart or a failover
  // keeps the change; if the store cannot be reached nothing changes (unavailable).
  Officer next = current;
  if (skills) next.skills = *skills;
  if (capacity) next.capacity = *capacity;
  store_.put_officer(
      name, officer_record(catalog_, next, presence.value_or(declared_presence_[id])).dump());
  // Cases the officer holds stay: neither the load nor the case index is touched.
  if (skills) matcher_.set_skills(id, std::move(*skills));
  if (capacity) matcher_.set_capacity(id, *capacity);
  if (presence) {
    declared_presence_[id] = *presence;
    set_effective_presence(id);
  }
  spdlog::info("officer {} updated:{}{}{}", name,
               capacity ? " capacity " + std::to_string(*capacity) : std::string(),
               presence ? " presence " + std::string(to_string(*presence)) : std::string(),
               skills ? " skills " + skills_text : std::string());
  round_due_ = true;
  round_due_at_ = Monotonic::now();
  return {{"officer", officer_json(id)}};
}

json Dispatcher::officers(const json& args) {
  const auto center = protocol::optional_string(args, "center");
  json out = json::array();
  for (OfficerId id = 0; id < matcher_.officers().size(); ++id) {
    if (matcher_.officer(id).removed) continue;
    if (!center.empty() && catalog_.center(matcher_.officer(id).center).code != center) continue;
    out.push_back(officer_json(id));
  }
  return {{"officers", std::move(out)}};
}

json Dispatcher::queues(const json& args) {
  const auto center = protocol::optional_string(args, "center");
  const auto form = protocol::optional_string(args, "form");
  struct Row {
    std::int64_t n[10] = {};
    std::int64_t oldest = INT64_MAX;
    std::int64_t at_risk = 0;
  };
  std::map<std::pair<std::string, std::string>, Row> rows;
  const auto now = clock_.now();
  const auto& idx = matcher_.index();
  for (std::uint32_t slot = 0; slot < idx.size(); ++slot) {
    const auto& rec = idx.record(slot);
    if (rec.receipt == 0) continue;
    const auto& c = catalog_.center(rec.center).code;
    const auto& f = catalog_.form(rec.form).code;
    if ((!center.empty() && c != center) || (!form.empty() && f != form)) continue;
    Row& row = rows[{c, f}];
    ++row.n[static_cast<int>(rec.state)];
    if (rec.state == CaseState::kQueued || rec.state == CaseState::kQaReview) {
      row.oldest = std::min(row.oldest, rec.received);
      if (matching::Matcher::slack_days(rec.deadline, now) < options_.at_risk_slack_days)
        ++row.at_risk;
    }
  }
  json out = json::array();
  for (const auto& [key, row] : rows) {
    const auto n = [&](CaseState s) { return row.n[static_cast<int>(s)]; };
    out.push_back(
        {{"center", key.first},
         {"form", key.second},
         {"queued", n(CaseState::kQueued)},
         {"offered", n(CaseState::kOffered)},
         {"assigned", n(CaseState::kAssigned)},
         {"on_hold", n(CaseState::kOnHold)},
         {"rfe_pending", n(CaseState::kRfePending)},
         {"qa_review", n(CaseState::kQaReview)},
         {"oldest_days",
          row.oldest == INT64_MAX ? 0 : (now.time_since_epoch().count() - row.oldest) / 86'400},
         {"at_risk", row.at_risk}});
  }
  return {{"rows", std::move(out)}};
}

json Dispatcher::status(const json& args) {
  const auto r = receipt_arg(args);
  std::string center;
  if (auto slot = slot_of(r)) {
    center = catalog_.center(matcher_.index().record(*slot).center).code;
  } else if (auto c = catalog_.center_for_prefix(r.prefix())) {
    center = catalog_.center(*c).code;
  }
  auto stored = center.empty() ? std::nullopt : store_.get(center, r);
  // A case transferred away is found where its tombstone points.
  for (int hops = 0; stored && stored->state == CaseState::kTransferred &&
                     !stored->transfer_to.empty() && hops < 8;
       ++hops) {
    center = stored->transfer_to;
    stored = store_.get(center, r);
  }
  if (!stored) throw ProtocolError(Code::kUnknownCase, "no case " + r.str());
  json history = json::array();
  for (const auto& e : store_.history(center, r)) {
    history.push_back({{"at", e.at.time_since_epoch().count()},
                       {"op", e.op},
                       {"from", e.from},
                       {"to", e.to},
                       {"who", e.who},
                       {"officer", e.officer},
                       {"epoch", e.epoch},
                       {"detail", e.detail}});
  }
  json c = {{"receipt", r.str()},
            {"state", to_string(stored->state)},
            {"form", stored->form},
            {"center", stored->center},
            {"priority", to_string(stored->priority)},
            {"received", stored->received.time_since_epoch().count()},
            {"deadline", stored->deadline.time_since_epoch().count()},
            {"officer", stored->officer},
            {"epoch", stored->epoch},
            {"outcome", stored->outcome ? json(to_string(*stored->outcome)) : json()}};
  return {{"case", std::move(c)}, {"history", std::move(history)}};
}

json Dispatcher::explain(const json& args) {
  const auto r = receipt_arg(args);
  const auto e = matcher_.explain(r);
  if (e.verdict == matching::Explanation::Verdict::kUnknownCase) {
    throw ProtocolError(Code::kUnknownCase, "the scheduler does not track " + r.str() +
                                                " (decided, or never received)");
  }
  json rejected_by = json::object();
  for (const auto& [why, n] : e.rejected_by) rejected_by[why] = n;
  json terms = json::array();
  for (const auto& t : e.cost_terms) terms.push_back({{"model", t.model}, {"cost", t.cost}});
  json unassigned = json::array();
  for (const auto& t : e.unassigned_terms)
    unassigned.push_back({{"model", t.model}, {"cost", t.cost}});
  return {{"receipt", e.receipt},
          {"verdict", matching::to_string(e.verdict)},
          {"summary", e.summary},
          {"state", to_string(e.state)},
          {"form", e.form},
          {"center", e.center},
          {"slack_days", e.slack_days},
          {"required_level", e.required_level},
          {"queue_position", e.queue_position},
          {"class_size", e.class_size},
          {"officers_total", e.officers_total},
          {"officers_eligible", e.officers_eligible},
          {"officers_with_room", e.officers_with_room},
          {"rejected_by", std::move(rejected_by)},
          {"outranked_by", e.outranked_by},
          {"officer", e.officer ? json(*e.officer) : json()},
          {"cost_terms", std::move(terms)},
          {"unassigned_terms", std::move(unassigned)}};
}

json Dispatcher::my_cases(const json& args) {
  const auto name = protocol::require_string(args, "officer");
  // A removed officer holds nothing and waits for nothing (an RFE that preferred them goes to
  // anyone): unknown, as for every other officer command.
  const OfficerId id = on_roster(name);
  json out = json::array();
  const auto& idx = matcher_.index();
  for (std::uint32_t slot = 0; slot < idx.size(); ++slot) {
    const auto& rec = idx.record(slot);
    if (rec.receipt == 0) continue;
    const bool holds = rec.officer == id &&
                       (rec.state == CaseState::kOffered || rec.state == CaseState::kAssigned);
    const bool waiting = rec.preferred == id && rec.state == CaseState::kRfePending;
    if (holds || waiting) out.push_back(case_json(catalog_, matcher_, slot));
  }
  return {{"officer", name}, {"cases", std::move(out)}};
}

json Dispatcher::respond(const json& args) {
  const auto r = receipt_arg(args);
  const auto slot = slot_of(r);
  if (!slot) throw ProtocolError(Code::kUnknownCase, "the scheduler does not track " + r.str());
  if (!respond(r)) {
    bad(r.str() + " is " + std::string(to_string(matcher_.index().record(*slot).state)) +
        ", not waiting for evidence");
  }
  const auto& rec = matcher_.index().record(*slot_of(r));
  return {{"state", to_string(rec.state)}, {"epoch", rec.epoch}};
}

bool Dispatcher::respond(ReceiptNumber r) {
  finish();  // The RFE itself may be in a call still out.
  const auto slot = slot_of(r);
  if (!slot || matcher_.index().record(*slot).state != CaseState::kRfePending) return false;
  auto t = transition(store::Op::kRfeIn, *slot, "applicant");
  t.officer.clear();
  t.idempotency_key = "respond:" + r.str() + ":" + std::to_string(t.epoch);
  const auto res = store_.apply(t);
  if (!res.ok()) {
    spdlog::warn("store refused the RFE response of {}: {}", r.str(), res.message);
    return false;
  }
  // Back in its queue with its deadline and age; the affinity arc prefers the officer who asked.
  requeue(r, res.epoch, true);
  note(*slot_of(r), CaseState::kRfePending);
  return true;
}

std::size_t Dispatcher::receive(const std::vector<Case>& cases) {
  finish();
  const auto results = service::import_cases(store_, catalog_, matcher_, cases, "intake");
  std::int64_t accepted = 0;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    if (results[k].status == store::TransitionResult::Status::kApplied) {
      matcher_.enqueue(cases[k]);
      if (agency_) agency_->on_receipt(cases[k].center, cases[k].form, cases[k].priority);
      note(cases[k], CaseState::kReceived, CaseState::kQueued);
      ++accepted;
    } else if (!results[k].ok()) {
      spdlog::warn("store refused receipt {}: {}", cases[k].receipt.str(), results[k].message);
    }
  }
  received(accepted);
  return static_cast<std::size_t>(accepted);
}

void Dispatcher::received(std::int64_t n) {
  stats_.received += n;
  if (n > 0) round_soon();
}

json Dispatcher::hold_or_release(const json& args, bool hold) {
  const auto r = receipt_arg(args);
  const auto slot = slot_of(r);
  if (!slot) throw ProtocolError(Code::kUnknownCase, "the scheduler does not track " + r.str());
  const auto& rec = matcher_.index().record(*slot);
  if (hold && rec.state != CaseState::kQueued && rec.state != CaseState::kReceived) {
    bad(r.str() + " is " + std::string(to_string(rec.state)) +
        "; only a queued case is put on hold from here");
  }
  auto t = transition(hold ? store::Op::kHold : store::Op::kRelease, *slot,
                      protocol::optional_string(args, "actor", "docketctl"));
  t.detail = protocol::optional_string(args, "note");
  const auto res = store_.apply(t);
  if (!res.ok()) bad("store refused: " + res.message);
  if (hold) {
    Case c = matcher_.index().to_case(*slot);
    c.state = CaseState::kOnHold;
    c.epoch = static_cast<std::uint64_t>(res.epoch);
    matcher_.restore(c);
    note(c, CaseState::kQueued, CaseState::kOnHold);
  } else {
    requeue(r, res.epoch, true);
    note(*slot_of(r), CaseState::kOnHold);
  }
  return {{"state", to_string(res.state)}, {"epoch", res.epoch}};
}

OfficerId Dispatcher::on_roster(const std::string& name) const {
  const auto id = matcher_.find_officer(name);
  if (!id) throw ProtocolError(Code::kUnknownOfficer, "officer " + name + " is not on the roster");
  if (matcher_.officer(*id).removed)
    throw ProtocolError(Code::kUnknownOfficer, "officer " + name + " was removed from the roster");
  return *id;
}

std::int64_t Dispatcher::send_away(OfficerId id, const json& args, const std::string& done) {
  const std::string& name = matcher_.officer(id).id;
  // No new offers from here, then every case the officer holds goes back to its queue (fenced
  // lease_expiry transitions, `done` and the reason in their history). A refused one is read back:
  // the index keeps what the store holds.
  declared_presence_[id] = Presence::kAway;
  set_effective_presence(id);
  const auto reclaimed = expire_leases(
      held_by(id, protocol::optional_string(args, "actor", "docketctl"),
              done + ": " + protocol::optional_string(args, "reason", "officer " + done)),
      "reclaimed");
  if (const Officer& o = matcher_.officer(id); o.load > 0) {
    // A refused expiry was read back still held by the officer (the store moved on), or could not
    // be read back. Answering success would leave the case with an officer who was told to stop;
    // the officer stays away, and the request may be sent again.
    spdlog::warn("officer {} {} but still holds {} cases that could not be returned yet", name,
                 done, o.load);
    throw ProtocolError(Code::kUnavailable,
                        "officer " + name + " is away but still holds " + std::to_string(o.load) +
                            " cases that could not be returned yet (" + std::to_string(reclaimed) +
                            " returned); send the request again");
  }
  return reclaimed;
}

json Dispatcher::drain(const json& args) {
  const auto name = protocol::require_string(args, "officer");
  const auto reclaimed = send_away(on_roster(name), args, "drained");
  spdlog::info("officer {} drained: {} cases returned to their queues", name, reclaimed);
  return {{"officer", name}, {"moved", 0}, {"reclaimed", reclaimed}};
}

json Dispatcher::officer_remove(const json& args) {
  const auto name = protocol::require_string(args, "officer");
  const auto id = matcher_.find_officer(name);
  if (!id) throw ProtocolError(Code::kUnknownOfficer, "officer " + name + " is not on the roster");
  std::int64_t reclaimed = 0;
  if (!matcher_.officer(*id).removed) {
    // The cases the officer holds go back to their queues first, so that a removal never leaves
    // a case held by nobody who can work it.
    reclaimed = send_away(*id, args, "removed");
    // Off this scheduler's roster before the store has it, so that neither a desk nor a call
    // that fails below can bring the officer back.
    matcher_.remove_officer(*id);
    declared_presence_[*id] = Presence::kOffline;
    leave_session(*id);
    spdlog::info("officer {} removed from the roster: {} cases returned to their queues", name,
                 reclaimed);
  }
  // Recorded, so that a restart or a failover keeps the officer removed, even one the roster
  // file still lists; the answer waits for it. Throws IoError (unavailable): the request is sent
  // again, and a removal already made here is then only recorded.
  json record = officer_record(catalog_, matcher_.officer(*id), Presence::kOffline);
  record["removed"] = true;
  store_.put_officer(name, record.dump());
  return {{"officer", name}, {"reclaimed", reclaimed}};
}

}  // namespace docket::dispatch

namespace docket::dispatch {

RosterRestore restore_roster(store::CaseStore& store, const Catalog& catalog,
                             matching::Matcher& matcher) {
  RosterRestore out;
  for (const auto& [name, record] : store.officers()) {
    try {
      Presence declared = Presence::kAvailable;
      const json in = json::parse(record);
      if (in.is_object() && in.value("removed", false)) {
        // Kept on the roster, offline for good, so that the cases' histories still name the
        // officer and the id is not given out again: even when the record no longer fits the
        // configuration (a skill or center taken out of it since), which is not needed here.
        auto id = matcher.find_officer(name);
        if (!id) {
          Officer o;
          try {
            o = parse_officer(catalog, in, declared);
          } catch (const std::exception&) {
            o = Officer{};
            o.id = name;
            o.center = catalog.find_center(in.value("center", "")).value_or(0);
          }
          o.id = name;
          id = matcher.add_officer(std::move(o));
        }
        matcher.remove_officer(*id);
        ++out.removed;
        continue;
      }
      Officer o = parse_officer(catalog, in, declared);
      if (o.id != name) bad("the record names officer " + o.id);
      o.presence = declared;  // The Dispatcher reads it as declared, then sets offline.
      if (const auto id = matcher.find_officer(o.id)) {
        // On the configured roster: what officer.update may change comes from the store.
        matcher.set_skills(*id, std::move(o.skills));
        matcher.set_capacity(*id, o.capacity);
        matcher.set_presence(*id, declared);
        ++out.updated;
      } else {
        matcher.add_officer(std::move(o));
        ++out.added;
      }
    } catch (const std::exception& e) {
      // A record that no longer fits the configuration (a center or skill taken out of it) is
      // left in the store and skipped; the officer keeps what the configuration says.
      out.skipped.push_back(name + ": " + e.what());
    }
  }
  return out;
}

}  // namespace docket::dispatch
