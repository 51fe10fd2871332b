// redis::Connection::pipeline against a real redis-server (through a FaultProxy where a fault is
// needed): every call written before any reply is read, run in order, the replies in order; the
// NOSCRIPT fallback per script call; and the same errors as command(): store_unavailable when
// nothing was written, store_timeout when a reply was not read in time.
//
// Never write co_await inside CHECK/REQUIRE (see connection_recovery_test.cpp).
#include "connection_fixture.hpp"

#include "support/fault_proxy.hpp"

using namespace otpgate::test::redis_conn;
using otpgate::redis::Call;
using otpgate::test::FaultProxy;

namespace {

using Replies = result<std::vector<Reply>>;

Config through(const FaultProxy& proxy) {
  Config c = config_for(proxy.port());
  c.command_timeout = 300ms;
  c.heartbeat = 60s;  // no PING of its own between the test's commands
  return c;
}

// Starts a pipeline on its own coroutine; *out and *done are set when it completes.
void spawn_pipeline(asio::io_context& ioc, Connection& conn, std::vector<Call> calls, Replies* out,
                    bool* done) {
  asio::co_spawn(
      ioc,
      [&conn, calls = std::move(calls), out, done]() -> asio::awaitable<void> {
        *out = co_await conn.pipeline(calls);
        *done = true;
      },
      asio::detached);
}

std::string cli(unsigned short port, const std::vector<std::string>& args) {
  return otpgate::test::redis_cli(port, args);
}

const Script incr_script("return redis.call('INCR', KEYS[1])");
const Script echo_script("return {KEYS[1], ARGV[1]}");

// A fresh redis-server has no script cached: its first EVALSHA would answer NOSCRIPT.
void load_scripts(unsigned short port) {
  for (const Script* s : {&incr_script, &echo_script})
    REQUIRE(cli(port, {"SCRIPT", "LOAD", s->source}) == s->sha1);
}

}  // namespace

TEST_CASE("a pipeline writes every call before reading a reply, and answers in order",
          "[integration][redis][pipeline]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    FaultProxy proxy(server.port());
    load_scripts(server.port());
    Config config = through(proxy);
    config.command_timeout = 5s;
    Connection conn(ioc, config);
    const auto up = co_await connect(conn);
    REQUIRE(up);

    // Replies held: Redis runs what it receives, the client reads nothing.
    proxy.hold_replies();
    const std::vector<Call> calls = {
        Call::command(argv("SET", key("p"), "1")), Call::eval(incr_script, {key("p")}, {}),
        Call::command(argv("INCR", key("p"))),
        Call::command(argv("HGET", key("p"), "f")),  // WRONGTYPE: an error reply, not an error
        Call::eval(echo_script, {key("p")}, {"a"})};
    Replies got = otpgate::errc::ok;
    bool done = false;
    spawn_pipeline(ioc, conn, calls, &got, &done);
    // All of them ran although no reply was read: none waited for the one before.
    const auto ran = co_await wait_until(
        [&] {
          return cli(server.port(), {"GET", key("p")}) == "3";
        },
        5s);
    CHECK(ran);
    CHECK_FALSE(done);
    proxy.pass();
    const auto answered = co_await wait_until([&] { return done; }, 5s);
    REQUIRE(answered);
    REQUIRE(got);
    const std::vector<Reply>& r = got.value();
    REQUIRE(r.size() == 5);
    CHECK(r[0].type == Reply::kind::status);
    CHECK(r[0].str == "OK");
    CHECK((r[1].type == Reply::kind::integer && r[1].integer == 2));
    CHECK((r[2].type == Reply::kind::integer && r[2].integer == 3));
    CHECK(r[3].is_error());
    CHECK(r[3].str.rfind("WRONGTYPE", 0) == 0);
    REQUIRE(r[4].elements.size() == 2);
    CHECK(r[4].elements[0].str == key("p"));
    CHECK(r[4].elements[1].str == "a");
    CHECK(proxy.counters().accepted == 1);  // one connection

    const std::vector<Call> none;
    const auto empty = co_await conn.pipeline(none);
    REQUIRE(empty);
    CHECK(empty.value().empty());
  });
}

TEST_CASE("a pipeline's scripts that Redis lost are sent again with EVAL, after the rest",
          "[integration][redis][pipeline]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    Connection conn(ioc, config_for(server.port()));
    const auto up = co_await connect(conn);
    REQUIRE(up);
    CHECK(cli(server.port(), {"SCRIPT", "FLUSH"}) == "OK");

    const std::vector<Call> calls = {Call::eval(incr_script, {key("n")}, {}),
                                     Call::command(argv("INCR", key("n")))};
    const auto first = co_await conn.pipeline(calls);
    REQUIRE(first);
    // The script was not cached: the INCR after it ran first, the script with EVAL after it.
    CHECK(first.value()[1].integer == 1);
    CHECK(first.value()[0].integer == 2);
    // Cached now: the calls run as written.
    const auto second = co_await conn.pipeline(calls);
    REQUIRE(second);
    CHECK(second.value()[0].integer == 3);
    CHECK(second.value()[1].integer == 4);
    const auto scripts = co_await conn.command(argv("SCRIPT", "EXISTS", incr_script.sha1));
    REQUIRE(scripts);
    REQUIRE(scripts.value().elements.size() == 1);
    CHECK(scripts.value().elements[0].integer == 1);
  });
}

TEST_CASE("a pipeline whose replies are held past the deadline answers store_timeout, and ran",
          "[integration][redis][pipeline]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    FaultProxy proxy(server.port());
    load_scripts(server.port());
    Connection conn(ioc, through(proxy));
    const auto up = co_await connect(conn);
    REQUIRE(up);

    proxy.hold_replies(FaultProxy::Scope::open);  // the link's reconnect passes
    const std::vector<Call> calls = {Call::command(argv("INCR", key("held"))),
                                     Call::eval(incr_script, {key("held")}, {})};
    const auto held = co_await conn.pipeline(calls);
    CHECK((!held && held.error() == otpgate::errc::store_timeout));
    CHECK(cli(server.port(), {"GET", key("held")}) == "2");  // both ran all the same

    // A connection cut with the replies due: store_timeout as well.
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    REQUIRE(back);
    proxy.hold_replies(FaultProxy::Scope::open);
    Replies cut = otpgate::errc::ok;
    bool done = false;
    spawn_pipeline(ioc, conn, calls, &cut, &done);
    const auto ran = co_await wait_until(
        [&] {
          return cli(server.port(), {"GET", key("held")}) == "4";
        },
        5s);
    CHECK(ran);
    proxy.cut();
    const auto answered = co_await wait_until([&] { return done; }, 5s);
    REQUIRE(answered);
    CHECK((!cut && cut.error() == otpgate::errc::store_timeout));
  });
}

TEST_CASE("a pipeline on a link that is not connected answers store_unavailable, nothing ran",
          "[integration][redis][pipeline]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    Connection conn(ioc, config_for(server.port()));  // never started
    const std::vector<Call> calls = {Call::command(argv("SET", key("never"), "1")),
                                     Call::eval(incr_script, {key("never")}, {})};
    const auto r = co_await conn.pipeline(calls);
    CHECK((!r && r.error() == otpgate::errc::store_unavailable));
    CHECK(cli(server.port(), {"EXISTS", key("never")}) == "0");
    conn.stop();
  });
}
