#include "docket/store/redis.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "docket/core/error.h"
#include "support/redis_fixture.h"

namespace docket::store {
namespace {

using Clock = std::chrono::steady_clock;
using testing::RedisServerFixture;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class RedisTest : public RedisServerFixture {
 protected:
  // Kills this test's main connection from a second one, as a server-side timeout or a proxy
  // dropping it would.
  void kill_main_connection() {
    const auto id = redis().command({"CLIENT", "ID"}).as_integer();
    auto other = connect();
    EXPECT_EQ(other->command({"CLIENT", "KILL", "ID", std::to_string(id)}).as_integer(), 1);
  }
};

TEST_F(RedisTest, DecodesEveryReplyType) {
  const Reply set = redis().command({"SET", "k", "v"});
  EXPECT_EQ(set.type, Reply::Type::kStatus);
  EXPECT_EQ(set.as_string(), "OK");

  const Reply get = redis().command({"GET", "k"});
  EXPECT_EQ(get.type, Reply::Type::kString);
  EXPECT_EQ(get.as_string(), "v");

  const Reply missing = redis().command({"GET", "absent"});
  EXPECT_TRUE(missing.is_nil());
  EXPECT_THROW(missing.as_string(), InvalidArgument);

  const Reply incr = redis().command({"INCR", "n"});
  EXPECT_EQ(incr.type, Reply::Type::kInteger);
  EXPECT_EQ(incr.as_integer(), 1);
  EXPECT_THROW(incr.as_string(), InvalidArgument);

  redis().command({"RPUSH", "list", "a", "b", "c"});
  const Reply range = redis().command({"LRANGE", "list", "0", "-1"});
  ASSERT_EQ(range.type, Reply::Type::kArray);
  ASSERT_EQ(range.elements.size(), 3u);
  EXPECT_EQ(range.elements[2].as_string(), "c");

  const Reply nested = redis().command({"EVAL", "return {1, {'x', 2}, false}", "0"});
  ASSERT_EQ(nested.elements.size(), 3u);
  EXPECT_EQ(nested.elements[0].as_integer(), 1);
  EXPECT_EQ(nested.elements[1].elements[0].as_string(), "x");
  EXPECT_TRUE(nested.elements[2].is_nil());  // Lua false is a nil bulk reply in RESP2.

  EXPECT_EQ(redis().counters().commands, 7u);
  EXPECT_TRUE(redis().connected());
}

TEST_F(RedisTest, IntegerFromStringReply) {
  redis().command({"SET", "n", "-42"});
  EXPECT_EQ(redis().command({"GET", "n"}).as_integer(), -42);
  redis().command({"SET", "n", "42x"});
  EXPECT_THROW(redis().command({"GET", "n"}).as_integer(), InvalidArgument);
}

TEST_F(RedisTest, ErrorReplyThrowsWithServerMessage) {
  redis().command({"SET", "k", "text"});
  try {
    redis().command({"INCR", "k"});
    FAIL() << "INCR on a non-integer must fail";
  } catch (const ReplyError& e) {
    EXPECT_TRUE(contains(e.what(), "ERR value is not an integer")) << e.what();
  }
  EXPECT_THROW(redis().command({"NOSUCHCOMMAND"}), ReplyError);
  EXPECT_EQ(redis().counters().reply_errors, 2u);
  // The connection survives an error reply.
  EXPECT_EQ(redis().command({"GET", "k"}).as_string(), "text");
  EXPECT_EQ(redis().counters().reconnects, 0u);

  Reply error;
  error.type = Reply::Type::kError;
  error.str = "WRONGTYPE nope";
  EXPECT_THROW(error.as_string(), ReplyError);
  EXPECT_THROW(error.as_integer(), ReplyError);
}

TEST_F(RedisTest, ValuesAreBinarySafe) {
  const std::string key("key\0with\r\nbreaks", 16);
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += std::string("\0\0\0", 3);
  redis().command({"SET", key, value});
  const Reply got = redis().command({"GET", key});
  EXPECT_EQ(got.as_string().size(), value.size());
  EXPECT_EQ(got.as_string(), value);
  EXPECT_TRUE(redis().command({"GET", "key"}).is_nil());
}

TEST_F(RedisTest, PipelineReturnsErrorsInPlace) {
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 1000; ++i) {
    if (i == 500) {
      commands.push_back({"HSET", "k0"});  // Wrong number of arguments.
    } else {
      commands.push_back({"SET", "k" + std::to_string(i), std::to_string(i)});
    }
  }
  const auto replies = redis().pipeline(commands);
  ASSERT_EQ(replies.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    if (i == 500) {
      EXPECT_TRUE(replies[i].is_error());
      EXPECT_TRUE(contains(replies[i].str, "wrong number of arguments")) << replies[i].str;
    } else {
      EXPECT_EQ(replies[i].type, Reply::Type::kStatus) << i;
    }
  }
  EXPECT_EQ(redis().counters().reply_errors, 1u);
  EXPECT_EQ(redis().command({"GET", "k999"}).as_string(), "999");
  EXPECT_EQ(redis().command({"DBSIZE"}).as_integer(), 999);
  EXPECT_TRUE(redis().pipeline({}).empty());
}

constexpr const char* kSetAndEcho = R"(
if ARGV[1] == 'boom' then return redis.error_reply('BOOM refused') end
redis.call('SET', KEYS[1], ARGV[1])
return tonumber(ARGV[1]))";

