// The Beast server end to end over loopback: round trips, keep-alive, connection handling and
// x-correlator (limits, timeouts and shutdown are in http_server_limits_test.cpp).
#include "http_fixture.hpp"

using namespace otpgate::test::http_fixture;

TEST_CASE("http server: GET and POST round trips", "[integration][http]") {
  running_server s;
  const auto g = exchange(s.port(), get("/v1/things?limit=5", "X-Mixed-Case: Value\r\n"));
  REQUIRE(g);
  CHECK(g->status == 200);
  CHECK(g->header("content-type") == "application/json");
  CHECK(g->header("content-length") == std::to_string(g->body.size()));
  CHECK(g->header("x-test") == "yes");
  const auto gj = parsed(*g);
  CHECK(gj["method"] == "GET");
  CHECK(gj["path"] == "/v1/things");
  CHECK(gj["target"] == "/v1/things?limit=5");
  CHECK(gj["remote"] == "127.0.0.1");
  CHECK(gj["headers"]["x-mixed-case"] == "Value");  // names lower-cased, values untouched

  const std::string body = R"({"phone_number":"+4917012345678"})";
  const auto p = exchange(s.port(), post("/v1/verifications", body));
  REQUIRE(p);
  CHECK(p->status == 200);
  const auto pj = parsed(*p);
  CHECK(pj["method"] == "POST");
  CHECK(pj["path"] == "/v1/verifications");
  CHECK(pj["body"] == body);
}

TEST_CASE("http server: HEAD gets headers only, Expect: 100-continue is honoured",
          "[integration][http]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n" + get("/after-head")));
  const auto head = c.read_reply(/*head_only=*/true);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->header("content-length") != "0");  // GET's length, RFC 9110 9.3.2
  // Had the server sent the body anyway, this would parse those bytes as a status line.
  const auto after = c.read_reply();
  REQUIRE(after);
  CHECK(parsed(*after)["path"] == "/after-head");

  client e(s.port());
  REQUIRE(
      e.send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  const auto interim = e.read_reply();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(e.send("hello"));
  const auto final_reply = e.read_reply();
  REQUIRE(final_reply);
  CHECK(final_reply->status == 200);
  CHECK(parsed(*final_reply)["body"] == "hello");
}

TEST_CASE("http server: listens on IPv6 loopback", "[integration][http]") {
  const int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  any.sin6_addr = in6addr_loopback;
  const bool have_v6 =
      probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0;
  if (probe >= 0) ::close(probe);
  if (!have_v6) {
    WARN("no IPv6 loopback here; not tested");
    return;
  }
  auto config = test_config();
  config.address = "::1";
  running_server s(config);
  client c(s.port(), true);
  REQUIRE(c.connected());
  REQUIRE(c.send(get("/v6")));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(parsed(*r)["remote"] == "::1");
}

TEST_CASE("http server: keep-alive serves two requests on one connection", "[integration][http]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.connected());
  REQUIRE(c.send(get("/first") + post("/second", "abc")));  // pipelined, too
  const auto r1 = c.read_reply();
  const auto r2 = c.read_reply();
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(parsed(*r1)["path"] == "/first");
  CHECK(parsed(*r2)["body"] == "abc");
  CHECK(lower(r1->header("connection")) != "close");

  REQUIRE(c.send(get("/third")));  // and once more after the pipeline drained
  const auto r3 = c.read_reply();
  REQUIRE(r3);
  CHECK(parsed(*r3)["path"] == "/third");
}

TEST_CASE("http server: HTTP/1.0 and Connection: close end the connection", "[integration][http]") {
  running_server s;
  SECTION("Connection: close") {
    client c(s.port());
    REQUIRE(c.send(get("/a", "Connection: close\r\n")));
    const auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(lower(r->header("connection")) == "close");
    CHECK(c.closed_by_peer_within(2s));
  }
  SECTION("HTTP/1.0 without keep-alive") {
    client c(s.port());
    REQUIRE(c.send("GET /b HTTP/1.0\r\n\r\n"));
    const auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(c.closed_by_peer_within(2s));
  }
}

TEST_CASE("http server: x-correlator is echoed, generated or replaced", "[integration][http]") {
  running_server s;
  SECTION("sane value echoed") {
    const auto r = exchange(s.port(), get("/c", "X-Correlator: order-42_retry.1\r\n"));
    REQUIRE(r);
    CHECK(r->header("x-correlator") == "order-42_retry.1");
    CHECK(parsed(*r)["correlator"] == "order-42_retry.1");
  }
  SECTION("generated when absent, different per request") {
    const auto a = exchange(s.port(), get("/c"));
    const auto b = exchange(s.port(), get("/c"));
    REQUIRE(a);
    REQUIRE(b);
    CHECK(is_sane_correlator(a->header("x-correlator")));
    CHECK(parsed(*a)["correlator"] == a->header("x-correlator"));
    CHECK(a->header("x-correlator") != b->header("x-correlator"));
  }
  SECTION("hostile values replaced") {
    const std::string hostile =
        GENERATE(std::string(500, 'a'), std::string("ab\"cd"), std::string("a b"),
                 std::string("a/b"), std::string("caf\xc3\xa9"));
    const auto r = exchange(s.port(), get("/c", "X-Correlator: " + hostile + "\r\n"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->header("x-correlator") != hostile);
    CHECK(is_sane_correlator(r->header("x-correlator")));
  }
  SECTION("control characters make a malformed request, still correlated") {
    const std::string hostile = GENERATE(std::string("ab\rcd"), std::string("x\x01y"));
    const auto r = exchange(s.port(), get("/c", "X-Correlator: " + hostile + "\r\n"));
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(is_sane_correlator(r->header("x-correlator")));
  }
}
