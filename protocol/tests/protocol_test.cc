#include <gtest/gtest.h>

#include <thread>

#include "docket/protocol/channel.h"

namespace docket::protocol {
namespace {

std::vector<zmq::message_t> frames_of(std::initializer_list<std::string_view> parts) {
  std::vector<zmq::message_t> out;
  for (auto p : parts) out.emplace_back(p.data(), p.size());
  return out;
}

Code code_of(const std::vector<zmq::message_t>& frames,
             std::size_t max = DEFAULT_MAX_MESSAGE_BYTES) {
  try {
    decode(frames, max);
  } catch (const ProtocolError& e) {
    return e.code();
  }
  ADD_FAILURE() << "decoded";
  return Code::kInternal;
}

TEST(Protocol, EveryTypeAndCodeRoundTripsByName) {
  for (int i = 0; i < kTypeCount; ++i) {
    const auto t = static_cast<Type>(i);
    EXPECT_EQ(parse_type(to_string(t)), t);
  }
  for (int i = 0; i < kCodeCount; ++i) {
    const auto c = static_cast<Code>(i);
    EXPECT_EQ(parse_code(to_string(c)), c);
  }
  EXPECT_FALSE(parse_type("hello"));
}

TEST(Protocol, EncodeThenDecodeGivesTheMessageBack) {
  Message m{Type::kOffer, {{"offers", {{{"receipt", "EAC2590012345"}, {"epoch", 5}}}}}};
  const auto frames = encode(m);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].to_string(), "DKT1");
  EXPECT_EQ(frames[1].to_string(), "OFFER");
  const Message back = decode(frames);
  EXPECT_EQ(back.type, Type::kOffer);
  EXPECT_EQ(back.body, m.body);
}

TEST(Protocol, RefusesWhatItCannotRead) {
  EXPECT_EQ(code_of(frames_of({"DKT1", "HELLO"})), Code::kMalformed);
  EXPECT_EQ(code_of(frames_of({"DKT1", "HELLO", "{}", "extra"})), Code::kMalformed);
  EXPECT_EQ(code_of(frames_of({"XYZW", "HELLO", "{}"})), Code::kMalformed);
  EXPECT_EQ(code_of(frames_of({"DKT2", "HELLO", "{}"})), Code::kVersion);
  EXPECT_EQ(code_of(frames_of({"DKT1", "HELO", "{}"})), Code::kUnknownType);
  EXPECT_EQ(code_of(frames_of({"DKT1", "HELLO", "{\"a\":"})), Code::kMalformed);
  EXPECT_EQ(code_of(frames_of({"DKT1", "HELLO", "[1,2]"})), Code::kMalformed);
  EXPECT_EQ(code_of(frames_of({"DKT1", "HELLO", "{} trailing"})), Code::kMalformed);
  EXPECT_EQ(code_of(frames_of({"DKT1", "HELLO", "{\"a\":\"\xff\xfe\"}"})), Code::kMalformed);
  const std::string big(2000, 'x');
  EXPECT_EQ(code_of(frames_of({"DKT1", "HELLO", big}), 1000), Code::kTooLarge);
}

TEST(Protocol, FieldErrorsNameThePath) {
  const auto body =
      nlohmann::json::parse(R"({"offers":[{"receipt":"EAC2590012345","epoch":"5"}],"n":null})");
  const auto& offers = require_array(body, "offers");
  EXPECT_EQ(require_string(offers[0], "receipt", item_path("offers", 0)), "EAC2590012345");
  try {
    require_int(offers[0], "epoch", item_path("offers", 0));
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), Code::kBadRequest);
    EXPECT_STREQ(e.what(), "field 'offers[0].epoch': expected an integer, got string");
  }
  EXPECT_THROW(require(body, "missing"), ProtocolError);
  EXPECT_EQ(optional_int(body, "n", 7), 7);  // null counts as absent.
  EXPECT_EQ(optional_bool(body, "flag", true), true);
  EXPECT_THROW(optional_string(body, "offers"), ProtocolError);
}