TEST_F(RedisTest, EvalReloadsAfterScriptFlush) {
  const std::string sha = redis().load_script(kSetAndEcho);
  EXPECT_EQ(sha.size(), 40u);
  EXPECT_EQ(redis().eval(sha, kSetAndEcho, {"a"}, {"7"}).as_integer(), 7);
  EXPECT_EQ(redis().counters().script_reloads, 0u);

  connect()->command({"SCRIPT", "FLUSH"});
  EXPECT_EQ(redis().eval(sha, kSetAndEcho, {"a"}, {"8"}).as_integer(), 8);
  EXPECT_EQ(redis().counters().script_reloads, 1u);
  EXPECT_EQ(redis().command({"GET", "a"}).as_string(), "8");
  EXPECT_EQ(redis().counters().reply_errors, 0u);

  try {
    redis().eval(sha, kSetAndEcho, {"a"}, {"boom"});
    FAIL() << "the script's error reply must throw";
  } catch (const ReplyError& e) {
    EXPECT_TRUE(contains(e.what(), "BOOM refused")) << e.what();
  }
}

TEST_F(RedisTest, EvalRejectsShaOfAnotherSource) {
  const std::string sha = redis().load_script("return 1");
  redis().command({"SCRIPT", "FLUSH"});
  EXPECT_THROW(redis().eval(sha, "return 2", {}, {}), InvalidArgument);
}

TEST_F(RedisTest, LoadScriptSyntaxErrorThrows) {
  EXPECT_THROW(redis().load_script("return +"), ReplyError);
}

TEST_F(RedisTest, EvalPipelineReloadsAndKeepsOrder) {
  const std::string sha = redis().load_script(kSetAndEcho);
  redis().command({"SCRIPT", "FLUSH"});
  std::vector<RedisConnection::Call> calls;
  for (int i = 0; i < 100; ++i) {
    calls.push_back({{"key" + std::to_string(i)}, {i == 50 ? "boom" : std::to_string(i)}});
  }
  const auto replies = redis().eval_pipeline(sha, kSetAndEcho, calls);
  ASSERT_EQ(replies.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    if (i == 50) {
      EXPECT_TRUE(replies[i].is_error());
      EXPECT_TRUE(contains(replies[i].str, "BOOM")) << replies[i].str;
    } else {
      EXPECT_EQ(replies[i].as_integer(), i);
    }
  }
  EXPECT_EQ(redis().counters().script_reloads, 1u);
  EXPECT_EQ(redis().counters().reply_errors, 1u);
  EXPECT_EQ(redis().command({"GET", "key99"}).as_string(), "99");

  // Loaded now: no further reload.
  redis().eval_pipeline(sha, kSetAndEcho, calls);
  EXPECT_EQ(redis().counters().script_reloads, 1u);
}

