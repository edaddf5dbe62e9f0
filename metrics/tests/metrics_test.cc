// The metrics as Prometheus sees them: a real exposer on a free port, real store traffic against a
// real redis-server, a real assignment round, a scrape over HTTP, and promtool's own lint.

#include "docket/metrics/metrics.h"

#include <gtest/gtest.h>

#include <regex>

#include "docket/core/error.h"
#include "docket/matching/matcher.h"
#include "docket/matching/metrics.h"
#include "docket/store/metrics.h"
#include "docket/testing/fixtures.h"
#include "scrape_util.h"
#include "store_test_util.h"

namespace docket::metrics {
namespace {

using scrape::http_get;
using scrape::promtool_check;
using scrape::sample;

class MetricsTest : public store::testing::StoreTest {};

TEST_F(MetricsTest, ScrapedMetricsAreRealAndPassPromtool) {
  MetricsServer server("127.0.0.1:0");
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics");
  add_build_info(server.registry(), DOCKET_VERSION);
  store::StoreMetrics store_metrics(server.registry());
  matching::MatcherMetrics matcher_metrics(server.registry());
  store_->set_metrics(&store_metrics);

  // Store traffic: two receipts (one repeated), a queue, an offer, and a stale decision.
  for (int n : {1, 2, 1}) {
    store::Transition t;
    t.op = store::Op::kReceive;
    t.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, static_cast<std::uint64_t>(n));
    t.center = "VSC";
    t.record = store::testing::sample_case(static_cast<std::uint64_t>(n));
    store_->apply(t);
  }
  store::Transition q;
  q.receipt = ReceiptNumber::make(ReceiptNumber::Prefix::kEAC, 1);
  q.center = "VSC";
  q.op = store::Op::kQueue;
  store_->apply(q);
  q.op = store::Op::kOffer;
  q.officer = "ISO-1";
  store_->apply(q);
  q.op = store::Op::kDecide;
  q.epoch = 0;  // Stale: the offer moved the case to epoch 1.
  store_->apply(q);

  // One round of the matcher.
  const Catalog cat = docket::testing::small_catalog();
  matching::Matcher m(cat, matching::Options{}, clock_);
  m.set_metrics(&matcher_metrics);
  m.add_officer(docket::testing::make_officer(cat, "A", "VSC", {{"i130", 3}}, 2));
  for (int i = 0; i < 5; ++i) m.enqueue(docket::testing::make_case(cat, 10 + i, "I-130", "VSC", clock_.now(), 30 + i));
  m.run_round();

  // A Redis outage: the call fails with IoError and is counted.
  server_.reset();
  EXPECT_THROW(store_->apply(q), IoError);

  const std::string text = http_get(server.port(), "/metrics");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(sample(text, R"(docket_store_transitions_total{op="receive",result="applied"})"), 2);
  EXPECT_EQ(sample(text, R"(docket_store_transitions_total{op="receive",result="duplicate"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_store_transitions_total{op="offer",result="applied"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_store_transitions_total{op="decide",result="stale_epoch"})"), 1);
  EXPECT_EQ(sample(text, R"(docket_redis_errors_total{kind="io"})"), 1);
  EXPECT_EQ(sample(text, "docket_assignment_rounds_total"), 1);
  EXPECT_EQ(sample(text, "docket_assignment_offers_total"), 2);
  EXPECT_EQ(sample(text, "docket_queued_cases"), 5);
  EXPECT_EQ(sample(text, "docket_store_call_seconds_count"), 6);
  EXPECT_NE(text.find(R"(docket_build_info{version=")"), std::string::npos);

  // Every metric is ours (or prometheus-cpp's own exposer_* about the scrape endpoint), and no
  // label carries a receipt number or an officer id.
  for (std::size_t at = 0; at < text.size();) {
    const auto end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(line.rfind("docket_", 0) == 0 || line.rfind("exposer_", 0) == 0) << line;
    EXPECT_FALSE(std::regex_search(line, std::regex("(EAC|WAC|LIN|SRC|MSC|YSC|IOE)[0-9]{10}|ISO-"))) << line;
  }
  const auto [rc, lint] = promtool_check(text);
  EXPECT_EQ(rc, 0) << lint;
  EXPECT_EQ(lint, "") << lint;
}

TEST(MetricsServerTest, AnAddressInUseIsAClearError) {
  MetricsServer first("127.0.0.1:0");
  EXPECT_THROW(MetricsServer("127.0.0.1:" + std::to_string(first.port())), IoError);
  EXPECT_THROW(MetricsServer("no-port"), InvalidArgument);
}

}  // namespace
}  // namespace docket::metrics
