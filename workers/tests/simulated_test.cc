#include "docket/worker/simulated.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "docket/core/error.h"
#include "docket/worker/interactive.h"
#include "scripted_scheduler.h"

namespace docket::worker::testing {
namespace {

/// Two centers and one form calibrated like the sample configuration's I-130.
Catalog sample_catalog() {
  Catalog cat;
  Center csc;
  csc.code = "CSC";
  csc.name = "California Service Center";
  csc.timezone = "America/Los_Angeles";
  const CenterId csc_id = cat.add_center(csc);
  Center nbc;
  nbc.code = "NBC";
  nbc.name = "National Benefits Center";
  nbc.timezone = "America/Chicago";
  const CenterId nbc_id = cat.add_center(nbc);
  FormPolicy f;
  f.code = "I-130";
  f.skill = cat.intern_skill("I-130");
  f.effort_hours = 1.5;
  f.rfe_rate = 0.20;
  f.approval_share = 0.88;
  f.centers = {csc_id, nbc_id};
  cat.add_form(f);
  return cat;
}

Case a_case(int i, const std::string& form = "I-130") {
  Case c;
  char receipt[16];
  std::snprintf(receipt, sizeof receipt, "EAC25%08d", i);
  c.receipt = receipt;
  c.epoch = 1;
  c.form = form;
  c.center = "CSC";
  return c;
}

constexpr int kDraws = 20'000;

TEST(Simulated, DrawsAreDeterministicForASeed) {
  const Catalog cat = sample_catalog();
  SimulatedOptions o;
  o.seed = 42;
  o.decline_share = 0.3;
  const OfficerModel a(cat, o), b(cat, o);
  o.seed = 43;
  const OfficerModel other(cat, o);
  int differ = 0;
  for (int i = 0; i < 200; ++i) {
    const Case c = a_case(i);
    EXPECT_EQ(a.effort_hours(c), b.effort_hours(c));
    EXPECT_EQ(a.declines(c), b.declines(c));
    EXPECT_EQ(a.decision(c).outcome, b.decision(c).outcome);
    differ += a.effort_hours(c) != other.effort_hours(c) ? 1 : 0;
  }
  EXPECT_GT(differ, 190);
  // The order in which cases arrive does not matter.
  EXPECT_EQ(a.effort_hours(a_case(7)), b.effort_hours(a_case(7)));
}

TEST(Simulated, EffortIsLognormalAroundTheFormsMean) {
  const Catalog cat = sample_catalog();
  SimulatedOptions o;
  o.time_scale = 3600;  // One hour of effort per second.
  const OfficerModel m(cat, o);
  double sum = 0;
  double sum_ms = 0;
  std::vector<double> draws;
  for (int i = 0; i < kDraws; ++i) {
    const double h = m.effort_hours(a_case(i));
    ASSERT_GT(h, 0);
    draws.push_back(h);
    sum += h;
    sum_ms += static_cast<double>(m.effort_time(a_case(i)).count());
  }
  EXPECT_NEAR(sum / kDraws, 1.5, 1.5 * 0.03);
  EXPECT_NEAR(sum_ms / kDraws, 1500, 1500 * 0.03);
  std::nth_element(draws.begin(), draws.begin() + kDraws / 2, draws.end());
  // The median of a lognormal with sigma 0.5 is exp(-0.125) of its mean: right-skewed.
  EXPECT_NEAR(draws[kDraws / 2], 1.5 * std::exp(-0.125), 0.05);
  // An unknown form gets the default effort; --effort-zero takes no time at all.
  double unknown = 0;
  for (int i = 0; i < kDraws; ++i) unknown += m.effort_hours(a_case(i, "I-999"));
  EXPECT_NEAR(unknown / kDraws, SimulatedOptions::DEFAULT_EFFORT_HOURS, 0.03);
  o.effort_zero = true;
  EXPECT_EQ(OfficerModel(cat, o).effort_time(a_case(1)), Millis(0));
}

TEST(Simulated, OutcomeSharesFollowTheFormPolicy) {
  const Catalog cat = sample_catalog();
  SimulatedOptions o;
  o.transfer_share = 0.01;
  const OfficerModel m(cat, o);
  int rfe = 0, approve = 0, deny = 0, refer = 0, transfer = 0;
  for (int i = 0; i < kDraws; ++i) {
    const Decision d = m.decision(a_case(i));
    switch (d.outcome) {
      case Outcome::kRequestEvidence:
        ++rfe;
        break;
      case Outcome::kApprove:
        ++approve;
        break;
      case Outcome::kDeny:
        ++deny;
        break;
      case Outcome::kRefer:
        ++refer;
        break;
      case Outcome::kTransfer:
        ++transfer;
        EXPECT_EQ(d.to, "NBC");  // Another center adjudicating the form.
        break;
    }
  }
  EXPECT_NEAR(rfe / double(kDraws), 0.20, 0.015);
  EXPECT_NEAR(approve / double(approve + deny), 0.88, 0.015);
  EXPECT_NEAR(refer / double(kDraws), 0.8 * 0.005, 0.002);
  EXPECT_NEAR(transfer / double(kDraws), 0.8 * 0.01, 0.003);

  // A case back from an RFE gets no second RFE; a QA review is approve or deny only.
  int returning_rfe = 0, qa_other = 0, qa_approve = 0;
  for (int i = 0; i < kDraws; ++i) {
    Case c = a_case(i);
    c.returning = true;
    returning_rfe += m.decision(c).outcome == Outcome::kRequestEvidence ? 1 : 0;
    c.returning = false;
    c.qa = true;
    const Outcome q = m.decision(c).outcome;
    qa_other += q != Outcome::kApprove && q != Outcome::kDeny ? 1 : 0;
    qa_approve += q == Outcome::kApprove ? 1 : 0;
  }
  EXPECT_EQ(returning_rfe, 0);
  EXPECT_EQ(qa_other, 0);
  EXPECT_NEAR(qa_approve / double(kDraws), 0.88, 0.015);
}

TEST(Simulated, DeclinesTheConfiguredShare) {
  const Catalog cat = sample_catalog();
  SimulatedOptions o;
  o.decline_share = 0.25;
  const OfficerModel m(cat, o);
  int declined = 0;
  for (int i = 0; i < kDraws; ++i) declined += m.declines(a_case(i)) ? 1 : 0;
  EXPECT_NEAR(declined / double(kDraws), 0.25, 0.015);
  // The same case offered again at later epochs is drawn afresh each time.
  int again = 0;
  Case c = a_case(1);
  for (int epoch = 1; epoch <= 2000; ++epoch) {
    c.epoch = epoch;
    again += m.declines(c) ? 1 : 0;
  }
  EXPECT_NEAR(again / 2000.0, 0.25, 0.04);
  o.decline_share = 1.5;
  EXPECT_THROW(OfficerModel(cat, o), InvalidArgument);
}

TEST(Simulated, OfficerAcceptsWorksOneCaseAtATimeAndDecides) {
  const Catalog cat = sample_catalog();
  SimulatedOptions o;
  o.time_scale = 3600;  // 1.5 hours of effort = 1.5 s on the test's clock.
  SimulatedBehaviour b(cat, o);
  ScriptedScheduler s;
  s.start();
  s.attach(&b);
  s.welcome();
  s.send(Type::kOffer,
         {{"offers", {case_json("EAC2590012345", 5), case_json("EAC2590012346", 8)}}});
  const auto accept = s.expect(Type::kAccept);
  ASSERT_EQ(accept.body["offers"].size(), 2u);
  EXPECT_EQ(accept.body["credit"], 2);
  s.send(Type::kResult, {{"re", accept.body["id"]},
                         {"results",
                          {{{"receipt", "EAC2590012345"}, {"ok", true}, {"epoch", 6}},
                           {{"receipt", "EAC2590012346"}, {"ok", true}, {"epoch", 9}}}}});
  s.wait_event(Event::Kind::kAssigned);
  s.wait_event(Event::Kind::kAssigned);
  EXPECT_EQ(b.backlog(), 2u);
  // No effort draw in this test is above 20 hours, so 20 s of test time finishes the first case
  // and only then starts the second.
  s.advance_alive(20s);
  const auto first = s.expect(Type::kDecide);
  ASSERT_EQ(first.body["decisions"].size(), 1u);
  EXPECT_EQ(first.body["decisions"][0]["receipt"], "EAC2590012345");
  EXPECT_EQ(first.body["decisions"][0]["epoch"], 6);
  const OfficerModel model(cat, o);
  Case c = a_case(0);
  c.receipt = "EAC2590012345";
  EXPECT_EQ(first.body["decisions"][0]["outcome"], wire_name(model.decision(c).outcome));
  s.send(Type::kResult,
         {{"re", first.body["id"]}, {"results", {{{"receipt", "EAC2590012345"}, {"ok", true}}}}});
  s.advance_alive(20s);
  const auto second = s.expect(Type::kDecide);
  EXPECT_EQ(second.body["decisions"][0]["receipt"], "EAC2590012346");
  EXPECT_EQ(second.body["decisions"][0]["epoch"], 9);
}

TEST(Simulated, ZeroEffortDecidesAtOnceAndALostCaseIsDropped) {
  const Catalog cat = sample_catalog();
  SimulatedOptions o;
  o.effort_zero = true;
  SimulatedBehaviour b(cat, o);
  ScriptedScheduler s;
  s.start();
  s.attach(&b);
  s.welcome({{"resumed", {case_json("EAC2590012345", 3, "assigned")}}});
  const auto decide = s.expect(Type::kDecide);
  EXPECT_EQ(decide.body["decisions"][0]["epoch"], 3);
  s.send(Type::kLeaseLost, {{"cases", {{{"receipt", "EAC2590012345"}, {"reason", "reclaimed"}}}}});
  s.wait_event(Event::Kind::kLost);
  EXPECT_EQ(b.backlog(), 0u);
}

TEST(Simulated, AnOfferPastItsExpiryIsNotAccepted) {
  const Catalog cat = sample_catalog();
  SimulatedOptions o;
  o.time_scale = 3600;
  SimulatedBehaviour b(cat, o);
  ScriptedScheduler s;
  s.start();
  s.attach(&b);
  s.welcome();
  s.clock().advance(1s);
  // The first offer's expiry (+1 s) has passed on arrival; the second's (+30 s) has not.
  json late = case_json("EAC2590012345", 5);
  late["expires"] = kStart.time_since_epoch().count() + 1;
  s.send(Type::kOffer, {{"offers", {late, case_json("EAC2590012346", 8)}}});
  // The dropped offer's credit goes back at once; the live offer is accepted.
  EXPECT_EQ(s.expect(Type::kCredit).body["credit"], 1);
  const auto accept = s.expect(Type::kAccept);
  EXPECT_EQ(accept.body["offers"], json::parse(R"([{"receipt":"EAC2590012346","epoch":8}])"));
  EXPECT_EQ(accept.body["credit"], 1);
  EXPECT_EQ(s.wait_event(Event::Kind::kLost).code, "offer_expired");
  EXPECT_EQ(s.desk().stats().expired, 1);
}

// An interactive desk on a scripted scheduler: commands arrive on a pipe, and what the desk
// prints for the officer goes to a temporary file the test reads back.
struct InteractiveDesk {
  InteractiveDesk() : pipe_ok(::pipe(fds) == 0), out(std::tmpfile()), b(fds[0], out) {
    s.start();
    s.attach(&b);
    s.welcome();
  }
  ~InteractiveDesk() {
    std::fclose(out);
    ::close(fds[0]);
    ::close(fds[1]);
  }
  std::string printed() {
    std::rewind(out);
    std::string text(4096, '\0');
    text.resize(std::fread(text.data(), 1, text.size(), out));
    return text;
  }