// Appends ARGV[1] to the list KEYS[1] and returns the list's length: the order calls ran in.
constexpr const char* kAppend = "return redis.call('RPUSH', KEYS[1], ARGV[1])";

std::vector<RedisConnection::Call> appends(const std::string& key,
                                           std::initializer_list<const char*> values) {
  std::vector<RedisConnection::Call> calls;
  for (const char* v : values) calls.push_back({{key}, {v}});
  return calls;
}

TEST_F(RedisTest, RequestsSentAheadRunInOrderAndAreAnsweredWhenAsked) {
  const std::string sha = redis().load_script(kAppend);
  const auto first = redis().send_eval_pipeline(sha, appends("log", {"a", "b", "c"}));
  const auto second = redis().send_eval_pipeline(sha, appends("log", {"d", "e"}));
  EXPECT_EQ(redis().in_flight(), 2u);
  // A command in between reads (and keeps) the replies of both before its own.
  const Reply log = redis().command({"LRANGE", "log", "0", "-1"});
  ASSERT_EQ(log.elements.size(), 5u);
  EXPECT_EQ(log.elements[0].str + log.elements[4].str, "ae");
  EXPECT_EQ(redis().in_flight(), 2u);
  // Answered in any order the caller asks for them.
  const auto later = redis().receive_eval_pipeline(second, sha, kAppend);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].as_integer(), 4);
  EXPECT_EQ(later[1].as_integer(), 5);
  const auto earlier = redis().receive_eval_pipeline(first, sha, kAppend);
  ASSERT_EQ(earlier.size(), 3u);
  EXPECT_EQ(earlier[0].as_integer(), 1);
  EXPECT_EQ(earlier[2].as_integer(), 3);
  EXPECT_EQ(redis().in_flight(), 0u);
  EXPECT_THROW(redis().receive_eval_pipeline(first, sha, kAppend), InvalidArgument);
}

TEST_F(RedisTest, AnAbandonedRequestRunsAndItsRepliesAreDiscarded) {
  const std::string sha = redis().load_script(kAppend);
  const auto dropped = redis().send_eval_pipeline(sha, appends("log", {"a", "b"}));
  const auto kept = redis().send_eval_pipeline(sha, appends("log", {"c"}));
  redis().abandon(dropped);
  EXPECT_EQ(redis().in_flight(), 1u);
  const auto replies = redis().receive_eval_pipeline(kept, sha, kAppend);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].as_integer(), 3);
  EXPECT_THROW(redis().receive_eval_pipeline(dropped, sha, kAppend), InvalidArgument);
  EXPECT_EQ(redis().command({"LLEN", "log"}).as_integer(), 3);
  EXPECT_EQ(redis().in_flight(), 0u);
}

TEST_F(RedisTest, RequestsSentAheadAreSentAgainAfterALostConnection) {
  const std::string sha = redis().load_script(kSetAndEcho);
  kill_main_connection();
  // Written to a socket the server has closed: the replies cannot come, so the request goes
  // out again on a new connection.
  const auto ticket = redis().send_eval_pipeline(sha, {{{"x"}, {"7"}}, {{"y"}, {"8"}}});
  const auto replies = redis().receive_eval_pipeline(ticket, sha, kSetAndEcho);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].as_integer(), 7);
  EXPECT_EQ(replies[1].as_integer(), 8);
  EXPECT_EQ(redis().counters().reconnects, 1u);
  EXPECT_EQ(redis().command({"GET", "y"}).as_string(), "8");
}