TEST(Channel, ServerAnswersAClientAndReportsBadMessages) {
  zmq::context_t ctx;
  Server server(ctx, "tcp://127.0.0.1:0");
  ChannelOptions co;
  co.identity = "desk-1";
  Client client(ctx, server.endpoint(), co);
  client.send(Message{Type::kHeartbeat, {}});
  std::optional<Received> got;
  for (int i = 0; i < 500 && !got; ++i) {
    got = server.try_recv();
    if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->peer, "desk-1");
  ASSERT_TRUE(got->message);
  EXPECT_EQ(got->message->type, Type::kHeartbeat);

  // A raw frame sequence the protocol cannot read arrives as an error, not an exception.
  client.socket().send(zmq::str_buffer("garbage"), zmq::send_flags::none);
  got.reset();
  for (int i = 0; i < 500 && !got; ++i) {
    got = server.try_recv();
    if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->error);
  EXPECT_EQ(got->error->code(), Code::kMalformed);
  EXPECT_TRUE(server.send("desk-1", error_message(got->error->code(), got->error->what())));
  const auto reply = client.recv(std::chrono::seconds(5));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->type, Type::kError);
  EXPECT_EQ(reply->body["code"], "malformed");

  // A peer that never connected cannot be reached; the send says so.
  EXPECT_FALSE(server.send("nobody", Message{}));
}

TEST(Channel, CallPairsEachReplyWithItsRequestAndRaisesErrors) {
  zmq::context_t ctx;
  Server server(ctx, "tcp://127.0.0.1:0");
  Client client(ctx, server.endpoint());
  std::thread responder([&] {
    int answered = 0;
    while (answered < 2) {
      auto r = server.try_recv();
      if (!r) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      const auto& body = r->message->body;
      if (body["cmd"] == "ping") {
        server.send(r->peer,
                    Message{Type::kReply, {{"re", body["id"]}, {"result", {{"pong", true}}}}});
      } else {
        server.send(r->peer, error_message(Code::kUnknownCommand, "no such command", &body["id"]));
      }
      ++answered;
    }
  });
  EXPECT_EQ(client.call("ping", {}, std::chrono::seconds(5))["pong"], true);
  try {
    client.call("nope", {}, std::chrono::seconds(5));
    ADD_FAILURE();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), Code::kUnknownCommand);
  }
  responder.join();
  EXPECT_THROW(client.call("ping", {}, std::chrono::milliseconds(50)), TimeoutError);
}

TEST(Channel, CurveEncryptsAndRefusesAStrangerWithTheWrongKey) {
  zmq::context_t ctx;
  const auto [server_pub, server_sec] = curve_keypair();
  const auto [client_pub, client_sec] = curve_keypair();
  ChannelOptions so;
  so.curve.secret = server_sec;
  so.curve.server_public = server_pub;
  Server server(ctx, "tcp://127.0.0.1:0", so);
  ChannelOptions co;
  co.curve = {server_pub, client_sec, client_pub};
  Client good(ctx, server.endpoint(), co);
  good.send(Message{Type::kHeartbeat, {}});
  std::optional<Received> got;
  for (int i = 0; i < 1000 && !got; ++i) {
    got = server.try_recv();
    if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(got && got->message);

  // A client that expects another server key never completes the handshake.
  const auto [other_pub, other_sec] = curve_keypair();
  (void)other_sec;
  co.curve.server_public = other_pub;
  Client bad(ctx, server.endpoint(), co);
  bad.send(Message{Type::kHeartbeat, {}});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(server.try_recv());
}

TEST(Channel, SplitEndpointsTrimsSkipsEmptyItemsAndRefusesAnEmptyList) {
  EXPECT_EQ(split_endpoints("tcp://a:1"), (std::vector<std::string>{"tcp://a:1"}));
  EXPECT_EQ(split_endpoints(" tcp://a:1 ,, tcp://b:2,"),
            (std::vector<std::string>{"tcp://a:1", "tcp://b:2"}));
  EXPECT_THROW(split_endpoints(""), InvalidArgument);
  EXPECT_THROW(split_endpoints(" , "), InvalidArgument);
}

}  // namespace
}  // namespace docket::protocol
