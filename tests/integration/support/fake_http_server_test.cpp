// The faults FakeHttpServer scripts (tests/support/fake_http_server.hpp), seen by a raw TCP
// client: an answer, a reset, a half-close, a hang and a trickled answer.
#include "support/fake_http_server.hpp"
#include "support/tcp_client.hpp"

#include <catch2/catch.hpp>

#include <string>

using otpgate::test::FakeHttpServer;
using otpgate::test::FakeReply;
using otpgate::test::RecordedRequest;
using otpgate::test::TcpClient;
using namespace std::chrono_literals;

namespace {

const std::string request = "POST /sms HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";

FakeReply body(std::string text) {
  FakeReply r;
  r.body = std::move(text);
  return r;
}

}  // namespace

TEST_CASE("the fake HTTP server answers and records", "[integration][fake_http_server]") {
  FakeHttpServer server([](const RecordedRequest&) { return body("ok"); });
  TcpClient c(server.port());
  c.send(request);
  const std::string got = c.read(1 << 20, 2s);
  CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(got.substr(got.size() - 2) == "ok");
  REQUIRE(server.request_count() == 1);
  CHECK(server.requests()[0].body == "hi");
}

TEST_CASE("the fake HTTP server resets a connection", "[integration][fake_http_server]") {
  FakeReply r;
  r.reset = true;
  FakeHttpServer server([r](const RecordedRequest&) { return r; });
  TcpClient c(server.port());
  c.send(request);
  CHECK(c.read(1, 5s).empty());
  CHECK(c.closed());
  CHECK(c.error() == ECONNRESET);
}

TEST_CASE("the fake HTTP server half-closes without answering", "[integration][fake_http_server]") {
  FakeReply r;
  r.half_close = true;
  FakeHttpServer server([r](const RecordedRequest&) { return r; });
  TcpClient c(server.port());
  c.send(request);
  CHECK(c.read(1, 5s).empty());
  CHECK(c.closed());
  CHECK(c.error() == 0);  // a FIN, not a reset
  CHECK(server.request_count() == 1);
}

TEST_CASE("the fake HTTP server hangs until the client gives up",
          "[integration][fake_http_server]") {
  FakeReply r;
  r.hang = true;
  FakeHttpServer server([r](const RecordedRequest&) { return r; });
  TcpClient c(server.port());
  c.send(request);
  CHECK(c.read(1, 300ms).empty());
  CHECK_FALSE(c.closed());
  CHECK(server.max_concurrent() == 1);
}

TEST_CASE("the fake HTTP server trickles an answer out piece by piece",
          "[integration][fake_http_server]") {
  FakeReply r = body("slowly-but-surely");
  r.trickle = 300ms;
  r.trickle_bytes = 32;
  FakeHttpServer server([r](const RecordedRequest&) { return r; });
  TcpClient c(server.port());
  c.send(request);
  // A read takes all that has arrived: the first piece comes alone, the rest after the pause.
  const std::string first = c.read(32, 5s);
  CHECK(first == "HTTP/1.1 200 OK\r\nContent-Length:");
  const std::string rest = c.read(1 << 20, 2s);
  CHECK(rest == " 17\r\n\r\nslowly-but-surely");
}