  int fds[2] = {-1, -1};
  bool pipe_ok;
  std::FILE* out;
  InteractiveBehaviour b;
  ScriptedScheduler s;
};

TEST(Interactive, AcceptingAnExpiredOfferSaysSo) {
  InteractiveDesk t;
  ASSERT_TRUE(t.pipe_ok);
  InteractiveBehaviour& b = t.b;
  ScriptedScheduler& s = t.s;
  json offer = case_json("EAC2590012345", 5);
  offer["expires"] = kStart.time_since_epoch().count() + 1;
  s.send(Type::kOffer, {{"offers", {offer}}});
  s.wait_event(Event::Kind::kOffer);
  s.clock().advance(1s);  // Now at its expiry, before the desk's next look.
  EXPECT_EQ(b.execute(s.desk(), "accept eac2590012345"),
            "offer EAC2590012345 has expired; dropped");
  s.expect(Type::kCredit);
  const std::string printed = t.printed();
  EXPECT_NE(printed.find("LOST     EAC2590012345 (offer_expired)"), std::string::npos) << printed;
}

TEST(Interactive, CommandsDriveTheDesk) {
  InteractiveDesk t;
  ASSERT_TRUE(t.pipe_ok);
  InteractiveBehaviour& b = t.b;
  ScriptedScheduler& s = t.s;
  const int* fds = t.fds;
  s.send(Type::kOffer, {{"offers", {case_json("EAC2590012345", 5)}}});
  s.wait_event(Event::Kind::kOffer);
  Desk& d = s.desk();
  EXPECT_NE(b.execute(d, "help").find("decide <receipt>"), std::string::npos);
  EXPECT_EQ(b.execute(d, "frobnicate"), "unknown command 'frobnicate'; type 'help'");
  EXPECT_EQ(b.execute(d, "decide eac2590012345 approve"), "decide: case EAC2590012345 is offered");
  const std::string typed = "accept eac2590012345\n";
  ASSERT_EQ(::write(fds[1], typed.data(), typed.size()), static_cast<ssize_t>(typed.size()));
  const auto accept = s.expect(Type::kAccept);
  s.send(Type::kResult,
         {{"re", accept.body["id"]},
          {"results", {{{"receipt", "EAC2590012345"}, {"ok", true}, {"epoch", 6}}}}});
  s.wait_event(Event::Kind::kAssigned);
  EXPECT_EQ(b.execute(d, "decide EAC2590012345 transfer"),
            "decide: a transfer names the receiving center");
  EXPECT_EQ(b.execute(d, "decide EAC2590012345 refer FDNS check"), "deciding EAC2590012345 refer");
  const auto decide = s.expect(Type::kDecide);
  EXPECT_EQ(decide.body["decisions"][0]["note"], "FDNS check");
  EXPECT_EQ(b.execute(d, "presence away"), "presence of ISO-CSC-00001: away");
  s.expect(Type::kPresence);
  EXPECT_FALSE(b.finished());
  b.execute(d, "quit");
  EXPECT_TRUE(b.finished());
  // The offer and the assignment were printed for the officer.
  const std::string printed = t.printed();
  EXPECT_NE(printed.find("OFFER    EAC2590012345 I-130 normal at CSC"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("ASSIGNED EAC2590012345"), std::string::npos) << printed;
}

}  // namespace
}  // namespace docket::worker::testing