// A request is never written again longer than longest_resend() after it was first sent: past
// that, the retry key that would answer it again may have expired. Waited on late, after its
// connection was lost, it fails as a timeout (it may have run) and is not sent again.
TEST_F(RedisTest, ARequestIsNotSentAgainLongerThanTheLongestResendAfterItWasFirstSent) {
  RedisOptions quick = server().connection_options();
  quick.connect_timeout_ms = 100;
  quick.command_timeout_ms = 200;
  quick.reconnect_attempts = 1;
  quick.reconnect_backoff_ms = 10;
  EXPECT_EQ(longest_resend(quick), std::chrono::milliseconds(510));  // 200 + 100 + 200 + 10.
  RedisConnection conn(quick);
  const std::string sha = conn.load_script(kSetAndEcho);
  const auto id = conn.command({"CLIENT", "ID"}).as_integer();
  EXPECT_EQ(redis().command({"CLIENT", "KILL", "ID", std::to_string(id)}).as_integer(), 1);
  // Written to a socket the server has closed: it never ran.
  const auto ticket = conn.send_eval_pipeline(sha, {{{"x"}, {"7"}}});
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  try {
    conn.receive_eval_pipeline(ticket, sha, kSetAndEcho);
    FAIL() << "a request first sent 600 ms before was sent again";
  } catch (const TimeoutError& e) {
    EXPECT_TRUE(contains(e.what(), "longer than it may be sent again (510 ms)")) << e.what();
  }
  EXPECT_TRUE(redis().command({"GET", "x"}).is_nil());
  EXPECT_EQ(conn.in_flight(), 0u);
  // The connection serves on.
  const auto again = conn.send_eval_pipeline(sha, {{{"x"}, {"9"}}});
  EXPECT_EQ(conn.receive_eval_pipeline(again, sha, kSetAndEcho).at(0).as_integer(), 9);
}

// Timeouts of 0 (none) and absurd options give a bound that neither goes negative nor overflows.
TEST_F(RedisTest, TheLongestResendIsBoundedWhateverTheOptions) {
  RedisOptions none;
  none.connect_timeout_ms = 0;
  none.command_timeout_ms = -5;
  none.reconnect_attempts = 2;
  none.reconnect_backoff_ms = 10;
  EXPECT_EQ(longest_resend(none), std::chrono::milliseconds(30));  // The backoffs alone.
  RedisOptions absurd;
  absurd.reconnect_attempts = 2'000'000'000;
  absurd.reconnect_backoff_ms = 2'000'000'000;
  EXPECT_EQ(longest_resend(absurd), std::chrono::hours(24));
}

TEST_F(RedisTest, RequestsSentAheadToAStoppedServerFailWhenReceived) {
  const std::string sha = redis().load_script(kSetAndEcho);
  server().server().stop();
  const auto ticket = redis().send_eval_pipeline(sha, {{{"x"}, {"7"}}});
  try {
    redis().receive_eval_pipeline(ticket, sha, kSetAndEcho);
    FAIL() << "a stopped server must not answer";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "reconnect attempts")) << e.what();
  }
  EXPECT_EQ(redis().in_flight(), 0u);
  server().server().restart();
  const auto again = redis().send_eval_pipeline(sha, {{{"x"}, {"9"}}});
  EXPECT_EQ(redis().receive_eval_pipeline(again, sha, kSetAndEcho).at(0).as_integer(), 9);
}

TEST_F(RedisTest, RequestsSentAheadAfterAScriptFlushRunInTheOrderSent) {
  const std::string sha = redis().load_script(kAppend);
  connect()->command({"SCRIPT", "FLUSH"});
  const auto first = redis().send_eval_pipeline(sha, appends("log", {"a", "b"}));
  const auto second = redis().send_eval_pipeline(sha, appends("log", {"c"}));
  const auto one = redis().receive_eval_pipeline(first, sha, kAppend);
  const auto two = redis().receive_eval_pipeline(second, sha, kAppend);
  EXPECT_EQ(one.at(1).as_integer(), 2);
  EXPECT_EQ(two.at(0).as_integer(), 3);
  EXPECT_EQ(redis().counters().script_reloads, 2u);
  const Reply log = redis().command({"LRANGE", "log", "0", "-1"});
  ASSERT_EQ(log.elements.size(), 3u);
  EXPECT_EQ(log.elements[0].str + log.elements[1].str + log.elements[2].str, "abc");
}

