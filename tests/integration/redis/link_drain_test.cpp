// redis::Connection's command timeouts through a FaultProxy in front of a real redis-server
// (src/redis/link_drain.cpp): a command whose reply is held past its deadline answers
// store_timeout, "outcome unknown", and still runs; its connection is retired, drains the late
// replies (counted) while new commands use a fresh connection, and closes when every reply is in
// or its drain window ends.
//
// Never write co_await inside CHECK/REQUIRE (see connection_recovery_test.cpp).
#include "connection_fixture.hpp"

#include "otpgate/metrics/otpgate_metrics.hpp"
#include "support/fault_proxy.hpp"
#include "support/metrics_text.hpp"

using namespace otpgate::test::redis_conn;
using otpgate::test::FaultProxy;

namespace {

double late_replies() {
  otpgate::metrics::process();  // registers the families on first use
  const auto v = otpgate::test::sample(otpgate::metrics::registry().render(),
                                       "otpgate_redis_late_replies_total");
  return v.value_or(-1);
}

Config through(const FaultProxy& proxy) {
  Config c = config_for(proxy.port());
  c.command_timeout = 300ms;
  c.heartbeat = 60s;  // no PING of its own in the counts
  return c;
}

// Starts a command on its own coroutine; *out and *done are set when it completes.
void spawn_command(asio::io_context& ioc, Connection& conn, std::vector<std::string> args,
                   result<Reply>* out, bool* done) {
  asio::co_spawn(
      ioc,
      [&conn, args = std::move(args), out, done]() -> asio::awaitable<void> {
        *out = co_await conn.command(args);
        *done = true;
      },
      asio::detached);
}

}  // namespace

TEST_CASE("commands whose replies are held past the deadline answer store_timeout and still run",
          "[integration][redis][drain]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    FaultProxy proxy(server.port());
    Connection conn(ioc, through(proxy));
    const auto up = co_await connect(conn);
    REQUIRE(up);
    const double late_before = late_replies();

    // Only the connection open now: the one the link reconnects with passes.
    proxy.hold_replies(FaultProxy::Scope::open);
    result<Reply> first = errc::ok, second = errc::ok;
    bool first_done = false, second_done = false;
    spawn_command(ioc, conn, argv("INCR", key("held")), &first, &first_done);
    spawn_command(ioc, conn, argv("INCR", key("held")), &second, &second_done);
    const auto answered = co_await wait_until([&] { return first_done && second_done; }, 5s);
    REQUIRE(answered);
    CHECK(is_errc(first, errc::store_timeout));
    // Written before the timeout like the first: its outcome is just as unknown.
    CHECK(is_errc(second, errc::store_timeout));

    // A fresh connection serves new commands while the old one, still open, drains.
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    REQUIRE(back);
    CHECK(proxy.counters().accepted == 2);
    CHECK(proxy.counters().open == 2);
    // Both INCRs ran although their callers were told "timeout".
    const auto get = co_await conn.command(argv("GET", key("held")));
    CHECK(is_string(get, "2"));
    CHECK(late_replies() == late_before);

    proxy.pass();  // the held replies arrive late: read, counted, discarded
    const auto drained = co_await wait_until([&] { return late_replies() == late_before + 2; }, 5s);
    CHECK(drained);
    // Every reply is in: the retired connection closes before its window ends.
    const auto closed = co_await wait_until([&] { return proxy.counters().open == 1; }, 3s);
    CHECK(closed);
    const auto after = co_await conn.command(argv("DEL", key("held")));
    CHECK(is_integer(after, 1));
  });
}

TEST_CASE("a retired connection is closed when its drain window ends with replies missing",
          "[integration][redis][drain]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    FaultProxy proxy(server.port());
    Config config = through(proxy);
    config.drain_window = 2s;
    Connection conn(ioc, config);
    const auto up = co_await connect(conn);
    REQUIRE(up);
    const double late_before = late_replies();

    proxy.hold_replies(FaultProxy::Scope::open);
    const auto held = co_await conn.command(argv("SET", key("window"), "v"));
    CHECK(is_errc(held, errc::store_timeout));
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    REQUIRE(back);
    CHECK(proxy.counters().open == 2);  // the old connection waits for its reply

    // The reply never comes: the window closes the old connection.
    const auto closed = co_await wait_until([&] { return proxy.counters().open == 1; }, 10s);
    CHECK(closed);
    proxy.pass();
    const auto get = co_await conn.command(argv("GET", key("window")));
    CHECK(is_string(get, "v"));            // it ran all the same
    CHECK(late_replies() == late_before);  // and its reply was never read
    const auto del = co_await conn.command(argv("DEL", key("window")));
    CHECK(is_integer(del, 1));
  });
}

TEST_CASE("with no drain window a timed-out connection closes at once, still store_timeout",
          "[integration][redis][drain]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    FaultProxy proxy(server.port());
    Config config = through(proxy);
    config.drain_window = 0ms;
    Connection conn(ioc, config);
    const auto up = co_await connect(conn);
    REQUIRE(up);

    proxy.hold_replies(FaultProxy::Scope::open);
    result<Reply> first = errc::ok, second = errc::ok;
    bool first_done = false, second_done = false;
    spawn_command(ioc, conn, argv("PING"), &first, &first_done);
    spawn_command(ioc, conn, argv("PING"), &second, &second_done);
    const auto answered = co_await wait_until([&] { return first_done && second_done; }, 5s);
    REQUIRE(answered);
    CHECK(is_errc(first, errc::store_timeout));
    CHECK(is_errc(second, errc::store_timeout));
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    REQUIRE(back);
    CHECK(proxy.counters().accepted == 2);
    CHECK(proxy.counters().open == 1);  // the timed-out one was closed, not kept to drain
  });
}
