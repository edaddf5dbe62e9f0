// A process that exposes every metric struct docket-scheduler registers, fed with a little
// traffic, and prints one scrape of its own endpoint: what check_metric_names.py checks the
// dashboards and rules against in the unit tests, without a scheduler process (the e2e test
// programs_test.LiveMetrics checks the same names against a running docket-scheduler).

#include <cstdio>
#include <exception>

#include "docket/dispatch/metrics.h"
#include "docket/leader/elector.h"
#include "docket/matching/matcher.h"
#include "docket/matching/metrics.h"
#include "docket/metrics/agency.h"
#include "docket/metrics/metrics.h"
#include "docket/rebalance/metrics.h"
#include "docket/store/metrics.h"
#include "docket/testing/fixtures.h"
#include "scrape_util.h"

int main() try {
  using namespace docket;
  metrics::MetricsServer server("127.0.0.1:0");
  metrics::add_build_info(server.registry(), DOCKET_VERSION);
  store::StoreMetrics store_metrics(server.registry());
  matching::MatcherMetrics matcher_metrics(server.registry());
  const Catalog cat = testing::small_catalog();
  ManualClock clock(testing::test_epoch());
  metrics::AgencyMetrics agency(server.registry(), cat, clock);
  dispatch::DispatchMetrics dispatch_metrics(server.registry());
  rebalance::RebalanceMetrics rebalance_metrics(server.registry());
  leader::LeaderMetrics leader_metrics(server.registry());
  leader_metrics.term.Set(1);
  leader_metrics.elections.Increment();
  leader_metrics.renewed.Increment();
  dispatch_metrics.message(false, protocol::Type::kHello).Increment();
  dispatch_metrics.rejection(false, protocol::Code::kBadRequest).Increment();
  dispatch_metrics.zmq_error(false).Increment();
  dispatch_metrics.leases_expired.Add({{"center", "VSC"}}).Increment();
  dispatch_metrics.offer_latency.Observe(0.002);
  dispatch_metrics.workers_connected.Set(1);
  dispatch_metrics.leader.Set(1);
  rebalance_metrics.run(rebalance::RebalanceMetrics::Kind::kPlan, true);
  rebalance_metrics.moved("VSC", "CSC", "I-130", 1);
  rebalance_metrics.plan_seconds->Observe(0.5);

  matching::Matcher m(cat, matching::Options{}, clock);
  m.set_metrics(&matcher_metrics);
  m.add_officer(testing::make_officer(cat, "A", "VSC", {{"i130", 3}}, 2));
  const CenterId vsc = *cat.find_center("VSC");
  const FormId i130 = *cat.find_form("I-130");
  for (int i = 0; i < 3; ++i) {
    m.enqueue(testing::make_case(cat, 10 + static_cast<std::uint64_t>(i), "I-130", "VSC", clock.now(), 30));
    agency.on_receipt(vsc, i130, Priority::kNormal);
    agency.on_transition(vsc, i130, CaseState::kReceived, CaseState::kQueued);
  }
  for (const auto& a : m.run_round().assignments) {
    (void)a;
    agency.on_offered(vsc, i130, Seconds(3600));
    agency.on_transition(vsc, i130, CaseState::kQueued, CaseState::kOffered);
    agency.on_offer_outcome(vsc, metrics::OfferOutcome::kAccepted);
    agency.on_transition(vsc, i130, CaseState::kOffered, CaseState::kAssigned);
  }
  agency.on_completion(vsc, i130, Outcome::kApprove, Seconds(40 * 86400));
  agency.on_transition(vsc, i130, CaseState::kAssigned, CaseState::kDecided);
  agency.set_officers(m.officers());
  agency.tick();

  const std::string text = metrics::scrape::http_get(server.port(), "/metrics");
  std::fwrite(text.data(), 1, text.size(), stdout);
  return text.empty() ? 1 : 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "scrape_fixture: %s\n", e.what());
  return 1;
}
