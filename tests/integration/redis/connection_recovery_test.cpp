// redis::Connection against a real redis-server that goes away: down, restarted, hung (SIGSTOP),
// slow to answer, or asking for AUTH. Each test runs its own io_context for a bounded time.
//
// Never write co_await inside CHECK/REQUIRE: Catch2 v2 repeats the expression under
// `false && ...`, and g++ 12 still executes a co_await there, so the command runs twice.
#include "connection_fixture.hpp"

using namespace otpgate::test::redis_conn;

TEST_CASE("commands fail fast with store_unavailable while Redis is down", "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    server.stop();  // a loopback port nobody listens on
    Connection conn(ioc, config_for(server.port()));
    const auto before_start = co_await conn.command(argv("PING"));
    CHECK(is_errc(before_start, errc::store_unavailable));  // not started
    conn.start();
    co_await sleep_for(100ms);  // a few refused attempts with backoff
    CHECK_FALSE(conn.connected());
    const auto t0 = clock_type::now();
    const auto r = co_await conn.eval(Script("return 1"), {}, {});
    CHECK(is_errc(r, errc::store_unavailable));
    CHECK(clock_type::now() - t0 < 1s);  // did not wait for the 5 s command timeout
  });
}

TEST_CASE("the same Connection reconnects after a Redis restart", "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    Connection conn(ioc, config_for(server.port()));
    const auto up = co_await connect(conn);
    REQUIRE(up);
    const auto set = co_await conn.command(argv("SET", key("restart"), "before"));
    CHECK(is_status(set, "OK"));

    server.stop();
    const auto noticed = co_await wait_until([&] { return !conn.connected(); }, 3s);
    CHECK(noticed);
    const auto down = co_await conn.command(argv("GET", key("restart")));
    CHECK(is_errc(down, errc::store_unavailable));

    server.start();
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    REQUIRE(back);
    const auto set_again = co_await conn.command(argv("SET", key("restart"), "after"));
    CHECK(is_status(set_again, "OK"));
    const auto get_again = co_await conn.command(argv("GET", key("restart")));
    CHECK(is_string(get_again, "after"));
  });
}

TEST_CASE("a reconnect to a hung Redis is not ready until Redis answers a PING",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    Config config = config_for(server.port());
    config.command_timeout = 200ms;
    config.connect_timeout = 300ms;
    config.reconnect_min = 50ms;
    config.reconnect_max = 100ms;
    Connection conn(ioc, config);
    const auto up = co_await connect(conn);
    REQUIRE(up);
    const pid_t pid = redis_pid(server.port());
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    const auto timed_out = co_await conn.command(argv("PING"));
    CHECK(is_errc(timed_out, errc::store_timeout));
    // The kernel keeps accepting TCP connections of the stopped Redis: several reconnects
    // happen in this second, and none may call itself ready.
    const auto ready_while_hung = co_await wait_until([&] { return conn.connected(); }, 1500ms);
    CHECK_FALSE(ready_while_hung);
    REQUIRE(::kill(pid, SIGCONT) == 0);
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    CHECK(back);
  });
}

TEST_CASE("an idle connection notices a Redis that stopped answering", "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    Config config = config_for(server.port());
    config.command_timeout = 200ms;
    config.connect_timeout = 300ms;
    config.heartbeat = 100ms;
    Connection conn(ioc, config);
    const auto up = co_await connect(conn);
    REQUIRE(up);
    const pid_t pid = redis_pid(server.port());
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    // No command is sent: only the heartbeat can find out.
    const auto noticed = co_await wait_until([&] { return !conn.connected(); }, 2s);
    CHECK(noticed);
    REQUIRE(::kill(pid, SIGCONT) == 0);
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    CHECK(back);
  });
}

