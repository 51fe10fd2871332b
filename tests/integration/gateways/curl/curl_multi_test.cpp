// CurlMulti against FakeHttpServer: what goes over the wire, what comes back, how failures map
// onto errc, concurrency on one io thread, and teardown with transfers in flight (run these
// under OTPGATE_SANITIZE: the teardown tests are about freed memory).
//
// The client runs on an io_context in the test thread; the server on its own thread. No test
// asserts a duration: concurrency is read from the server's max_concurrent().
#include "otpgate/gateways/curl_multi.hpp"

#include "support/fake_http_server.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using otpgate::errc;
using otpgate::result;
using otpgate::gateways::CurlMulti;
using otpgate::gateways::HttpRequest;
using otpgate::gateways::HttpResponse;
using otpgate::gateways::HttpTimeouts;
using otpgate::test::FakeHttpServer;
using otpgate::test::FakeReply;
using otpgate::test::RecordedRequest;
using otpgate::test::run_sync;

FakeReply ok_reply(const RecordedRequest&) {
  FakeReply reply;
  reply.body = "ok";
  return reply;
}

// Scripted by path, so one server covers a test's sequence of behaviours.
FakeReply scripted_reply(const RecordedRequest& req) {
  FakeReply reply;
  if (req.target == "/hang") reply.hang = true;
  if (req.target == "/reset") reply.reset = true;
  if (req.target == "/slow") reply.delay = 300ms;
  if (req.target == "/big") reply.body.assign(2 * 1024 * 1024, 'x');
  if (req.target == "/ok") reply.body = "ok";
  return reply;
}

HttpRequest get(const std::string& url) {
  HttpRequest req;
  req.method = "GET";
  req.url = url;
  return req;
}

HttpTimeouts timeouts(std::chrono::milliseconds total = 5s) {
  HttpTimeouts t;
  t.total = total;
  t.connect = std::min<std::chrono::milliseconds>(total, 2s);
  return t;
}

result<HttpResponse> fetch(asio::io_context& ioc, CurlMulti& http, const HttpRequest& req,
                           const HttpTimeouts& t = timeouts()) {
  ioc.restart();  // the previous exchange may have left it out of work, hence stopped
  return run_sync(ioc, http.perform(req, t), std::chrono::seconds(20));
}

errc error_of(const result<HttpResponse>& r) {
  REQUIRE(r.has_error());
  return otpgate::to_errc(r.error());
}

// Runs the loop until done() or the limit; a hang fails the caller's REQUIRE, not the run.
bool run_until(asio::io_context& ioc, const std::function<bool()>& done,
               std::chrono::seconds limit = 20s) {
  ioc.restart();
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) ioc.run_one_for(10ms);
  return done();
}

struct Tally {
  int ok = 0;
  int failed = 0;
};

// A named coroutine (no coroutine lambdas in tests): one exchange, counted.
asio::awaitable<void> fetch_counted(CurlMulti& http, const HttpRequest& req, Tally& tally) {
  const HttpTimeouts t = timeouts(20s);
  auto r = co_await http.perform(req, t);
  if (r && r.value().status == 200) {
    ++tally.ok;
  } else {
    ++tally.failed;
  }
}

// The pool's default cap (32 connections to a host) would queue most of a test's burst.
const otpgate::gateways::PoolLimits unbounded_pool{.max_host_connections = 1000};

unsigned short closed_port() {
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::address_v4::loopback(), 0});
  return acceptor.local_endpoint().port();  // closed when acceptor goes out of scope
}

}  // namespace

