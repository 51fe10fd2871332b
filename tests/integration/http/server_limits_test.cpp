// The Beast server end to end over loopback: body and header limits, hostile bytes, timeouts,
// handler failures, graceful shutdown and the access log.
#include "http_fixture.hpp"

using namespace otpgate::test::http_fixture;

namespace {
// Every message of the API is a sentence: a capital first, a full stop last.
bool is_sentence(const nlohmann::json& message) {
  if (!message.is_string()) return false;
  const auto& m = message.get_ref<const std::string&>();
  return m.size() > 2 && m.front() >= 'A' && m.front() <= 'Z' && m.back() == '.';
}
}  // namespace

TEST_CASE("http server: a 1 MB body gets 413 PAYLOAD_TOO_LARGE", "[integration][http]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.connected());
  c.send(post("/v1/verifications", std::string(1 << 20, 'x')));  // may stop early: we read anyway
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(is_sane_correlator(r->header("x-correlator")));
  CHECK(r->header("content-type") == "application/json");
  const auto j = parsed(*r);
  CHECK(j["status"] == 413);
  CHECK(j["code"] == "PAYLOAD_TOO_LARGE");
  CHECK(is_sentence(j["message"]));
  CHECK(c.closed_by_peer_within(3s));
}

TEST_CASE("http server: a chunked body over the limit gets 413", "[integration][http]") {
  running_server s;
  client c(s.port());
  std::string req = "POST /v1/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) req += "400\r\n" + std::string(1024, 'y') + "\r\n";  // 40 KiB
  req += "0\r\n\r\n";
  c.send(req);
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(parsed(*r)["code"] == "PAYLOAD_TOO_LARGE");
}