// A Redis Functions library whose function appends ARGV[1] to the list KEYS[1] and returns the
// list's length, or refuses 'boom' with an error reply.
constexpr const char* kAppendLibrary = R"(#!lua name=docket_test_append
redis.register_function('docket_test_append', function(keys, args)
  if args[1] == 'boom' then return redis.error_reply('BOOM refused') end
  return redis.call('RPUSH', keys[1], args[1])
end))";

TEST_F(RedisTest, FcallLoadsItsLibraryAgainAfterAFunctionFlush) {
  EXPECT_EQ(redis().load_library(kAppendLibrary), "docket_test_append");
  EXPECT_EQ(redis().fcall("docket_test_append", kAppendLibrary, {"log"}, {"a"}).as_integer(), 1);
  EXPECT_EQ(redis().counters().script_reloads, 0u);

  connect()->command({"FUNCTION", "FLUSH"});
  EXPECT_EQ(redis().fcall("docket_test_append", kAppendLibrary, {"log"}, {"b"}).as_integer(), 2);
  EXPECT_EQ(redis().counters().script_reloads, 1u);
  EXPECT_EQ(redis().counters().reply_errors, 0u);
  // Loading it again over itself is allowed (REPLACE), as after a restart that kept it.
  EXPECT_EQ(redis().load_library(kAppendLibrary), "docket_test_append");

  try {
    redis().fcall("docket_test_append", kAppendLibrary, {"log"}, {"boom"});
    FAIL() << "the function's error reply must throw";
  } catch (const ReplyError& e) {
    EXPECT_TRUE(contains(e.what(), "BOOM refused")) << e.what();
  }
  EXPECT_EQ(redis().counters().script_reloads, 1u);
}

TEST_F(RedisTest, FcallOfAFunctionItsLibraryDoesNotRegisterIsRefusedAfterOneReload) {
  try {
    redis().fcall("docket_test_other", kAppendLibrary, {"log"}, {"a"});
    FAIL() << "a function no library registers must throw";
  } catch (const ReplyError& e) {
    EXPECT_TRUE(contains(e.what(), "Function not found")) << e.what();
  }
  EXPECT_EQ(redis().counters().script_reloads, 1u);
  EXPECT_EQ(redis().command({"EXISTS", "log"}).as_integer(), 0);
}

TEST_F(RedisTest, LoadLibraryRefusesABadLibrary) {
  EXPECT_THROW(redis().load_library("#!lua name=docket_test_bad\nreturn +"), ReplyError);
  EXPECT_THROW(redis().load_library("return 1"), ReplyError);  // No "#!lua name=" header.
}

TEST_F(RedisTest, FcallRequestsSentAheadAfterAFunctionFlushRunInTheOrderSent) {
  redis().load_library(kAppendLibrary);
  connect()->command({"FUNCTION", "FLUSH"});
  const auto first = redis().send_fcall_pipeline("docket_test_append", appends("log", {"a", "b"}));
  const auto second =
      redis().send_fcall_pipeline("docket_test_append", appends("log", {"c", "boom", "d"}));
  const auto one = redis().receive_fcall_pipeline(first, "docket_test_append", kAppendLibrary);
  const auto two = redis().receive_fcall_pipeline(second, "docket_test_append", kAppendLibrary);
  EXPECT_EQ(one.at(1).as_integer(), 2);
  EXPECT_EQ(two.at(0).as_integer(), 3);
  ASSERT_TRUE(two.at(1).is_error());
  EXPECT_TRUE(contains(two.at(1).str, "BOOM")) << two.at(1).str;
  EXPECT_EQ(two.at(2).as_integer(), 4);
  EXPECT_EQ(redis().counters().script_reloads, 2u);
  EXPECT_EQ(redis().counters().reply_errors, 1u);
  const Reply log = redis().command({"LRANGE", "log", "0", "-1"});
  ASSERT_EQ(log.elements.size(), 4u);
  EXPECT_EQ(log.elements[0].str + log.elements[1].str + log.elements[2].str + log.elements[3].str,
            "abcd");
}

