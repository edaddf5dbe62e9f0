// Codec cost and the effect of credit (messages in flight) on a ROUTER/DEALER pair on loopback.
#include <benchmark/benchmark.h>

#include <thread>

#include "docket/protocol/channel.h"

namespace docket::protocol {
namespace {

Message sample_offer(int n) {
  Message m{Type::kOffer, {{"offers", nlohmann::json::array()}}};
  for (int i = 0; i < n; ++i) {
    m.body["offers"].push_back({{"receipt", "EAC2590012345"},
                                {"epoch", 5},
                                {"officer", "ISO-CSC-00001"},
                                {"state", "offered"},
                                {"form", "I-485"},
                                {"center", "CSC"},
                                {"priority", "normal"},
                                {"received", 1759320000},
                                {"deadline", 1790856000},
                                {"qa", false},
                                {"returning", false},
                                {"expires", 1759400030}});
  }
  return m;
}

void BM_EncodeDecodeOffer(benchmark::State& state) {
  const Message m = sample_offer(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto frames = encode(m);
    benchmark::DoNotOptimize(decode(frames));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EncodeDecodeOffer)->Arg(1)->Arg(64);

// Round trips through the codec with `window` messages in flight: the window is what credit
// buys a worker.
void BM_RoundTripsWithCredit(benchmark::State& state) {
  const int window = static_cast<int>(state.range(0));
  zmq::context_t ctx;
  Server server(ctx, "tcp://127.0.0.1:0");
  Client client(ctx, server.endpoint());
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    zmq::pollitem_t item{server.socket().handle(), 0, ZMQ_POLLIN, 0};
    while (!stop) {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(20)) == 0) continue;
      while (auto r = server.try_recv()) {
        if (r->message) server.send(r->peer, *r->message);
      }
    }
  });
  const Message ping{Type::kHeartbeat, {{"n", 1}}};
  std::int64_t done = 0;
  for (auto _ : state) {
    const int total = 20'000;
    int sent = 0;
    int received = 0;
    while (received < total) {
      while (sent < total && sent - received < window) {
        client.send(ping);
        ++sent;
      }
      if (client.recv(std::chrono::seconds(5))) ++received;
    }
    done += total;
  }
  stop = true;
  echo.join();
  state.SetItemsProcessed(done);
}
BENCHMARK(BM_RoundTripsWithCredit)
    ->Arg(1)
    ->Arg(16)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace docket::protocol

BENCHMARK_MAIN();
