#include <gtest/gtest.h>

#include "docket/core/error.h"
#include "scripted_scheduler.h"

namespace docket::worker::testing {
namespace {

constexpr const char* kR1 = "EAC2590012345";
constexpr const char* kR2 = "EAC2590012346";
constexpr const char* kR3 = "EAC2590012347";

TEST(Desk, RegistersItsOfficersAndResumesTheirCases) {
  ScriptedScheduler s;
  s.start({"ISO-CSC-00001", "ISO-CSC-00002"}, 6);
  const auto hello = s.welcome(
      {{"officers",
        {{{"officer", "ISO-CSC-00001"}, {"center", "CSC"}, {"capacity", 7}, {"senior", true}},
         {{"officer", "ISO-CSC-00002"}, {"center", "CSC"}, {"capacity", 6}, {"senior", false}}}},
       {"resumed",
        {case_json(kR1, 4, "assigned"), case_json(kR2, 9, "offered", "ISO-CSC-00002")}}});
  EXPECT_EQ(hello.body["agent"], "docket-worker/0.1.0");
  EXPECT_EQ(hello.body["credit"], 6);
  ASSERT_EQ(hello.body["officers"].size(), 2u);
  EXPECT_EQ(hello.body["officers"][1]["officer"], "ISO-CSC-00002");
  EXPECT_EQ(hello.body["officers"][1]["presence"], "available");
  EXPECT_FALSE(hello.body.contains("leases"));  // A first start believes it holds nothing.

  Desk& d = s.desk();
  EXPECT_TRUE(d.registered());
  EXPECT_EQ(d.session(), "w-test");
  EXPECT_EQ(d.lease(), 3000ms);
  EXPECT_TRUE(d.officer_info().at("ISO-CSC-00001").senior);
  EXPECT_EQ(d.officer_info().at("ISO-CSC-00002").capacity, 6);
  ASSERT_EQ(d.cases().size(), 2u);
  EXPECT_EQ(d.find(kR1)->stage, Stage::kAssigned);
  EXPECT_EQ(d.find(kR1)->info.epoch, 4);
  EXPECT_EQ(d.find(kR2)->stage, Stage::kOffered);
  EXPECT_FALSE(d.find(kR2)->owes_credit);  // Counted against an earlier session.
  EXPECT_EQ(s.wait_event(Event::Kind::kAssigned).receipt, kR1);
  const Event offer = s.wait_event(Event::Kind::kOffer);
  EXPECT_EQ(offer.receipt, kR2);
  EXPECT_EQ(offer.officer, "ISO-CSC-00002");
  ASSERT_TRUE(offer.info && offer.info->expires);
  EXPECT_EQ(*offer.info->expires, kStart + Seconds(30));
}

TEST(Desk, AcceptGrantsCreditAndDecideQuotesTheNewEpoch) {
  ScriptedScheduler s;
  s.start();
  s.welcome();
  s.send(Type::kOffer, {{"offers", {case_json(kR1, 5), case_json(kR2, 7)}}});
  EXPECT_EQ(s.wait_event(Event::Kind::kOffer).receipt, kR1);
  EXPECT_EQ(s.wait_event(Event::Kind::kOffer).receipt, kR2);
  Desk& d = s.desk();
  d.accept(kR1);
  d.accept(kR2);
  EXPECT_THROW(d.accept(kR1), InvalidArgument);      // Already answered.
  EXPECT_THROW(d.decide(kR1, {}), InvalidArgument);  // Not assigned yet.

  // Both answers go in one ACCEPT that grants one credit per answered offer.
  const auto accept = s.expect(Type::kAccept);
  EXPECT_EQ(accept.body["offers"], json::parse(R"([{"receipt":"EAC2590012345","epoch":5},
                                                   {"receipt":"EAC2590012346","epoch":7}])"));
  EXPECT_EQ(accept.body["credit"], 2);
  s.send(
      Type::kResult,
      {{"re", accept.body["id"]},
       {"results",
        {{{"receipt", kR1}, {"ok", true}, {"state", "assigned"}, {"epoch", 6}},
         {{"receipt", kR2}, {"ok", false}, {"code", "stale_epoch"}, {"message", "epoch 8 now"}}}}});
  EXPECT_EQ(s.wait_event(Event::Kind::kAssigned).receipt, kR1);
  const Event refused = s.wait_event(Event::Kind::kRefused);
  EXPECT_EQ(refused.receipt, kR2);
  EXPECT_EQ(refused.code, "stale_epoch");
  EXPECT_EQ(d.find(kR2), nullptr);  // Not ours any more.
  EXPECT_EQ(d.find(kR1)->info.epoch, 6);

  d.decide(kR1, {Outcome::kRequestEvidence});
  const auto decide = s.expect(Type::kDecide);
  EXPECT_EQ(decide.body["decisions"],
            json::parse(R"([{"receipt":"EAC2590012345","epoch":6,"outcome":"rfe"}])"));
  EXPECT_FALSE(decide.body.contains("credit"));
  s.send(Type::kResult,
         {{"re", decide.body["id"]},
          {"results", {{{"receipt", kR1}, {"ok", true}, {"state", "rfe_pending"}, {"epoch", 7}}}}});
  const Event decided = s.wait_event(Event::Kind::kDecided);
  EXPECT_EQ(decided.receipt, kR1);
  EXPECT_EQ(decided.code, "rfe_pending");
  ASSERT_TRUE(decided.decision);
  EXPECT_EQ(decided.decision->outcome, Outcome::kRequestEvidence);
  EXPECT_TRUE(d.cases().empty());
  EXPECT_EQ(d.stats().offers, 2);
  EXPECT_EQ(d.stats().accepted, 1);
  EXPECT_EQ(d.stats().refused, 1);
  EXPECT_EQ(d.stats().decided, 1);
}

TEST(Desk, TransfersNameTheCenterAndQaCasesOnlyApproveOrDeny) {
  ScriptedScheduler s;
  s.start();
  json qa = case_json(kR2, 3, "assigned");
  qa["qa"] = true;
  s.welcome({{"resumed", {case_json(kR1, 2, "assigned"), qa}}});
  Desk& d = s.desk();
  EXPECT_THROW(d.decide(kR1, {Outcome::kTransfer}), InvalidArgument);
  EXPECT_THROW(d.decide(kR2, {Outcome::kRequestEvidence}), InvalidArgument);
  d.decide(kR1, {Outcome::kTransfer, "NBC", "interview needed"});
  d.decide(kR2, {Outcome::kDeny});
  const auto decide = s.expect(Type::kDecide);
  EXPECT_EQ(decide.body["decisions"], json::parse(R"([
      {"receipt":"EAC2590012345","epoch":2,"outcome":"transfer","to":"NBC","note":"interview needed"},
      {"receipt":"EAC2590012346","epoch":3,"outcome":"deny"}])"));
}

TEST(Desk, DeclineCarriesItsReasonAndGrantsCredit) {
  ScriptedScheduler s;
  s.start();
  s.welcome();
  s.send(Type::kOffer, {{"offers", {case_json(kR1, 9)}}});
  s.wait_event(Event::Kind::kOffer);
  s.desk().decline(kR1, "conflict of interest", true);
  const auto decline = s.expect(Type::kDecline);
  EXPECT_EQ(decline.body["offers"], json::parse(R"([{"receipt":"EAC2590012345","epoch":9,
      "reason":"conflict of interest","recuse":true}])"));
  EXPECT_EQ(decline.body["credit"], 1);
  s.send(Type::kResult, {{"re", decline.body["id"]},
                         {"results", {{{"receipt", kR1}, {"ok", true}, {"state", "queued"}}}}});
  EXPECT_EQ(s.wait_event(Event::Kind::kDeclined).receipt, kR1);
  EXPECT_TRUE(s.desk().cases().empty());
  EXPECT_EQ(s.desk().stats().declined, 1);
}

TEST(Desk, LeaseLostDropsTheCaseAndGivesAnUnansweredOffersCreditBack) {
  ScriptedScheduler s;
  s.start();
  s.welcome({{"resumed", {case_json(kR1, 4, "assigned")}}});
  s.send(Type::kOffer, {{"offers", {case_json(kR2, 2)}}});
  s.wait_event(Event::Kind::kOffer);
  s.send(Type::kLeaseLost, {{"cases",
                             {{{"receipt", kR1}, {"reason", "reclaimed"}},
                              {{"receipt", kR2}, {"reason", "offer_timeout"}}}}});
  const Event lost1 = s.wait_event(Event::Kind::kLost);
  EXPECT_EQ(lost1.receipt, kR1);
  EXPECT_EQ(lost1.code, "reclaimed");
  EXPECT_EQ(s.wait_event(Event::Kind::kLost).code, "offer_timeout");
  EXPECT_TRUE(s.desk().cases().empty());
  EXPECT_THROW(s.desk().decide(kR1, {Outcome::kApprove}), InvalidArgument);
  // The timed-out offer used a credit; the window stays at its size.
  const auto credit = s.expect(Type::kCredit);
  EXPECT_EQ(credit.body["credit"], 1);
  EXPECT_EQ(s.desk().stats().lost, 2);
}

/// An offer that expires `seconds` after the test's start.
json offer_expiring(const std::string& receipt, std::int64_t epoch, int seconds) {
  json c = case_json(receipt, epoch);
  c["expires"] = kStart.time_since_epoch().count() + seconds;
  return c;
}

TEST(Desk, OfferPastItsExpiryIsDroppedNotAcceptedLate) {
  // The clock moves by whole seconds and less than the 3 s lease in all, so the scheduler's
  // silence never matters here.
  ScriptedScheduler s;
  s.start();
  s.welcome();
  s.send(Type::kOffer, {{"offers", {offer_expiring(kR1, 3, 1), offer_expiring(kR2, 4, 2)}}});
  s.wait_event(Event::Kind::kOffer);
  s.wait_event(Event::Kind::kOffer);
  Desk& d = s.desk();

  // Left unanswered, kR1 is dropped once its expiry passes, and its credit goes back.
  s.clock().advance(1s);
  const Event expired = s.wait_event(Event::Kind::kLost);
  EXPECT_EQ(expired.receipt, kR1);
  EXPECT_EQ(expired.code, "offer_expired");
  EXPECT_EQ(expired.officer, "ISO-CSC-00001");
  EXPECT_EQ(d.find(kR1), nullptr);
  EXPECT_THROW(d.accept(kR1), InvalidArgument);
  EXPECT_EQ(s.expect(Type::kCredit).body["credit"], 1);
  ASSERT_NE(d.find(kR2), nullptr);

  // Accepting kR2 at its expiry, before the desk looked, is refused by the desk itself: no
  // ACCEPT goes out, only the credit.
  s.clock().advance(1s);
  EXPECT_FALSE(d.accept(kR2));
  EXPECT_EQ(d.find(kR2), nullptr);
  EXPECT_EQ(s.wait_event(Event::Kind::kLost).code, "offer_expired");
  EXPECT_EQ(s.expect(Type::kCredit).body["credit"], 1);

  // An offer that arrives already expired is never reported as an offer.
  s.events().clear();
  s.send(Type::kOffer, {{"offers", {offer_expiring(kR3, 2, 1)}}});
  EXPECT_EQ(s.wait_event(Event::Kind::kLost).receipt, kR3);
  EXPECT_EQ(s.count(Event::Kind::kOffer), 0u);
  EXPECT_EQ(s.expect(Type::kCredit).body["credit"], 1);
  EXPECT_EQ(d.stats().expired, 3);
  EXPECT_EQ(d.stats().accepted, 0);
  EXPECT_TRUE(d.cases().empty());
}

TEST(Desk, AnOfferFromASimulatedCalendarIsTimedFromItsArrival) {
  ScriptedScheduler s;
  s.start();
  s.welcome({{"offer_timeout_ms", 2000}});
  // A scheduler on a simulated calendar (--start): its `expires` is a year before this desk's
  // clock, which says nothing about when the offer times out.
  json offer = case_json(kR1, 3);
  offer["expires"] = kStart.time_since_epoch().count() - 365 * 86'400;
  s.send(Type::kOffer, {{"offers", {offer}}});
  s.wait_event(Event::Kind::kOffer);
  Desk& d = s.desk();
  ASSERT_NE(d.find(kR1), nullptr);
  s.clock().advance(1999ms);
  s.pump();
  EXPECT_NE(d.find(kR1), nullptr);
  // At offer_timeout_ms after its arrival it is dropped like any expired offer.
  s.clock().advance(1ms);
  EXPECT_FALSE(d.accept(kR1));
  EXPECT_EQ(s.wait_event(Event::Kind::kLost).code, "offer_expired");
  EXPECT_EQ(d.stats().expired, 1);
}

TEST(Desk, UnavailableDecisionIsSentAgainWithBackoffAndRecordedOnce) {
  ScriptedScheduler s;
  s.start();
  s.welcome({{"resumed", {case_json(kR1, 6, "assigned")}}});
  s.desk().decide(kR1, {Outcome::kApprove});
  const auto first = s.expect(Type::kDecide);
  s.send(Type::kError, {{"re", first.body["id"]},
                        {"code", "unavailable"},
                        {"message", "state of record unreachable"}});
  EXPECT_TRUE(s.quiet());  // Nothing goes again before the backoff ends.
  EXPECT_EQ(s.desk().find(kR1)->stage, Stage::kDeciding);
  s.clock().advance(99ms);
  EXPECT_TRUE(s.quiet());
  s.clock().advance(1ms);
  const auto second = s.expect(Type::kDecide);
  EXPECT_EQ(second.body["decisions"], first.body["decisions"]);
  EXPECT_NE(second.body["id"], first.body["id"]);
  // Unavailable again: the backoff doubles.
  s.send(Type::kError, {{"re", second.body["id"]}, {"code", "unavailable"}});
  EXPECT_TRUE(s.quiet());
  s.clock().advance(199ms);
  EXPECT_TRUE(s.quiet());
  s.clock().advance(1ms);
  const auto third = s.expect(Type::kDecide);
  s.send(Type::kResult, {{"re", third.body["id"]},
                         {"results", {{{"receipt", kR1}, {"ok", true}, {"state", "decided"}}}}});
  s.wait_event(Event::Kind::kDecided);
  EXPECT_EQ(s.count(Event::Kind::kDecided), 0u);
  EXPECT_EQ(s.desk().stats().decided, 1);
  EXPECT_EQ(s.desk().stats().resent, 2);
  EXPECT_TRUE(s.desk().cases().empty());
}

TEST(Desk, HeartbeatWhenOtherwiseSilent) {
  ScriptedScheduler s;
  s.start();
  s.welcome();
  s.clock().advance(999ms);
  EXPECT_TRUE(s.quiet());
  s.clock().advance(1ms);
  s.expect(Type::kHeartbeat, /*skip_heartbeats=*/false);
  EXPECT_EQ(s.desk().stats().heartbeats, 1);
  // Anything sent counts as a sign of life: a PULL now puts the next heartbeat off.
  s.clock().advance(500ms);
  s.desk().pull("ISO-CSC-00001");
  s.expect(Type::kPull, false);
  s.send(Type::kHeartbeat, json::object());  // The scheduler's, so its lease does not lapse.
  s.clock().advance(999ms);
  EXPECT_TRUE(s.quiet());
  s.clock().advance(1ms);
  s.expect(Type::kHeartbeat, false);
}

TEST(Desk, SilentSchedulerMeansReconnectWithBackoffAndLeases) {
  ScriptedScheduler s;
  s.start();
  s.welcome({{"resumed", {case_json(kR1, 4, "assigned"), case_json(kR2, 3, "offered")}}});
  // The scheduler's last sign of life must have been read before the clock moves, or the desk
  // would date it later (a loaded machine may deliver it after the first pump).
  const auto received = s.desk().stats().received;
  s.send(Type::kHeartbeat, json::object());
  for (int i = 0; i < 10000 && s.desk().stats().received == received; ++i) s.pump();
  ASSERT_GT(s.desk().stats().received, received);
  s.clock().advance(2999ms);
  s.next(false);  // The desk's own heartbeats go on meanwhile.
  EXPECT_TRUE(s.desk().registered());
  s.clock().advance(1ms);
  s.wait_event(Event::Kind::kDisconnected);
  EXPECT_EQ(s.desk().state(), Desk::State::kBackoff);

  // First attempt after 100 ms; HELLO names the cases the desk believes it holds.
  s.clock().advance(99ms);
  EXPECT_TRUE(s.quiet());
  s.clock().advance(1ms);
  auto hello = s.expect(Type::kHello);
  EXPECT_EQ(hello.body["leases"], json::parse(R"([{"receipt":"EAC2590012345","epoch":4},
                                                  {"receipt":"EAC2590012346","epoch":3}])"));
  // No WELCOME within the timeout: the next attempt waits twice as long.
  s.clock().advance(3000ms);
  s.wait_event(Event::Kind::kDisconnected);
  s.clock().advance(199ms);
  EXPECT_TRUE(s.quiet());
  s.clock().advance(1ms);
  hello = s.expect(Type::kHello);
  EXPECT_EQ(hello.body["leases"].size(), 2u);

  // One case is still ours, the other lapsed.
  s.send(Type::kWelcome, {{"re", hello.body["id"]},
                          {"session", "w-2"},
                          {"heartbeat_ms", 1000},
                          {"lease_ms", 3000},
                          {"resumed", {case_json(kR1, 4, "assigned")}},
                          {"lost", {{{"receipt", kR2}, {"reason", "lease_expired"}}}}});
  s.wait_event(Event::Kind::kWelcome);
  const Event lost = s.wait_event(Event::Kind::kLost);
  EXPECT_EQ(lost.receipt, kR2);
  EXPECT_EQ(lost.code, "lease_expired");
  EXPECT_EQ(s.desk().cases().size(), 1u);
  EXPECT_EQ(s.desk().next_backoff(), 100ms);  // Reset by the WELCOME.
  EXPECT_EQ(s.desk().stats().reconnects, 2);
}

TEST(Desk, ReconnectsGoToTheNextSchedulerGivenAndTheBackoffGrowsAfterAllWereTried) {
  ScriptedScheduler s;
  protocol::Server other(s.context(), "tcp://127.0.0.1:0");
  // The other scheduler is listed first: a standby that does not answer.
  Desk& d = s.start_at(other.endpoint() + ", " + s.server().endpoint());
  EXPECT_EQ(d.endpoints().size(), 2u);
  EXPECT_EQ(d.endpoint(), other.endpoint());
  // Its HELLO reaches the first endpoint and goes unanswered.
  std::optional<protocol::Received> hello;
  for (int i = 0; i < 10000 && !hello; ++i) {
    s.pump();
    hello = other.try_recv();
  }
  ASSERT_TRUE(hello && hello->message);
  EXPECT_EQ(protocol::to_string(hello->message->type), "HELLO");
  s.clock().advance(3000ms);
  s.wait_event(Event::Kind::kDisconnected);
  EXPECT_EQ(d.endpoint(), s.server().endpoint());
  // The first retry goes to the second endpoint after the initial backoff, not a doubled one.
  EXPECT_EQ(d.next_backoff(), 100ms);
  s.clock().advance(100ms);
  s.welcome({{"resumed", {case_json(kR1, 4, "assigned")}}});
  EXPECT_TRUE(d.registered());

  // That scheduler stops: the desk moves on to the first again after the backoff the WELCOME
  // reset, and, the list having wrapped around, the attempt after that waits twice as long.
  s.send(Type::kShutdown, {{"reason", "lost the leader lease"}});
  s.wait_event(Event::Kind::kDisconnected);
  EXPECT_EQ(d.endpoint(), other.endpoint());
  EXPECT_EQ(d.next_backoff(), 200ms);
  s.clock().advance(100ms);
  hello.reset();
  for (int i = 0; i < 10000 && !hello; ++i) {
    s.pump();
    hello = other.try_recv();
  }
  ASSERT_TRUE(hello && hello->message);
  EXPECT_EQ(hello->message->body["leases"][0]["receipt"], kR1);
}

TEST(Desk, AnEndpointListWithNoEndpointIsRefused) {
  zmq::context_t ctx;
  ManualDeskClock clock(kStart);
  DeskOptions o;
  o.officers = {{"ISO-CSC-00001", Presence::kAvailable}};
  o.endpoint = " , ";
  EXPECT_THROW(Desk(ctx, o, clock), InvalidArgument);
}

TEST(Desk, ShutdownMeansReconnect) {
  ScriptedScheduler s;
  s.start();
  s.welcome({{"resumed", {case_json(kR1, 4, "assigned")}}});
  s.send(Type::kShutdown, {{"reason", "scheduler stopping"}});
  EXPECT_EQ(s.wait_event(Event::Kind::kShutdown).message, "scheduler stopping");
  s.wait_event(Event::Kind::kDisconnected);
  s.clock().advance(100ms);
  const auto hello = s.expect(Type::kHello);
  EXPECT_EQ(hello.body["leases"][0]["receipt"], kR1);
}

TEST(Desk, DecisionPendingAcrossAReconnectIsSentAgainAndRecordedOnce) {
  ScriptedScheduler s;
  s.start();
  s.welcome({{"resumed", {case_json(kR1, 6, "assigned"), case_json(kR2, 2, "offered")}}});
  s.events().clear();
  s.desk().decide(kR1, {Outcome::kApprove});
  s.desk().accept(kR2);
  s.expect(Type::kAccept);
  s.expect(Type::kDecide);
  // The scheduler records both and stops before answering.
  s.send(Type::kShutdown, json::object());
  s.wait_event(Event::Kind::kDisconnected);
  s.clock().advance(100ms);
  const auto hello = s.expect(Type::kHello);
  // The decided case is no longer held; the accepted one is.
  s.send(
      Type::kWelcome,
      {{"re", hello.body["id"]}, {"session", "w-2"}, {"resumed", {case_json(kR2, 3, "assigned")}}});
  s.wait_event(Event::Kind::kWelcome);
  const auto again = s.expect(Type::kDecide);
  EXPECT_EQ(again.body["decisions"],
            json::parse(R"([{"receipt":"EAC2590012345","epoch":6,"outcome":"approve"}])"));
  s.send(
      Type::kResult,
      {{"re", again.body["id"]},
       {"results", {{{"receipt", kR1}, {"ok", true}, {"state", "decided"}, {"duplicate", true}}}}});
  const Event decided = s.wait_event(Event::Kind::kDecided);
  EXPECT_TRUE(decided.duplicate);
  EXPECT_EQ(s.desk().stats().decided, 1);
  EXPECT_EQ(s.desk().stats().duplicates, 1);
  // The accepted case carries on at the epoch the WELCOME gave.
  EXPECT_EQ(s.wait_event(Event::Kind::kAssigned).receipt, kR2);
  EXPECT_EQ(s.desk().find(kR2)->info.epoch, 3);
  EXPECT_EQ(s.count(Event::Kind::kLost), 0u);
}

TEST(Desk, MalformedMessagesAreLoggedAndCountedNotFatal) {
  ScriptedScheduler s;
  s.start();
  s.welcome();
  s.send_raw({"DKT1", "OFFER"});                    // Two frames.
  s.send_raw({"XXXX", "OFFER", "{}"});              // Bad signature.
  s.send_raw({"DKT1", "OFFER", "{\"offers\": ["});  // Not JSON.
  s.send_raw({"DKT1", "NOPE", "{}"});               // Unknown type.
  s.send(Type::kOffer, {{"offers", "none"}});       // Wrong field type.
  s.send(Type::kResult, {{"re", "x"}});             // No integer re.
  s.send(Type::kOffer, {{"offers", {{{"receipt", kR1}, {"epoch", "5"}}, case_json(kR2, 5)}}});
  // The good offer of the last message still arrives.
  EXPECT_EQ(s.wait_event(Event::Kind::kOffer).receipt, kR2);
  EXPECT_EQ(s.desk().stats().malformed, 7);
  EXPECT_TRUE(s.desk().registered());
  s.desk().accept(kR2);
  s.expect(Type::kAccept);
}

TEST(Desk, RejectedOfficersAreReported) {
  ScriptedScheduler s;
  s.start({"ISO-CSC-00001", "ISO-XXX-1"});
  s.welcome({{"rejected",
              {{{"officer", "ISO-XXX-1"},
                {"code", "unknown_officer"},
                {"message", "not on the roster"}}}}});
  const Event r = s.wait_event(Event::Kind::kRejected);
  EXPECT_EQ(r.officer, "ISO-XXX-1");
  EXPECT_EQ(r.code, "unknown_officer");
  EXPECT_EQ(s.desk().officers().size(), 1u);  // Not offered again on a reconnect.

  ScriptedScheduler none;
  none.start({"ISO-XXX-1"});
  const auto hello = none.expect(Type::kHello);
  none.send(Type::kError, {{"re", hello.body["id"]},
                           {"code", "unknown_officer"},
                           {"message", "ISO-XXX-1 is not on the roster"}});
  const Event all = none.wait_event(Event::Kind::kRejected);
  EXPECT_TRUE(all.officer.empty());
  EXPECT_EQ(none.desk().state(), Desk::State::kRejected);
  none.clock().advance(10s);
  EXPECT_TRUE(none.quiet());  // It does not try again.
}

TEST(Desk, PullAndPresenceAreAnswered) {
  ScriptedScheduler s;
  s.start({"ISO-CSC-00001", "ISO-CSC-00002"});
  s.welcome();
  Desk& d = s.desk();
  EXPECT_THROW(d.pull("ISO-NOPE"), InvalidArgument);
  d.pull("ISO-CSC-00002");
  const auto pull = s.expect(Type::kPull);
  EXPECT_EQ(pull.body["officer"], "ISO-CSC-00002");
  s.send(Type::kResult, {{"re", pull.body["id"]}, {"offered", 0}});
  const Event pulled = s.wait_event(Event::Kind::kPullResult);
  EXPECT_EQ(pulled.officer, "ISO-CSC-00002");
  EXPECT_EQ(pulled.count, 0);

  d.set_presence("ISO-CSC-00001", Presence::kAway);
  const auto presence = s.expect(Type::kPresence);
  EXPECT_EQ(presence.body["presence"], "away");
  s.send(Type::kResult, {{"re", presence.body["id"]}, {"ok", true}});
  EXPECT_EQ(s.wait_event(Event::Kind::kPresenceSet).officer, "ISO-CSC-00001");
  // A later HELLO carries the presence.
  s.send(Type::kShutdown, json::object());
  s.wait_event(Event::Kind::kDisconnected);
  s.clock().advance(100ms);
  const auto hello = s.expect(Type::kHello);
  EXPECT_EQ(hello.body["officers"][0]["presence"], "away");
}

TEST(Desk, ByeEndsTheSession) {
  ScriptedScheduler s;
  s.start();
  s.welcome();
  s.desk().bye(true);
  const auto bye = s.expect(Type::kBye);
  EXPECT_EQ(bye.body["release"], true);
  EXPECT_EQ(s.desk().state(), Desk::State::kStopped);
  s.clock().advance(10s);
  s.pump();
  EXPECT_EQ(s.desk().state(), Desk::State::kStopped);
}

TEST(Desk, ConstructorRefusesBadOptions) {
  zmq::context_t ctx;
  ManualDeskClock clock(kStart);
  EXPECT_THROW((Desk{ctx, DeskOptions{}, clock}), InvalidArgument);
  DeskOptions twice;
  twice.officers = {{"ISO-CSC-00001"}, {"ISO-CSC-00001"}};
  EXPECT_THROW((Desk{ctx, twice, clock}), InvalidArgument);
}

}  // namespace
}  // namespace docket::worker::testing