// Runs for ARGV[1] milliseconds, then returns that number: a call that keeps Redis busy.
constexpr const char* kBusy = R"(
local t0 = redis.call('TIME')
repeat
  local t = redis.call('TIME')
until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) >= tonumber(ARGV[1]) * 1000
return tonumber(ARGV[1]))";

// Waits (poll) for the connection's socket until `ticket` is ready; false after 10 s.
bool wait_ready(RedisConnection& conn, RedisConnection::Ticket ticket) {
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (!conn.ready(ticket)) {
    if (Clock::now() > until) return false;
    pollfd p{conn.fd(), POLLIN, 0};
    ::poll(&p, 1, 100);
  }
  return true;
}

TEST_F(RedisTest, ReadyReadsTheRepliesThatCameWithoutWaitingForTheRest) {
  const std::string sha = redis().load_script(kBusy);
  const std::string append = redis().load_script(kAppend);
  const auto slow = redis().send_eval_pipeline(sha, {{{"busy"}, {"500"}}});
  const auto next = redis().send_eval_pipeline(append, appends("log", {"a"}));
  ASSERT_GE(redis().fd(), 0);
  // Redis is still running the first call: nothing is in, and asking does not wait for it.
  EXPECT_FALSE(redis().ready(slow));
  EXPECT_FALSE(redis().ready(next));
  ASSERT_TRUE(wait_ready(redis(), next));
  // The replies were read by ready() and kept for their tickets, in the order sent.
  EXPECT_TRUE(redis().ready(slow));
  EXPECT_EQ(redis().receive_eval_pipeline(next, append, kAppend).at(0).as_integer(), 1);
  EXPECT_EQ(redis().receive_eval_pipeline(slow, sha, kBusy).at(0).as_integer(), 500);
  EXPECT_EQ(redis().in_flight(), 0u);
  // A ticket that is not out is ready: receiving it says why.
  EXPECT_TRUE(redis().ready(slow));
  EXPECT_THROW(redis().receive_eval_pipeline(slow, sha, kBusy), InvalidArgument);
}

TEST_F(RedisTest, ReadyOnceTheConnectionIsLostAndReceivingSendsAgain) {
  const std::string sha = redis().load_script(kSetAndEcho);
  kill_main_connection();
  const auto ticket = redis().send_eval_pipeline(sha, {{{"x"}, {"7"}}});
  // The closed socket is readable (its end) and ready() finds the fault without throwing.
  ASSERT_TRUE(wait_ready(redis(), ticket));
  EXPECT_EQ(redis().receive_eval_pipeline(ticket, sha, kSetAndEcho).at(0).as_integer(), 7);
  EXPECT_EQ(redis().counters().reconnects, 1u);
}

TEST_F(RedisTest, ReadyOnceTheOldestRequestWaitedTheTimeoutAndReceivingTimesOut) {
  RedisOptions options = server().connection_options();
  options.command_timeout_ms = 1000;
  RedisConnection conn(options);
  const std::string sha = conn.load_script(kBusy);
  const auto ticket = conn.send_eval_pipeline(sha, {{{"busy"}, {"2500"}}});
  const auto behind = conn.send_eval_pipeline(sha, {{{"busy"}, {"1"}}});
  EXPECT_FALSE(conn.ready(ticket));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  // Not answered within the timeout: the requests out fail at once, as a read timing out
  // would fail them, and receiving says so without waiting for Redis.
  EXPECT_TRUE(conn.ready(ticket));
  EXPECT_EQ(conn.counters().io_errors, 1u);
  EXPECT_THROW(conn.receive_eval_pipeline(ticket, sha, kBusy), TimeoutError);
  EXPECT_TRUE(conn.ready(behind));
  EXPECT_THROW(conn.receive_eval_pipeline(behind, sha, kBusy), TimeoutError);
  EXPECT_EQ(conn.in_flight(), 0u);
  // Once the script is over, the next call opens a new connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(conn.command({"PING"}).as_string(), "PONG");
  EXPECT_EQ(conn.counters().reconnects, 1u);
}