TEST_CASE("a command Redis does not answer in time fails with store_timeout, then recovers",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    Config config = config_for(server.port());
    config.command_timeout = 300ms;
    config.reconnect_min = 100ms;
    Connection conn(ioc, config);
    const auto up = co_await connect(conn);
    REQUIRE(up);
    const auto set = co_await conn.command(argv("SET", key("timeout"), "v"));
    CHECK(is_status(set, "OK"));

    const pid_t pid = redis_pid(server.port());
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    result<Reply> queued = errc::ok;
    bool queued_done = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          queued = co_await conn.command(argv("GET", key("timeout")));
          queued_done = true;
        },
        asio::detached);
    const auto t0 = clock_type::now();
    const auto r = co_await conn.command(argv("PING"));
    const auto waited = clock_type::now() - t0;
    CHECK(is_errc(r, errc::store_timeout));
    CHECK(waited >= 250ms);         // it did wait for the deadline...
    CHECK(waited < 3s);             // ...and not for Redis
    CHECK_FALSE(conn.connected());  // the hung connection was retired
    const auto queued_failed = co_await wait_until([&] { return queued_done; }, 1s);
    CHECK(queued_failed);
    // Written behind it on the same connection: it may yet run, so it is a timeout too.
    CHECK(is_errc(queued, errc::store_timeout));

    REQUIRE(::kill(pid, SIGCONT) == 0);
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    REQUIRE(back);
    // The late PONG of the old connection must not be taken for this reply.
    const auto get = co_await conn.command(argv("GET", key("timeout")));
    CHECK(is_string(get, "v"));
  });
}

TEST_CASE("AUTH: the right password connects, a wrong one never does", "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    CHECK(server.cli({"CONFIG", "SET", "requirepass", "s3cret"}) == "OK");

    Config good = config_for(server.port());
    good.password = "s3cret";
    Connection ok(ioc, good);
    const auto up = co_await connect(ok);
    REQUIRE(up);
    const auto pong = co_await ok.command(argv("PING"));
    CHECK(is_status(pong, "PONG"));

    Config bad = good;
    bad.password = "wrong";
    Connection refused(ioc, bad);
    refused.start();
    co_await sleep_for(300ms);
    CHECK_FALSE(refused.connected());
    const auto refused_ping = co_await refused.command(argv("PING"));
    CHECK(is_errc(refused_ping, errc::store_unavailable));
  });
}

TEST_CASE("a connect that never completes (AUTH unanswered) is abandoned and retried",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    CHECK(server.cli({"CONFIG", "SET", "requirepass", "s3cret"}) == "OK");
    const auto connections = [&] {
      const std::string info = server.cli({"-a", "s3cret", "--no-auth-warning", "INFO", "stats"});
      const auto at = info.find("total_connections_received:");
      return at == std::string::npos ? -1L : std::stol(info.substr(at + 27));
    };
    const long before = connections();
    const pid_t pid = redis_pid_with_auth(server.port(), "s3cret");
    REQUIRE(::kill(pid, SIGSTOP) == 0);  // the kernel still accepts TCP; AUTH gets no answer

    Config config = config_for(server.port());
    config.password = "s3cret";
    config.connect_timeout = 100ms;
    config.reconnect_max = 50ms;
    Connection conn(ioc, config);
    conn.start();
    co_await sleep_for(700ms);
    CHECK_FALSE(conn.connected());
    const auto stuck = co_await conn.command(argv("PING"));
    CHECK(is_errc(stuck, errc::store_unavailable));

    REQUIRE(::kill(pid, SIGCONT) == 0);
    const auto up = co_await wait_until([&] { return conn.connected(); }, 5s);
    REQUIRE(up);
    // Redis now accepts the abandoned attempts queued in its backlog: without the connect
    // timeout there would be one attempt (plus one redis-cli connection).
    CHECK(connections() - before >= 4);
  });
}

// A connect that timed out already waited its connect timeout: the next one starts after the
// shortest backoff, not a doubled one, so a link whose Redis hung comes back soon after Redis
// does (a sent SMS recorded in the background must land before its claim runs out).
TEST_CASE("after a connect timeout the next attempt comes after the shortest backoff",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    const auto connections = [&] {
      const std::string info = server.cli({"INFO", "stats"});
      const auto at = info.find("total_connections_received:");
      return at == std::string::npos ? -1L : std::stol(info.substr(at + 27));
    };
    const long before = connections();
    const pid_t pid = redis_pid(server.port());
    REQUIRE(::kill(pid, SIGSTOP) == 0);  // the kernel accepts; the PING gets no answer

    Config config = config_for(server.port());
    config.connect_timeout = 200ms;
    config.reconnect_min = 20ms;
    config.reconnect_max = 2000ms;
    Connection conn(ioc, config);
    conn.start();
    co_await sleep_for(4s);
    REQUIRE(::kill(pid, SIGCONT) == 0);
    REQUIRE(co_await wait_until([&] { return conn.connected(); }, 5s));
    // About 4 s / 220 ms = 18 attempts; with the backoff doubling after each timeout (20 ms up
    // to 2 s) there were 8.
    CHECK(connections() - before >= 13);
  });
}
