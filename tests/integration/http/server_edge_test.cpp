// The Beast server's own share of the HTTP rules, whoever made the answer (the handler, or the
// server itself before any handler ran): the edge headers of docs/security.md on every answer,
// no Content-Length on a 304 or 204 (RFC 9110 8.6), and 400 for a request without exactly one
// Host (RFC 9112 3.2).
#include "http_fixture.hpp"

using namespace otpgate::test::http_fixture;

namespace {

const std::string csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// An answer under /console: the console's security headers (docs/security.md "The console").
void check_console_headers(const reply& r) {
  CHECK(r.header("content-security-policy") == csp);
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("referrer-policy") == "no-referrer");
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(r.header("cross-origin-opener-policy") == "same-origin");
  CHECK(r.header("cache-control") == "no-store");
}

// Any other answer: data for a program, never sniffed, never stored.
void check_api_headers(const reply& r) {
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("cache-control") == "no-store");
  CHECK(r.headers.count("content-security-policy") == 0);
}

// One request on a fresh connection; the server may stop reading early (413), so the answer is
// read whatever send() managed.
reply answer_to(unsigned short port, const std::string& request) {
  client c(port);
  REQUIRE(c.connected());
  c.send(request);
  auto r = c.read_reply();
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("http server: answers made before any handler carry the edge headers",
          "[integration][http][edge]") {
  running_server s;
  const std::string big_header = "X-Big: " + std::string(20'000, 'h') + "\r\n";
  const std::string big_body(1 << 20, 'x');

  SECTION("400 for a request line Beast refuses") {
    const auto console = answer_to(s.port(), "GET /console/ HTTP/2.0\r\nHost: t\r\n\r\n");
    CHECK(console.status == 400);
    check_console_headers(console);
    const auto api = answer_to(s.port(), "GET /v1/me HTTP/2.0\r\nHost: t\r\n\r\n");
    CHECK(api.status == 400);
    check_api_headers(api);
  }
  SECTION("431 for a header block over the limit") {
    const auto console = answer_to(s.port(), get("/console/index.html", big_header));
    CHECK(console.status == 431);
    check_console_headers(console);
    const auto api = answer_to(s.port(), get("/v1/me", big_header));
    CHECK(api.status == 431);
    check_api_headers(api);
  }
  SECTION("413 for a body over the limit") {
    const auto console = answer_to(s.port(), post("/console/", big_body));
    CHECK(console.status == 413);
    check_console_headers(console);
    const auto api = answer_to(s.port(), post("/v1/verifications", big_body));
    CHECK(api.status == 413);
    check_api_headers(api);
  }
  SECTION("500 for a handler that threw") {
    const auto console = answer_to(s.port(), get("/console/throw"));
    CHECK(console.status == 500);
    check_console_headers(console);
    const auto api = answer_to(s.port(), get("/v1/throw"));
    CHECK(api.status == 500);
    check_api_headers(api);
  }
  SECTION("a handler's own answer") {
    const auto console = answer_to(s.port(), get("/console/assets/x.js"));
    CHECK(console.status == 200);
    check_console_headers(console);
    CHECK(console.header("x-test") == "yes");  // the handler's headers are kept
    const auto api = answer_to(s.port(), get("/v1/things"));
    CHECK(api.status == 200);
    check_api_headers(api);
    // Not a prefix match: /consoles is not the console.
    check_api_headers(answer_to(s.port(), get("/consoles")));
  }
}

TEST_CASE("http server: a 304 and a 204 carry no Content-Length", "[integration][http][edge]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.send(get("/status/304")));
  const auto not_modified = c.read_reply();
  REQUIRE(not_modified);
  CHECK(not_modified->status == 304);
  CHECK(not_modified->header("etag") == "\"t1\"");
  // RFC 9110 8.6: on a 304 only the 200's own length would be allowed; 0 is a lie.
  CHECK(not_modified->headers.count("content-length") == 0);
  CHECK(not_modified->headers.count("transfer-encoding") == 0);

  REQUIRE(c.send(get("/status/204")));  // the same connection: framing still intact
  const auto no_content = c.read_reply();
  REQUIRE(no_content);
  CHECK(no_content->status == 204);
  CHECK(no_content->headers.count("content-length") == 0);  // RFC 9110 8.6: MUST NOT
  CHECK(no_content->headers.count("transfer-encoding") == 0);

  REQUIRE(c.send("HEAD /status/304 HTTP/1.1\r\nHost: t\r\n\r\n" + get("/after")));
  const auto head = c.read_reply(/*head_only=*/true);
  REQUIRE(head);
  CHECK(head->status == 304);
  CHECK(head->headers.count("content-length") == 0);
  const auto after = c.read_reply();
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(parsed(*after)["path"] == "/after");
}

TEST_CASE("http server: a request without exactly one Host gets 400 INVALID_REQUEST",
          "[integration][http][edge]") {
  running_server s;
  for (const std::string& request :
       {std::string("GET /no-host HTTP/1.1\r\n\r\n"),
        std::string("GET /two HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        std::string("GET /two HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n")}) {
    CAPTURE(request);
    const auto r = answer_to(s.port(), request);
    CHECK(r.status == 400);
    auto j = parsed(r);  // not const: a missing key must fail the CHECK, not assert
    CHECK(j["status"] == 400);
    CHECK(j["code"] == "INVALID_REQUEST");
    CHECK(j["message"] == "The request needs exactly one Host header.");
    CHECK_FALSE(j.contains("path"));  // the handler never saw it
    check_api_headers(r);
  }
  // HTTP/1.0 had no Host; one Host with an empty value is what RFC 9112 3.2 asks of a client
  // whose target has no authority.
  for (const std::string& request : {std::string("GET /old HTTP/1.0\r\n\r\n"),
                                     std::string("GET /empty HTTP/1.1\r\nHost:\r\n\r\n")}) {
    CAPTURE(request);
    CHECK(answer_to(s.port(), request).status == 200);
  }
}
