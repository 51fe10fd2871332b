// The HTTP edge of the real binary, read as raw bytes: answers the HTTP layer makes before the
// router (400, 431) carry the headers docs/security.md promises, a 401 names its scheme
// (RFC 9110 11.6.1), and an HTTP/1.1 request without Host is refused (RFC 9112 3.2).
#include "e2e_helpers.hpp"

using namespace otpgate::test;

namespace {

RawAnswer answer_of(const OtpgateProcess& p, const std::string& bytes) {
  return split_raw_answer(raw_exchange(p.port(), bytes));
}

bool has_line(const RawAnswer& a, const std::string& lower_line) {
  return a.head.find("\r\n" + lower_line + "\r\n") != std::string::npos ||
         a.head.ends_with("\r\n" + lower_line);
}

}  // namespace

TEST_CASE("http edge: a 400 or 431 before the router carries the edge headers",
          "[e2e][http-edge]") {
  OtpgateProcess p;
  const std::string big = "X-Big: " + std::string(9 * 1024, 'h') + "\r\n";
  for (const std::string& request :
       {std::string("GET /console/ HTTP/2.0\r\nHost: x\r\n\r\n"),
        "GET /console/ HTTP/1.1\r\nHost: x\r\n" + big + "Connection: close\r\n\r\n"}) {
    CAPTURE(request.substr(0, 40));
    const auto a = answer_of(p, request);
    CHECK((a.status_line.rfind("HTTP/1.1 400", 0) == 0 ||
           a.status_line.rfind("HTTP/1.1 431", 0) == 0));
    CHECK(a.head.find("content-security-policy: default-src 'self'") != std::string::npos);
    CHECK(has_line(a, "x-content-type-options: nosniff"));
    CHECK(has_line(a, "x-frame-options: deny"));
    CHECK(has_line(a, "referrer-policy: no-referrer"));
    CHECK(has_line(a, "cross-origin-opener-policy: same-origin"));
    CHECK(has_line(a, "cache-control: no-store"));
  }
  for (const std::string& request :
       {std::string("GET /v1/me HTTP/2.0\r\nHost: x\r\n\r\n"),
        "GET /v1/me HTTP/1.1\r\nHost: x\r\n" + big + "Connection: close\r\n\r\n"}) {
    CAPTURE(request.substr(0, 40));
    const auto a = answer_of(p, request);
    CHECK(has_line(a, "x-content-type-options: nosniff"));
    CHECK(has_line(a, "cache-control: no-store"));
    CHECK(a.head.find("content-security-policy") == std::string::npos);
  }
}

TEST_CASE("http edge: a 401 carries WWW-Authenticate Bearer", "[e2e][http-edge]") {
  OtpgateProcess p;
  for (const Headers& headers : {Headers{}, Headers{bearer("not-a-key")},
                                 Headers{{"Authorization", "Basic dXNlcjpwYXNz"}}}) {
    const auto r = http_get(p.base_url() + "/v1/me", headers);
    require_error(r, 401, "UNAUTHENTICATED");
    CHECK(r.header("www-authenticate") == "Bearer realm=\"otpgate\"");
  }
  // Every other status: no challenge.
  CHECK(http_get(p.base_url() + "/healthz").header("www-authenticate").empty());
}

TEST_CASE("http edge: an HTTP/1.1 request without Host gets 400 INVALID_REQUEST",
          "[e2e][http-edge]") {
  OtpgateProcess p;
  const auto a = answer_of(p, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(a.status_line.rfind("HTTP/1.1 400", 0) == 0);
  // Not const: a missing key must fail the CHECK, not assert.
  auto j = nlohmann::json::parse(a.body, nullptr, false);
  CHECK(j["status"] == 400);
  CHECK(j["code"] == "INVALID_REQUEST");
  CHECK(j["message"].is_string());
  CHECK(has_line(a, "x-content-type-options: nosniff"));
  // With Host the same request is served.
  CHECK(answer_of(p, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .status_line.rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("http edge: a HEAD refused before the router gets the head without a body",
          "[e2e][http-edge]") {
  OtpgateProcess p;
  // 413: the announced body is over the limit, so the request is answered unread.
  const auto a = answer_of(p,
                           "HEAD /console/ HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n"
                           "Connection: close\r\n\r\n");
  CHECK(a.status_line.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(a.body.empty());
  CHECK(a.head.find("content-length: ") != std::string::npos);  // the GET's length (RFC 9110 9.3.2)
}