TEST_CASE("http server: huge headers get 431 HEADERS_TOO_LARGE", "[integration][http]") {
  running_server s;
  client c(s.port());
  c.send(get("/h", "X-Big: " + std::string(20'000, 'h') + "\r\n"));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 431);
  const auto j = parsed(*r);
  CHECK(j["status"] == 431);
  CHECK(j["code"] == "HEADERS_TOO_LARGE");
  CHECK(is_sentence(j["message"]));
  CHECK(is_sane_correlator(r->header("x-correlator")));
}

TEST_CASE("http server: garbage bytes get 400 INVALID_REQUEST and a close", "[integration][http]") {
  running_server s;
  client c(s.port());
  static const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00 garbage\r\n\r\n";  // a TLS hello
  c.send(std::string_view(garbage, sizeof garbage - 1));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 400);
  const auto j = parsed(*r);
  CHECK(j["status"] == 400);
  CHECK(j["code"] == "INVALID_REQUEST");
  CHECK(is_sentence(j["message"]));
  CHECK(is_sane_correlator(r->header("x-correlator")));
  CHECK(c.closed_by_peer_within(3s));
}

TEST_CASE("http server: a half-sent request is closed after read_timeout", "[integration][http]") {
  running_server s;  // read_timeout 300 ms
  client slow(s.port());
  REQUIRE(slow.connected());
  REQUIRE(slow.send("POST /v1/x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"));

  const auto meanwhile = exchange(s.port(), get("/meanwhile"));
  REQUIRE(meanwhile);
  CHECK(meanwhile->status == 200);

  CHECK(slow.closed_by_peer_within(5s));

  const auto afterwards = exchange(s.port(), get("/afterwards"));
  REQUIRE(afterwards);
  CHECK(afterwards->status == 200);
}

TEST_CASE("http server: an idle keep-alive connection is closed after idle_timeout",
          "[integration][http]") {
  auto config = test_config();
  config.idle_timeout = 300ms;
  running_server s(config);
  client c(s.port());
  REQUIRE(c.send(get("/once")));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(c.closed_by_peer_within(5s));
}

TEST_CASE("http server: a throwing handler gets 500 INTERNAL and the server keeps serving",
          "[integration][http]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.send(get("/throw", "X-Correlator: boom-1\r\n")));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->header("x-correlator") == "boom-1");
  const auto j = parsed(*r);
  CHECK(j["status"] == 500);
  CHECK(j["code"] == "INTERNAL");
  CHECK(j["message"] == "internal error");
  CHECK(r->body.find("hunter2") == std::string::npos);

  REQUIRE(c.send(get("/after-throw")));  // same connection still usable
  const auto again = c.read_reply();
  REQUIRE(again);
  CHECK(again->status == 200);
  const auto fresh = exchange(s.port(), get("/fresh"));
  REQUIRE(fresh);
  CHECK(fresh->status == 200);
}

TEST_CASE("http server: graceful shutdown answers in-flight requests, then refuses",
          "[integration][http]") {
  auto config = test_config();
  config.idle_timeout = 30s;  // so an idle close below can only come from stop()
  running_server s(config);
  const auto port = s.port();

  client idle(port);
  REQUIRE(idle.send(get("/warm-up")));
  REQUIRE(idle.read_reply());

  client busy(port);
  REQUIRE(busy.send(get("/slow")));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!s.state.slow_started && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  REQUIRE(s.state.slow_started);

  s.stop();
  const auto r = busy.read_reply();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(parsed(*r)["path"] == "/slow");
  CHECK(lower(r->header("connection")) == "close");
  CHECK(idle.closed_by_peer_within(3s));

  REQUIRE(s.wait_stopped(5s));  // run() returned
  client late(port);
  CHECK_FALSE(late.connected());
}

TEST_CASE("http server: access log line has route, status, correlator, not secrets",
          "[integration][http]") {
  char path[] = "/tmp/otpgate-http-log-XXXXXX";
  const int log_fd = ::mkstemp(path);
  REQUIRE(log_fd >= 0);
  const int saved_stderr = ::dup(STDERR_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  {
    running_server s;
    const auto r = exchange(s.port(),
                            "POST /users/+4917012345678?x=1 HTTP/1.1\r\nHost: t\r\n"
                            "Authorization: Bearer sk_live_SECRET123\r\n"
                            "X-Correlator: log-test-7\r\nContent-Length: 11\r\n\r\n"
                            "body-SECRET");
    CHECK(r);
    CHECK(exchange(s.port(), get("/plain?q=1", "X-Correlator: log-test-8\r\n")));
    // A request cut off by the header limit never reaches the handler: its path (here with a
    // phone number) must not be logged either.
    const auto big = exchange(s.port(),
                              "GET /users/+4917099999999 HTTP/1.1\r\nHost: t\r\n"
                              "X-Correlator: log-test-9\r\nX-Big: " +
                                  std::string(20000, 'a') + "\r\n\r\n");
    CHECK(big);
  }  // stopped and joined: every line is written
  ::dup2(saved_stderr, STDERR_FILENO);
  ::close(saved_stderr);
  ::close(log_fd);
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  ::unlink(path);
  const std::string text = all.str();

  CHECK(text.find("SECRET") == std::string::npos);  // no header value, no body
  CHECK(text.find("4917012345678") == std::string::npos);
  std::optional<json> routed, plain;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("msg", "") != "request") continue;
    if (j.value("correlator", "") == "log-test-7") routed = j;
    if (j.value("correlator", "") == "log-test-8") plain = j;
  }
  REQUIRE(routed);
  CHECK((*routed)["method"] == "POST");
  CHECK((*routed)["route"] == "/users/{phone}");
  CHECK((*routed)["status"] == 200);
  CHECK((*routed)["phone"] == "+49170****567");
  CHECK((*routed)["remote"] == "127.0.0.1");
  CHECK((*routed)["duration_ms"].is_number_float());
  REQUIRE(plain);
  // A handler that names no route template: the raw path may hold a number or an id, so the
  // log says so instead of printing it.
  CHECK((*plain)["route"] == "{unrouted}");
  CHECK_FALSE(plain->contains("phone"));
  CHECK(text.find("4917099999999") == std::string::npos);
  CHECK(text.find("{unread}") != std::string::npos);
}
