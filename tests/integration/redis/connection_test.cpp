// redis::Connection against a real redis-server: commands and their replies, scripts (EVALSHA
// with EVAL after NOSCRIPT), many commands in flight, stop(). Each test runs its own io_context
// for a bounded time, so a hang fails the test instead of the run; at the end the context must
// have run out of work (nothing left armed after the Connection stopped).
// connection_recovery_test.cpp: a Redis that is down, restarted, hung or asks for AUTH.
//
// Never write co_await inside CHECK/REQUIRE: Catch2 v2 repeats the expression under
// `false && ...`, and g++ 12 still executes a co_await there, so the command runs twice.
#include "connection_fixture.hpp"

using namespace otpgate::test::redis_conn;

TEST_CASE("command round trip: strings, binary data, integer, nil, error, nested array",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    Connection conn(ioc, config_for(otpgate::test::shared_redis_port()));
    const auto up = co_await connect(conn);
    REQUIRE(up);

    const auto set = co_await conn.command(argv("SET", key("plain"), "value"));
    CHECK(is_status(set, "OK"));
    const auto get = co_await conn.command(argv("GET", key("plain")));
    CHECK(is_string(get, "value"));

    const std::string binary("a\0b\r\n\xff$3\r\n", 10);
    const auto set_binary = co_await conn.command(argv("SET", key(binary), binary));
    CHECK(is_status(set_binary, "OK"));
    const auto got = co_await conn.command(argv("GET", key(binary)));
    CHECK(is_string(got, binary));
    CHECK(got.value().str.size() == 10);

    co_await conn.command(argv("DEL", key("counter")));
    const auto plus5 = co_await conn.command(argv("INCRBY", key("counter"), "5"));
    CHECK(is_integer(plus5, 5));
    const auto minus7 = co_await conn.command(argv("INCRBY", key("counter"), "-7"));
    CHECK(is_integer(minus7, -2));
    const auto missing = co_await conn.command(argv("GET", key("missing")));
    CHECK(missing.value().is_nil());

    const auto err = co_await conn.command(argv("NOSUCHCOMMAND", "x"));
    REQUIRE(err);  // a Redis error reply is a value, not an errc
    CHECK(err.value().is_error());
    CHECK(err.value().str.rfind("ERR", 0) == 0);

    const auto nested = co_await conn.command(
        argv("EVAL", "return {1, 'two', {3, {'four'}}, ARGV[1]}", "0", binary));
    REQUIRE(nested);
    const Reply& a = nested.value();
    REQUIRE(a.type == Reply::kind::array);
    REQUIRE(a.elements.size() == 4);
    CHECK(a.elements[0].integer == 1);
    CHECK(a.elements[1].str == "two");
    REQUIRE(a.elements[2].elements.size() == 2);
    CHECK(a.elements[2].elements[0].integer == 3);
    REQUIRE(a.elements[2].elements[1].type == Reply::kind::array);
    CHECK(a.elements[2].elements[1].elements.at(0).str == "four");
    CHECK(a.elements[3].str == binary);
    CHECK(conn.connected());
  });
}

TEST_CASE("a batch larger than the socket takes is written in parts, each reply in order",
          "[integration][redis]") {
  // Commands are written by one flush per turn without waiting for writability; what the socket
  // does not take (tens of megabytes here) waits for it, and nothing is lost or reordered.
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    Connection conn(ioc, config_for(otpgate::test::shared_redis_port()));
    const auto up = co_await connect(conn);
    REQUIRE(up);
    std::vector<otpgate::redis::Call> calls;
    std::vector<std::string> values;
    for (char c : std::string("abcd")) {
      values.emplace_back(std::size_t{8} << 20, c);
      calls.push_back(
          otpgate::redis::Call::command(argv("SET", key(std::string("big-") + c), values.back())));
    }
    for (char c : std::string("abcd"))
      calls.push_back(otpgate::redis::Call::command(argv("STRLEN", key(std::string("big-") + c))));
    calls.push_back(otpgate::redis::Call::command(argv("GET", key("big-d"))));
    const auto replies = co_await conn.pipeline(calls);
    REQUIRE(replies);
    REQUIRE(replies.value().size() == 9);
    for (std::size_t i = 0; i < 4; ++i) CHECK(replies.value()[i].str == "OK");
    for (std::size_t i = 4; i < 8; ++i) CHECK(replies.value()[i].integer == (8 << 20));
    CHECK(replies.value()[8].str == values.back());
    for (char c : std::string("abcd"))
      co_await conn.command(argv("DEL", key(std::string("big-") + c)));
    CHECK(conn.connected());
  });
}