TEST_CASE("curl: the request arrives as built: method, target, headers, body", "[curl]") {
  FakeHttpServer server(ok_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  HttpRequest req;
  req.url = server.base_url() + "/v1/send?x=1";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Authorization", "Basic dXNlcjpwYXNz"},
                 {"X-Custom", "value with spaces"}};
  req.body = "To=%2B4915112345678&Body=Your%20code%20is%20123456";
  const auto r = fetch(ioc, http, req);
  REQUIRE(r.has_value());
  CHECK(r.value().status == 200);
  CHECK(r.value().body == "ok");
  REQUIRE(server.request_count() == 1);
  const RecordedRequest got = server.requests().at(0);
  CHECK(got.method == "POST");
  CHECK(got.target == "/v1/send?x=1");
  CHECK(got.body == req.body);
  CHECK(got.header("content-type") == "application/x-www-form-urlencoded");
  CHECK(got.header("authorization") == "Basic dXNlcjpwYXNz");
  CHECK(got.header("x-custom") == "value with spaces");
  CHECK(got.header("content-length") == std::to_string(req.body.size()));
  CHECK(got.header("host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(http.active() == 0);
}

TEST_CASE("curl: GET has no body, other methods are sent as given", "[curl]") {
  FakeHttpServer server(ok_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  const auto r1 = fetch(ioc, http, get(server.base_url() + "/status/abc"));
  REQUIRE(r1.has_value());
  HttpRequest del;
  del.method = "DELETE";
  del.url = server.base_url() + "/messages/1";
  const auto r2 = fetch(ioc, http, del);
  REQUIRE(r2.has_value());
  const auto got = server.requests();
  REQUIRE(got.size() == 2);
  CHECK(got[0].method == "GET");
  CHECK(got[0].target == "/status/abc");
  CHECK(got[0].body.empty());
  CHECK(got[1].method == "DELETE");
  CHECK(got[1].target == "/messages/1");
}

TEST_CASE("curl: a large body goes without Expect: 100-continue", "[curl]") {
  FakeHttpServer server(ok_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  HttpRequest req;
  req.url = server.base_url() + "/big-post";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = "{\"text\":\"" + std::string(100'000, 'a') + "\"}";
  const auto r = fetch(ioc, http, req);
  REQUIRE(r.has_value());
  REQUIRE(server.request_count() == 1);
  const RecordedRequest got = server.requests().at(0);
  CHECK(got.body == req.body);
  CHECK(got.header("expect").empty());
}

TEST_CASE("curl: a malformed method or a header with CR/LF is refused before sending", "[curl]") {
  FakeHttpServer server(ok_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  HttpRequest bad_method;
  bad_method.method = "GET / HTTP/1.1\r\nX:";
  bad_method.url = server.base_url() + "/";
  CHECK(error_of(fetch(ioc, http, bad_method)) == errc::gateway_error);
  HttpRequest bad_header;
  bad_header.url = server.base_url() + "/";
  bad_header.headers = {{"X-Token", "abc\r\nX-Injected: 1"}};
  CHECK(error_of(fetch(ioc, http, bad_header)) == errc::gateway_error);
  CHECK(server.request_count() == 0);
}

TEST_CASE("curl: status, headers (lower-cased names) and body come back", "[curl]") {
  FakeHttpServer server([](const RecordedRequest&) {
    FakeReply reply;
    reply.status = 201;
    reply.headers = {{"X-Request-Id", "abc-123"}, {"Content-Type", "application/json"}};
    reply.body = R"({"sid":"SM1"})";
    return reply;
  });
  asio::io_context ioc;
  CurlMulti http(ioc);
  const auto r = fetch(ioc, http, get(server.base_url() + "/"));
  REQUIRE(r.has_value());
  const HttpResponse& res = r.value();
  CHECK(res.status == 201);
  CHECK(res.body == R"({"sid":"SM1"})");
  CHECK(res.header("X-Request-Id") == "abc-123");
  const otpgate::gateways::Fields::value_type wanted{"x-request-id", "abc-123"};
  CHECK(std::find(res.headers.begin(), res.headers.end(), wanted) != res.headers.end());
  CHECK(res.header("content-type") == "application/json");
  CHECK(res.header("content-length") == "13");
}

TEST_CASE("curl: 500 and 429 with Retry-After are responses, not errors", "[curl]") {
  FakeHttpServer server([](const RecordedRequest& req) {
    FakeReply reply;
    reply.status = req.target == "/limited" ? 429 : 500;
    if (reply.status == 429) reply.headers = {{"Retry-After", "7"}};
    reply.body = "try later";
    return reply;
  });
  asio::io_context ioc;
  CurlMulti http(ioc);
  const auto r500 = fetch(ioc, http, get(server.base_url() + "/broken"));
  REQUIRE(r500.has_value());
  CHECK(r500.value().status == 500);
  CHECK(r500.value().body == "try later");
  const auto r429 = fetch(ioc, http, get(server.base_url() + "/limited"));
  REQUIRE(r429.has_value());
  CHECK(r429.value().status == 429);
  CHECK(r429.value().header("retry-after") == "7");
}

TEST_CASE("curl: a hanging server hits the total timeout, the client works afterwards", "[curl]") {
  FakeHttpServer server(scripted_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  const auto hung = fetch(ioc, http, get(server.base_url() + "/hang"), timeouts(300ms));
  CHECK(error_of(hung) == errc::gateway_timeout);
  CHECK(http.active() == 0);
  const auto next = fetch(ioc, http, get(server.base_url() + "/ok"));
  REQUIRE(next.has_value());
  CHECK(next.value().body == "ok");
  CHECK(server.request_count() == 2);
}

TEST_CASE("curl: a connection reset is gateway_unreachable", "[curl]") {
  FakeHttpServer server(scripted_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  CHECK(error_of(fetch(ioc, http, get(server.base_url() + "/reset"))) == errc::gateway_unreachable);
  const auto next = fetch(ioc, http, get(server.base_url() + "/ok"));
  CHECK(next.has_value());
}

TEST_CASE("curl: a refused connection is gateway_unreachable", "[curl]") {
  asio::io_context ioc;
  CurlMulti http(ioc);
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  CHECK(error_of(fetch(ioc, http, get(url))) == errc::gateway_unreachable);
}

TEST_CASE("curl: a body over the cap is gateway_error", "[curl]") {
  FakeHttpServer server(scripted_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  CHECK(error_of(fetch(ioc, http, get(server.base_url() + "/big"))) == errc::gateway_error);
}

TEST_CASE("curl: only http and https URLs are fetched", "[curl]") {
  asio::io_context ioc;
  CurlMulti http(ioc);
  CHECK(error_of(fetch(ioc, http, get("file:///etc/passwd"))) == errc::gateway_error);
}

TEST_CASE("curl: IPv6 loopback works", "[curl]") {
  std::unique_ptr<FakeHttpServer> server;
  try {
    server = std::make_unique<FakeHttpServer>(ok_reply, true);
  } catch (const std::runtime_error& e) {
    WARN("skipped, no IPv6 loopback: " << e.what());
    return;
  }
  asio::io_context ioc;
  CurlMulti http(ioc);
  const auto r = fetch(ioc, http, get(server->base_url() + "/six"));
  REQUIRE(r.has_value());
  CHECK(r.value().body == "ok");
  REQUIRE(server->request_count() == 1);
  CHECK(server->requests().at(0).target == "/six");
}

TEST_CASE("curl: a host name is resolved (localhost, IPv6 then IPv4 where both exist)", "[curl]") {
  FakeHttpServer server(ok_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/named";
  const auto r = fetch(ioc, http, get(url));
  REQUIRE(r.has_value());
  CHECK(r.value().body == "ok");
  CHECK(server.request_count() == 1);
}

TEST_CASE("curl: sequential requests reuse one connection", "[curl]") {
  FakeHttpServer server(ok_reply);
  asio::io_context ioc;
  CurlMulti http(ioc);
  REQUIRE(fetch(ioc, http, get(server.base_url() + "/one")).has_value());
  REQUIRE(fetch(ioc, http, get(server.base_url() + "/two")).has_value());
  CHECK(server.connection_count() == 1);
  const auto got = server.requests();
  REQUIRE(got.size() == 2);
  CHECK(got[0].connection == got[1].connection);
}

TEST_CASE("curl: 200 slow requests run concurrently on one io thread", "[curl]") {
  FakeHttpServer server(scripted_reply);
  asio::io_context ioc;
  CurlMulti http(ioc, unbounded_pool);  // concurrency is the point, not the pool
  const HttpRequest req = get(server.base_url() + "/slow");
  Tally tally;
  constexpr int n = 200;
  for (int i = 0; i < n; ++i) asio::co_spawn(ioc, fetch_counted(http, req, tally), asio::detached);
  REQUIRE(run_until(
      ioc, [&] { return tally.ok + tally.failed == n; }, 60s));
  CHECK(tally.ok == n);
  CHECK(server.max_concurrent() > 100);
  CHECK(http.active() == 0);
}

TEST_CASE("curl: destroying the client with transfers in flight, then the io_context, is clean",
          "[curl]") {
  FakeHttpServer server(scripted_reply);
  Tally tally;
  {
    asio::io_context ioc;
    auto http = std::make_unique<CurlMulti>(ioc);
    const HttpRequest req = get(server.base_url() + "/hang");
    for (int i = 0; i < 20; ++i)
      asio::co_spawn(ioc, fetch_counted(*http, req, tally), asio::detached);
    REQUIRE(run_until(ioc, [&] { return server.request_count() == 20; }));
    CHECK(http->active() == 20);
    http.reset();
    // Abandoned: their coroutines are never resumed, and die with the io_context.
    ioc.poll();
  }
  CHECK(tally.ok + tally.failed == 0);
}

TEST_CASE("curl: 300 hanging requests are in flight at once, teardown does not wait for them",
          "[curl]") {
  // Deterministic: nobody answers, so every request the server saw is still being handled.
  FakeHttpServer server(scripted_reply);
  Tally tally;
  asio::io_context ioc;
  CurlMulti http(ioc, unbounded_pool);  // concurrency is the point, not the pool
  const HttpRequest req = get(server.base_url() + "/hang");
  constexpr int n = 300;
  for (int i = 0; i < n; ++i) asio::co_spawn(ioc, fetch_counted(http, req, tally), asio::detached);
  REQUIRE(run_until(
      ioc, [&] { return server.request_count() == n; }, 60s));
  CHECK(server.max_concurrent() == n);
  CHECK(server.connection_count() == n);
  CHECK(http.active() == n);
  CHECK(tally.ok + tally.failed == 0);
}

namespace {
// Exposes io_context's shutdown(), the first half of its destructor: it destroys every pending
// handler, and so every suspended coroutine frame, while the services still exist.
struct StoppableContext : asio::io_context {
  using asio::io_context::shutdown;
};
}  // namespace

TEST_CASE("curl: a coroutine frame destroyed mid-flight takes its transfer out of the multi",
          "[curl]") {
  FakeHttpServer server(scripted_reply);
  Tally tally;
  StoppableContext ioc;
  CurlMulti http(ioc);
  const HttpRequest req = get(server.base_url() + "/hang");
  for (int i = 0; i < 5; ++i) asio::co_spawn(ioc, fetch_counted(http, req, tally), asio::detached);
  REQUIRE(run_until(ioc, [&] { return server.request_count() == 5; }));
  CHECK(http.active() == 5);
  ioc.shutdown();
  CHECK(http.active() == 0);
  CHECK(tally.ok + tally.failed == 0);
}
