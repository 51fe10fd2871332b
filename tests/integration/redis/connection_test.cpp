// redis::Connection against a real redis-server. Each test runs its own io_context for a bounded
// time, so a hang fails the test instead of the run; at the end the context must have run out
// of work (nothing left armed after the Connection stopped).
//
// Never write co_await inside CHECK/REQUIRE: Catch2 v2 repeats the expression under
// `false && ...`, and g++ 12 still executes a co_await there, so the command runs twice.
#include "otpgate/redis/connection.hpp"

#include "support/redis_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using otpgate::errc;
using otpgate::result;
using otpgate::redis::Config;
using otpgate::redis::Connection;
using otpgate::redis::Reply;
using otpgate::redis::Script;
using clock_type = std::chrono::steady_clock;

Config config_for(unsigned short port) {
  Config c;
  c.port = port;
  c.connect_timeout = 1s;
  c.command_timeout = 5s;
  c.reconnect_min = 20ms;
  c.reconnect_max = 200ms;
  return c;
}

void run_bounded(std::function<asio::awaitable<void>(asio::io_context&)> body,
                 std::chrono::seconds limit = 20s) {
  asio::io_context ioc;
  bool finished = false;
  std::exception_ptr error;
  asio::co_spawn(ioc, body(ioc), [&](std::exception_ptr e) {
    finished = true;
    error = e;
  });
  ioc.run_for(limit);
  if (error) std::rethrow_exception(error);
  REQUIRE(finished);
  REQUIRE(ioc.stopped());  // run_for returned because no work was left, not at the limit
}

asio::awaitable<void> sleep_for(clock_type::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<bool> wait_until(std::function<bool()> pred, clock_type::duration limit) {
  const auto until = clock_type::now() + limit;
  while (!pred()) {
    if (clock_type::now() > until) co_return false;
    co_await sleep_for(10ms);
  }
  co_return true;
}

asio::awaitable<bool> connect(Connection& conn) {
  conn.start();
  co_return co_await wait_until([&] { return conn.connected(); }, 5s);
}

bool is_errc(const result<Reply>& r, errc e) {
  return !r && r.error() == e;
}

bool is_string(const result<Reply>& r, const std::string& s) {
  return r && r.value().type == Reply::kind::string && r.value().str == s;
}

bool is_integer(const result<Reply>& r, long long v) {
  return r && r.value().type == Reply::kind::integer && r.value().integer == v;
}

bool is_status(const result<Reply>& r, const std::string& s) {
  return r && r.value().type == Reply::kind::status && r.value().str == s;
}

// SIGSTOP makes Redis hang with its socket open: connects still succeed, nothing is answered.
pid_t redis_pid_with_auth(unsigned short port, const std::string& password) {
  std::vector<std::string> args = {"INFO", "server"};
  if (!password.empty()) args.insert(args.begin(), {"-a", password, "--no-auth-warning"});
  const std::string info = otpgate::test::redis_cli(port, args);
  const auto at = info.find("process_id:");
  REQUIRE(at != std::string::npos);
  return static_cast<pid_t>(std::stol(info.substr(at + 11)));
}

pid_t redis_pid(unsigned short port) {
  return redis_pid_with_auth(port, "");
}

// Builds an argument vector outside the coroutine: g++ 12 rejects a braced list whose
// initializer_list lives across a co_await ("array used as initializer").
template <class... A>
std::vector<std::string> argv(A&&... a) {
  return {std::string(std::forward<A>(a))...};
}

std::string key(const std::string& name) {
  return "otpgate:test:redis_connection:" + name;
}

}  // namespace

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
    CHECK_FALSE(conn.connected());  // the hung connection was dropped
    const auto queued_failed = co_await wait_until([&] { return queued_done; }, 1s);
    CHECK(queued_failed);
    CHECK(is_errc(queued, errc::store_unavailable));  // stuck behind it, failed with the link

    REQUIRE(::kill(pid, SIGCONT) == 0);
    const auto back = co_await wait_until([&] { return conn.connected(); }, 5s);
    REQUIRE(back);
    // The late PONG of the old connection must not be taken for this reply.
    const auto get = co_await conn.command(argv("GET", key("timeout")));
    CHECK(is_string(get, "v"));
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

TEST_CASE("stop() fails in-flight commands with store_unavailable and releases the io_context",
          "[integration][redis]") {
  run_bounded([](asio::io_context& ioc) -> asio::awaitable<void> {
    otpgate::test::RedisServer server;
    auto conn = std::make_unique<Connection>(ioc, config_for(server.port()));
    const auto up = co_await connect(*conn);
    REQUIRE(up);
    const pid_t pid = redis_pid(server.port());
    REQUIRE(::kill(pid, SIGSTOP) == 0);  // replies cannot arrive before stop()

    constexpr int n = 100;
    int unavailable = 0;
    int finished = 0;
    for (int i = 0; i < n; ++i) {
      asio::co_spawn(
          ioc,
          [&]() -> asio::awaitable<void> {
            const auto pong = co_await conn->command(argv("PING"));
            if (is_errc(pong, errc::store_unavailable)) ++unavailable;
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
    CHECK(unavailable == n);
    const auto after_stop = co_await conn->command(argv("PING"));
    CHECK(is_errc(after_stop, errc::store_unavailable));

    // Destroying a Connection with a caller still suspended: the caller gets store_unavailable.
    REQUIRE(::kill(pid, SIGCONT) == 0);
    conn = std::make_unique<Connection>(ioc, config_for(server.port()));
    const auto up_again = co_await connect(*conn);
    REQUIRE(up_again);
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    bool orphan_unavailable = false;
    asio::co_spawn(
        ioc,
        [&, c = conn.get()]() -> asio::awaitable<void> {
          const auto pong = co_await c->command(argv("PING"));
          orphan_unavailable = is_errc(pong, errc::store_unavailable);
        },
        asio::detached);
    co_await sleep_for(50ms);
    conn.reset();
    const auto orphan_done = co_await wait_until([&] { return orphan_unavailable; }, 2s);
    CHECK(orphan_done);
    ::kill(pid, SIGCONT);
  });  // run_bounded asserts the io_context then ran out of work
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