TEST_CASE("eval uses EVALSHA, falls back to EVAL after SCRIPT FLUSH and re-caches",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;  // own server: commandstats must count only our calls
    Connection conn(ioc, config_for(server.port()));
    const auto up = co_await connect(conn);
    REQUIRE(up);
    const Script script("return ARGV[1] .. ':' .. KEYS[1]");

    const auto loaded = co_await conn.command(argv("SCRIPT", "LOAD", script.source));
    CHECK(is_string(loaded, script.sha1));
    const auto reset = co_await conn.command(argv("CONFIG", "RESETSTAT"));
    CHECK(is_status(reset, "OK"));
    const auto cached = co_await conn.eval(script, argv("k"), argv("a"));
    CHECK(is_string(cached, "a:k"));

    const auto flushed = co_await conn.command(argv("SCRIPT", "FLUSH"));
    CHECK(is_status(flushed, "OK"));
    const auto exists_before = co_await conn.command(argv("SCRIPT", "EXISTS", script.sha1));
    CHECK(exists_before.value().elements.at(0).integer == 0);
    const auto fallback = co_await conn.eval(script, argv("k2"), argv("b"));
    CHECK(is_string(fallback, "b:k2"));
    const auto exists_after = co_await conn.command(argv("SCRIPT", "EXISTS", script.sha1));
    CHECK(exists_after.value().elements.at(0).integer == 1);

    // Two EVALSHA (one hit NOSCRIPT) and exactly one EVAL: no EVAL while the script was cached.
    const auto stats = co_await conn.command(argv("INFO", "commandstats"));
    REQUIRE(stats);
    CHECK(stats.value().str.find("cmdstat_evalsha:calls=2,") != std::string::npos);
    CHECK(stats.value().str.find("cmdstat_eval:calls=1,") != std::string::npos);

    const Script failing("return redis.error_reply('BOOM')");
    const auto boom = co_await conn.eval(failing, {}, {});
    REQUIRE(boom);
    CHECK(boom.value().is_error());
    CHECK(boom.value().str.find("BOOM") != std::string::npos);  // 7.x adds "ERR "
  });
}

TEST_CASE("1000 concurrent commands complete in order with their own values",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    Connection conn(ioc, config_for(otpgate::test::shared_redis_port()));
    const auto up = co_await connect(conn);
    REQUIRE(up);
    co_await conn.command(argv("DEL", key("order")));
    constexpr int n = 1000;
    std::vector<long long> seen;  // INCR results in the order the coroutines resumed
    int echo_ok = 0;
    int finished = 0;
    for (int i = 0; i < n; ++i) {
      asio::co_spawn(
          ioc,
          [&, i]() -> asio::awaitable<void> {
            const std::string tag = "tag-" + std::to_string(i) + std::string(i % 50, 'x');
            const auto echo = co_await conn.command(argv("ECHO", tag));
            if (is_string(echo, tag)) ++echo_ok;
            const auto r = co_await conn.command(argv("INCR", key("order")));
            seen.push_back(r ? r.value().integer : -1);
            ++finished;
          },
          asio::detached);
    }
    const auto all_done = co_await wait_until([&] { return finished == n; }, 15s);
    REQUIRE(all_done);
    CHECK(echo_ok == n);
    REQUIRE(seen.size() == n);
    bool in_order = true;
    for (int i = 0; i < n; ++i) in_order = in_order && seen[i] == i + 1;
    CHECK(in_order);
  });
}

TEST_CASE("stop() answers in-flight commands with store_timeout and releases the io_context",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    auto conn = std::make_unique<Connection>(ioc, config_for(server.port()));
    const auto up = co_await connect(*conn);
    REQUIRE(up);
    const pid_t pid = redis_pid(server.port());
    REQUIRE(::kill(pid, SIGSTOP) == 0);  // replies cannot arrive before stop()

    constexpr int n = 100;
    int timed_out = 0;
    int finished = 0;
    for (int i = 0; i < n; ++i) {
      asio::co_spawn(
          ioc,
          [&]() -> asio::awaitable<void> {
            const auto pong = co_await conn->command(argv("PING"));
            // Written to Redis, which may still run them: "outcome unknown".
            if (is_errc(pong, errc::store_timeout)) ++timed_out;
            ++finished;
          },
          asio::detached);
    }
    co_await sleep_for(50ms);  // all of them are now waiting on Redis
    CHECK(finished == 0);
    conn->stop();
    CHECK_FALSE(conn->connected());
    const auto all_done = co_await wait_until([&] { return finished == n; }, 2s);
    CHECK(all_done);
    CHECK(timed_out == n);
    const auto after_stop = co_await conn->command(argv("PING"));
    CHECK(is_errc(after_stop, errc::store_unavailable));

    // Destroying a Connection with a caller still suspended: the caller gets store_timeout.
    REQUIRE(::kill(pid, SIGCONT) == 0);
    conn = std::make_unique<Connection>(ioc, config_for(server.port()));
    const auto up_again = co_await connect(*conn);
    REQUIRE(up_again);
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    bool orphan_timed_out = false;
    asio::co_spawn(
        ioc,
        [&, c = conn.get()]() -> asio::awaitable<void> {
          const auto pong = co_await c->command(argv("PING"));
          orphan_timed_out = is_errc(pong, errc::store_timeout);
        },
        asio::detached);
    co_await sleep_for(50ms);
    conn.reset();
    const auto orphan_done = co_await wait_until([&] { return orphan_timed_out; }, 2s);
    CHECK(orphan_done);
    ::kill(pid, SIGCONT);
  });  // run_bounded asserts the io_context then ran out of work
}