TEST_F(RedisTest, IdempotentCommandSurvivesKilledConnection) {
  redis().command({"SET", "k", "v"});
  kill_main_connection();
  EXPECT_EQ(redis().command({"GET", "k"}).as_string(), "v");
  EXPECT_EQ(redis().counters().reconnects, 1u);
  EXPECT_EQ(redis().counters().io_errors, 1u);
  EXPECT_TRUE(redis().connected());
}

TEST_F(RedisTest, NonIdempotentCommandAfterKillThrows) {
  kill_main_connection();
  try {
    redis().command({"INCR", "n"}, /*idempotent=*/false);
    FAIL() << "a non-idempotent command on a dead connection must throw";
  } catch (const TimeoutError&) {
    FAIL() << "a closed connection is not a timeout";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "unknown")) << e.what();
    EXPECT_TRUE(contains(e.what(), "127.0.0.1:" + std::to_string(server().port()))) << e.what();
  }
  EXPECT_FALSE(redis().connected());
  // The next call connects afresh; nothing was sent before, so even a non-idempotent one runs.
  EXPECT_EQ(redis().command({"INCR", "n"}, /*idempotent=*/false).as_integer(), 1);
  EXPECT_EQ(redis().counters().reconnects, 1u);
}

TEST_F(RedisTest, LargePipelineIsRetriedAfterKill) {
  // A megabyte written to a closed socket may raise SIGPIPE, which must not end the process.
  const std::string big(1024, 'x');
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 1000; ++i) commands.push_back({"SET", "big" + std::to_string(i), big});
  kill_main_connection();
  const auto replies = redis().pipeline(commands);
  ASSERT_EQ(replies.size(), 1000u);
  EXPECT_EQ(replies.back().as_string(), "OK");
  EXPECT_EQ(redis().counters().reconnects, 1u);
}

TEST_F(RedisTest, LargePipelineIsRetriedAfterKillInAProcessThatIgnoresSigpipe) {
  // The scheduler ignores SIGPIPE, so a connection it opens does not block the signal around
  // each write: the write to the closed socket fails (EPIPE, or a reset or end seen by the read
  // after it) instead of raising it, and the pipeline is sent again on a new connection. (With
  // SIGPIPE's default action the test above covers the guarded writes: unguarded, the process would
  // end.)
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ASSERT_EQ(sigaction(SIGPIPE, &ignore, &previous), 0);
  struct Restore {
    struct sigaction action;
    ~Restore() { sigaction(SIGPIPE, &action, nullptr); }
  } restore{previous};

  auto conn = connect();  // It opens while SIGPIPE is ignored.
  const auto id = conn->command({"CLIENT", "ID"}).as_integer();
  EXPECT_EQ(redis().command({"CLIENT", "KILL", "ID", std::to_string(id)}).as_integer(), 1);
  const std::string big(1024, 'x');
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 1000; ++i) commands.push_back({"SET", "big" + std::to_string(i), big});
  const auto replies = conn->pipeline(commands);
  ASSERT_EQ(replies.size(), 1000u);
  EXPECT_EQ(replies.back().as_string(), "OK");
  EXPECT_EQ(conn->counters().reconnects, 1u);
}

