// Shared by redis::Connection's integration tests: a Config for a port, a bounded io_context run
// (a hang fails the test, and the context must run out of work), waits, reply predicates, the
// pid of a Redis to SIGSTOP, and the tests' key names.
#pragma once

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

namespace otpgate::test::redis_conn {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using otpgate::errc;
using otpgate::result;
using otpgate::redis::Config;
using otpgate::redis::Connection;
using otpgate::redis::Reply;
using otpgate::redis::Script;
using clock_type = std::chrono::steady_clock;

inline Config config_for(unsigned short port) {
  Config c;
  c.port = port;
  c.connect_timeout = 1s;
  c.command_timeout = 5s;
  c.reconnect_min = 20ms;
  c.reconnect_max = 200ms;
  return c;
}

inline void run_bounded(std::function<asio::awaitable<void>(asio::io_context&)> body,
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

inline asio::awaitable<void> sleep_for(clock_type::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

inline asio::awaitable<bool> wait_until(std::function<bool()> pred, clock_type::duration limit) {
  const auto until = clock_type::now() + limit;
  while (!pred()) {
    if (clock_type::now() > until) co_return false;
    co_await sleep_for(10ms);
  }
  co_return true;
}

inline asio::awaitable<bool> connect(Connection& conn) {
  conn.start();
  co_return co_await wait_until([&] { return conn.connected(); }, 5s);
}

inline bool is_errc(const result<Reply>& r, errc e) {
  return !r && r.error() == e;
}

inline bool is_string(const result<Reply>& r, const std::string& s) {
  return r && r.value().type == Reply::kind::string && r.value().str == s;
}

inline bool is_integer(const result<Reply>& r, long long v) {
  return r && r.value().type == Reply::kind::integer && r.value().integer == v;
}

inline bool is_status(const result<Reply>& r, const std::string& s) {
  return r && r.value().type == Reply::kind::status && r.value().str == s;
}

// SIGSTOP makes Redis hang with its socket open: connects still succeed, nothing is answered.
inline pid_t redis_pid_with_auth(unsigned short port, const std::string& password) {
  std::vector<std::string> args = {"INFO", "server"};
  if (!password.empty()) args.insert(args.begin(), {"-a", password, "--no-auth-warning"});
  const std::string info = otpgate::test::redis_cli(port, args);
  const auto at = info.find("process_id:");
  REQUIRE(at != std::string::npos);
  return static_cast<pid_t>(std::stol(info.substr(at + 11)));
}

inline pid_t redis_pid(unsigned short port) {
  return redis_pid_with_auth(port, "");
}

// Builds an argument vector outside the coroutine: g++ 12 rejects a braced list whose
// initializer_list lives across a co_await ("array used as initializer").
template <class... A>
inline std::vector<std::string> argv(A&&... a) {
  return {std::string(std::forward<A>(a))...};
}

inline std::string key(const std::string& name) {
  return "otpgate:test:redis_connection:" + name;
}

}  // namespace otpgate::test::redis_conn
