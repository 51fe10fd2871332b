// CurlMulti's connection pool against FakeHttpServer: at most max_host_connections to a host,
// a send waiting for a free connection still ends at its own deadline, and connections left
// idle are closed after the idle timeout although no further transfer comes.
//
// Open connections are read from the kernel (/proc/net/tcp), not from the client. No test
// asserts a duration: the deadline test checks which exchange ended first.
#include "otpgate/gateways/curl_multi.hpp"

#include "support/fake_http_server.hpp"
#include "support/tcp_connections.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using otpgate::errc;
using otpgate::gateways::CurlMulti;
using otpgate::gateways::HttpRequest;
using otpgate::gateways::HttpTimeouts;
using otpgate::gateways::PoolLimits;
using otpgate::test::established_connections_to;
using otpgate::test::FakeHttpServer;
using otpgate::test::FakeReply;
using otpgate::test::RecordedRequest;

FakeReply slow_reply(const RecordedRequest& req) {
  FakeReply reply;
  reply.body = "ok";
  if (req.target == "/slow") reply.delay = 200ms;
  if (req.target == "/slower") reply.delay = 1500ms;
  return reply;
}

HttpRequest get(const std::string& url) {
  HttpRequest req;
  req.method = "GET";
  req.url = url;
  return req;
}

struct Outcome {
  std::string name;
  bool ok = false;
  errc error{};
};

// A named coroutine (no coroutine lambdas in tests): one exchange, its outcome appended in the
// order the exchanges end.
asio::awaitable<void> fetch_into(CurlMulti& http, std::string name, HttpRequest req,
                                 std::chrono::milliseconds total, std::vector<Outcome>& done) {
  HttpTimeouts t;
  t.total = total;
  t.connect = 2s;
  auto r = co_await http.perform(req, t);
  Outcome o{.name = name, .ok = r.has_value() && r.value().status == 200};
  if (r.has_error()) o.error = otpgate::to_errc(r.error());
  done.push_back(o);
}

bool run_until(asio::io_context& ioc, const std::function<bool()>& finished,
               std::chrono::seconds limit = 20s) {
  ioc.restart();
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!finished() && std::chrono::steady_clock::now() < end) ioc.run_one_for(10ms);
  return finished();
}

}  // namespace

TEST_CASE("curl pool: no more than max_host_connections connections to one host", "[curl][pool]") {
  FakeHttpServer server(slow_reply);
  asio::io_context ioc;
  CurlMulti http(ioc, PoolLimits{.max_host_connections = 2, .idle_timeout = 30s});
  std::vector<Outcome> done;
  for (int i = 0; i < 10; ++i)
    asio::co_spawn(ioc, fetch_into(http, "s", get(server.base_url() + "/slow"), 20s, done),
                   asio::detached);
  REQUIRE(run_until(ioc, [&] { return done.size() == 10; }));
  for (const auto& o : done) CHECK(o.ok);  // the others waited their turn
  CHECK(server.max_concurrent() <= 2);
  CHECK(server.connection_count() <= 2);
  CHECK(established_connections_to(server.port()) <= 2);
}

TEST_CASE("curl pool: a send waiting for a connection ends at its own deadline", "[curl][pool]") {
  FakeHttpServer server(slow_reply);
  asio::io_context ioc;
  CurlMulti http(ioc, PoolLimits{.max_host_connections = 1, .idle_timeout = 30s});
  std::vector<Outcome> done;
  // "first" takes the one connection for 1.5 s; "queued" may wait only 200 ms of that.
  asio::co_spawn(ioc, fetch_into(http, "first", get(server.base_url() + "/slower"), 20s, done),
                 asio::detached);
  asio::co_spawn(ioc, fetch_into(http, "queued", get(server.base_url() + "/ok"), 200ms, done),
                 asio::detached);
  REQUIRE(run_until(ioc, [&] { return done.size() == 2; }));
  // libcurl alone keeps a queued transfer without a clock: it timed out only when "first"
  // ended and freed the connection.
  CHECK(done[0].name == "queued");
  CHECK_FALSE(done[0].ok);
  CHECK(done[0].error == errc::gateway_timeout);
  CHECK(done[1].name == "first");
  CHECK(done[1].ok);
  CHECK(server.request_count() == 1);  // the queued one never went out
}

TEST_CASE("curl pool: idle connections are closed after the idle timeout with no new transfer",
          "[curl][pool]") {
  FakeHttpServer server(slow_reply);
  asio::io_context ioc;
  CurlMulti http(ioc, PoolLimits{.max_host_connections = 8, .idle_timeout = 500ms});
  std::vector<Outcome> done;
  for (int i = 0; i < 4; ++i)
    asio::co_spawn(ioc, fetch_into(http, "s", get(server.base_url() + "/slow"), 20s, done),
                   asio::detached);
  REQUIRE(run_until(ioc, [&] { return done.size() == 4; }));
  CHECK(established_connections_to(server.port()) == 4);  // kept alive for reuse
  // Only the loop runs now: no transfer that would let libcurl prune its cache.
  CHECK(run_until(
      ioc, [&] { return established_connections_to(server.port()) == 0; }, 10s));
  SECTION("and the pool works again afterwards") {
    done.clear();
    asio::co_spawn(ioc, fetch_into(http, "s", get(server.base_url() + "/slow"), 20s, done),
                   asio::detached);
    REQUIRE(run_until(ioc, [&] { return done.size() == 1; }));
    CHECK(done[0].ok);
  }
}