TEST_F(RedisTest, ServerDroppingTheClientMidRequestIsSurvived) {
  // The server answers a bulk string longer than proto-max-bulk-len with a protocol error and
  // closes the connection, possibly while the client is still writing (SIGPIPE territory).
  // Which of the two the client sees first is a race; both must surface as exceptions.
  redis().command({"CONFIG", "SET", "proto-max-bulk-len", "1mb"});
  const std::string big(4 << 20, 'x');
  for (const bool idempotent : {false, true}) {
    try {
      redis().command({"SET", "k", big}, idempotent);
      FAIL() << "an oversized bulk string must be refused";
    } catch (const ReplyError& e) {
      EXPECT_TRUE(contains(e.what(), "Protocol error")) << e.what();
    } catch (const TimeoutError& e) {
      FAIL() << "a dropped connection is not a timeout: " << e.what();
    } catch (const IoError& e) {
      EXPECT_TRUE(contains(e.what(), idempotent ? "reconnect attempts" : "unknown")) << e.what();
    }
  }
  EXPECT_EQ(redis().command({"SET", "k", "small"}).as_string(), "OK");
  EXPECT_EQ(redis().command({"GET", "k"}).as_string(), "small");
}

TEST_F(RedisTest, StoppedServerThrowsAfterBoundedRetries) {
  server().server().stop();
  const auto start = Clock::now();
  try {
    redis().command({"GET", "k"});
    FAIL() << "a stopped server must not answer";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "3 reconnect attempts")) << e.what();
    EXPECT_TRUE(contains(e.what(), "refused")) << e.what();
  }
  // Backoff 10 + 20 + 40 ms with three refused connects.
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(redis().counters().io_errors, 4u);
  EXPECT_FALSE(redis().connected());

  // Back on the same port, the same connection object recovers.
  server().server().restart();
  EXPECT_TRUE(redis().command({"GET", "k"}).is_nil());
  EXPECT_EQ(redis().counters().reconnects, 1u);
}

TEST_F(RedisTest, BlockedCommandTimesOut) {
  RedisOptions options = server().connection_options();
  options.command_timeout_ms = 200;
  RedisConnection conn(options);
  const auto start = Clock::now();
  EXPECT_THROW(conn.command({"BLPOP", "empty", "1"}), TimeoutError);
  const auto took = Clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(150));
  EXPECT_LT(took, std::chrono::milliseconds(900));
  EXPECT_EQ(conn.counters().reconnects, 0u);  // A timeout is not retried.
  EXPECT_FALSE(conn.connected());
  // The late reply of BLPOP must not be read as the answer to the next command.
  EXPECT_EQ(conn.command({"PING"}).as_string(), "PONG");
  EXPECT_EQ(conn.counters().reconnects, 1u);
}

TEST_F(RedisTest, PipelineTimesOut) {
  RedisOptions options = server().connection_options();
  options.command_timeout_ms = 200;
  RedisConnection conn(options);
  EXPECT_THROW(conn.pipeline({{"PING"}, {"BLPOP", "empty", "1"}, {"PING"}}), TimeoutError);
}

TEST(RedisConnectionTest, UnreachableServerThrowsIoError) {
  RedisOptions options = testing::test_connection_options(free_loopback_port());
  try {
    RedisConnection conn(options);
    FAIL() << "nothing listens on port " << options.port;
  } catch (const TimeoutError&) {
    FAIL() << "a refused connect is not a timeout";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "127.0.0.1:" + std::to_string(options.port))) << e.what();
    EXPECT_TRUE(contains(e.what(), "refused")) << e.what();
  }
}

TEST(RedisConnectionTest, PasswordIsSentWithAuth) {
  testing::RedisServer server;
  auto admin = server.connect();
  admin->command({"CONFIG", "SET", "requirepass", "s3cret"});

  RedisOptions options = server.connection_options();
  options.password = "s3cret";
  RedisConnection conn(options);
  EXPECT_EQ(conn.command({"PING"}).as_string(), "PONG");

  options.password = "wrong";
  try {
    RedisConnection bad(options);
    FAIL() << "a wrong password must be refused";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "AUTH")) << e.what();
  }
  admin->command({"CONFIG", "SET", "requirepass", ""});
}

}  // namespace
}  // namespace docket::store
