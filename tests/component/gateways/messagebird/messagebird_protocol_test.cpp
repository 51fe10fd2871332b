// MessageBird protocol (src/gateways/messagebird): the exact "Send outbound SMS" request, the
// mapping of MessageBird's answers, configuration errors, and MessageBird-Signature-JWT checks
// against MessageBird's own reference vectors.
#include "gateways/messagebird/messagebird_protocol.hpp"

#include "otpgate/crypto/digest.hpp"

#include "support/fakes/vendor_protocol.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

using namespace otpgate;
using namespace otpgate::gateways;

namespace {

const std::string access_key = "mb-live-access-key-0001";
const std::string signing_key = "mb-signing-key-for-tests";
const std::string report_url = "https://otp.example.com/v1/gateways/messagebird/delivery-reports";
const std::string verification_id = "vf_k7q2m9x4p1abcdefghijklmnopqrstuvwxyz";
const std::string code_text = "Your Acme code is 482913";
const std::int64_t now_ms = 1'700'000'000'000;  // nbf of the tokens below

EnvLookup fake_env(std::map<std::string, std::string> vars = {{"MB_KEY", access_key}}) {
  return test::env_of(std::move(vars));
}

GatewayDefinition definition(nlohmann::json settings) {
  return test::gateway_definition("mb-main", "messagebird", std::move(settings));
}

nlohmann::json base_settings() {
  return {{"access_key", "${MB_KEY}"}, {"signing_key", signing_key}, {"report_url", report_url}};
}

std::unique_ptr<VendorProtocol> protocol(nlohmann::json settings = base_settings()) {
  return make_messagebird_protocol(definition(std::move(settings)), fake_env());
}

SmsMessage message() {
  return test::sms("+31612345678", code_text, verification_id);
}

HttpResponse response(int status, std::string body, Fields headers = {}) {
  return test::http_response(status, std::move(body), std::move(headers));
}

void check_no_secret(const std::string& text) {
  CHECK(text.find(access_key) == std::string::npos);
  CHECK(text.find(signing_key) == std::string::npos);
  CHECK(text.find(code_text) == std::string::npos);
  CHECK(text.find("482913") == std::string::npos);
  CHECK(text.find("31612345678") == std::string::npos);
}

std::string config_error(nlohmann::json settings, EnvLookup env = fake_env()) {
  return test::factory_error(make_messagebird_protocol, definition(std::move(settings)), env);
}

// A status report as MessageBird sends it: a GET to reportUrl with query parameters.
const std::string report_query =
    "id=e8077d803532c0b5937c639b60216938&reference=vf_k7q2m9x4p1abcdefghijklmnopqrstuvwxyz"
    "&recipient=31612345678&status=delivered&statusDatetime=2023-11-14T22%3A13%3A20%2B00%3A00"
    "&statusReason=successfully%20delivered&statusErrorCode=0";

// Computed independently of otpgate in a shell (jwt.sh: base64url of the header and of the
// claims, then `printf '%s' "$h.$p" | openssl dgst -sha256 -hmac mb-signing-key-for-tests
// -binary | base64 | tr '+/' '-_' | tr -d '='`), with url_hash = `printf '%s'
// "<report_url>?<report_query>" | sha256sum`: nbf 1700000000, exp 1700000060, no payload_hash.
const std::string get_token =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTcwMDAwMDAwMCwiZXhw"
    "IjoxNzAwMDAwMDYwLCJqdGkiOiI3ZDFmMmM5ZS00YjBhLTRmNTUtOWE1Ny0wYzJkM2IxZThmMTAiLCJ1cmxfaGFzaCI6"
    "IjMwMWNmYTdmYjJmOWFmN2IwZmRiODk2MGFhZTM5YTdkZGM4Y2UyYjY2ZGU0Y2NmNjRlOGVkOGFlMTY1NTA3ZTYifQ.x7"
    "5j_mE9sZQSbZ-fsm5CcFE2CTvPDSxEG_YI4w57WXA";

// The same tool for a POSTed form body: url_hash of report_url (no query) and payload_hash =
// `printf '%s' "<post_body>" | sha256sum`.
const std::string post_body =
    "id=e8077d803532c0b5937c639b60216938&reference=vf_k7q2m9x4p1abcdefghijklmnopqrstuvwxyz"
    "&recipient=31612345678&status=delivery_failed&statusErrorCode=104";
const std::string post_token =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTcwMDAwMDAwMCwiZXhw"
    "IjoxNzAwMDAwMDYwLCJqdGkiOiIwYjhlMmY0YS0xYzNkLTRlNWYtOGE5Yi03YzZkNWU0ZjNhMmIiLCJ1cmxfaGFzaCI6"
    "IjM3ZDIzYTA2MGVjOWZjMzUzNjc3MjJiZmFmZjIzYmMxMGYxMmZiMzgyOTAzZTM0ZDgwM2U3MTU3MjBiOWMyOTUiLCJw"
    "YXlsb2FkX2hhc2giOiIyYWUzODI4Y2Y2NmQ3ZjkxODU5ZTBlMmQ0Y2VmZDBlNzZlMTY1NTBiYzcxZDlkNzcxMWQ5YTAx"
    "YjY4MWJjMDUwIn0.Mily3KTLNHN9RUSyMMv4KJ-_Y4KgCvGPjRShQKxjfbc";

InboundReport get_report(std::string token, std::string query = report_query) {
  InboundReport r;
  r.query = std::move(query);
  r.url = report_url + "?" + r.query;
  if (!token.empty()) r.headers = {{"messagebird-signature-jwt", std::move(token)}};
  r.now_ms = now_ms;
  return r;
}

// A test-side signer for the status table, checked against get_token below.
std::string sign(const nlohmann::ordered_json& claims, const std::string& key = signing_key,
                 const std::string& header = R"({"alg":"HS256","typ":"JWT"})") {
  const std::string head =
      crypto::base64url_encode(header) + "." + crypto::base64url_encode(claims.dump());
  return head + "." +
         crypto::base64url_encode(crypto::hmac(crypto::DigestAlgorithm::sha256, key, head));
}

// ordered_json: the same key order as the shell-made token.
nlohmann::ordered_json claims_for(const std::string& url) {
  return {{"iss", "MessageBird"},
          {"nbf", now_ms / 1000},
          {"exp", now_ms / 1000 + 60},
          {"jti", "c5a4e3d2-0000-4000-8000-000000000001"},
          {"url_hash", crypto::hex_lower(crypto::digest(crypto::DigestAlgorithm::sha256, url))}};
}

ReportResult report_with_status(const std::string& status) {
  const std::string query = "id=mb1&reference=" + verification_id + "&status=" + status;
  return protocol()->parse_report(get_report(sign(claims_for(report_url + "?" + query)), query));
}

}  // namespace

TEST_CASE("messagebird: the Send outbound SMS request, field for field", "[gateway][messagebird]") {
  const HttpRequest req = protocol()->build_send(message());
  CHECK(req.method == "POST");
  CHECK(req.url == "https://rest.messagebird.com/messages");
  CHECK(req.headers == Fields{{"Authorization", "AccessKey " + access_key},
                              {"Content-Type", "application/json"},
                              {"Accept", "application/json"}});
  CHECK(nlohmann::json::parse(req.body) == nlohmann::json{{"originator", "Acme"},
                                                          {"recipients", {"31612345678"}},
                                                          {"body", code_text},
                                                          {"reference", verification_id},
                                                          {"datacoding", "auto"},
                                                          {"reportUrl", report_url}});
}

TEST_CASE("messagebird: base_url is honoured and no report_url means no reportUrl",
          "[gateway][messagebird]") {
  auto s = base_settings();
  s.erase("report_url");
  s["base_url"] = "http://127.0.0.1:8080/";
  const HttpRequest req = protocol(s)->build_send(message());
  CHECK(req.url == "http://127.0.0.1:8080/messages");
  CHECK_FALSE(nlohmann::json::parse(req.body).contains("reportUrl"));
}

TEST_CASE("messagebird: 201 with the message object is accepted with its id",
          "[gateway][messagebird]") {
  const auto a = protocol()->parse_send(
      response(201, R"({"id":"e8077d803532c0b5937c639b60216938","href":"x","recipients":{}})"),
      now_ms);
  CHECK(a.outcome == SendOutcome::accepted);
  CHECK(a.message_id == "e8077d803532c0b5937c639b60216938");
}

TEST_CASE("messagebird: a 2xx without an id is transient", "[gateway][messagebird]") {
  const auto a = protocol()->parse_send(response(200, "<html>proxy</html>"), now_ms);
  CHECK(a.outcome == SendOutcome::transient);
  CHECK(a.reason == "http 200 without message id");
}

TEST_CASE("messagebird: vendor errors are permanent and name only code and parameter",
          "[gateway][messagebird]") {
  struct Case {
    int status;
    int code;
    std::string parameter;
    std::string reason;
  };
  const Case cases[] = {{401, 2, "access_key", "http 401 code 2 access_key"},
                        {422, 9, "recipients", "http 422 code 9 recipients"},
                        {422, 10, "originator", "http 422 code 10 originator"},
                        {400, 21, "", "http 400 code 21"},
                        {402, 25, "", "http 402 code 25"}};
  for (const auto& c : cases) {
    nlohmann::json err = {
        {"code", c.code},
        {"description", "no (correct) recipients found 31612345678 " + code_text},
        {"parameter", c.parameter.empty() ? nullptr : nlohmann::json(c.parameter)}};
    const auto a = protocol()->parse_send(
        response(c.status, nlohmann::json{{"errors", {err}}}.dump()), now_ms);
    CHECK(a.outcome == SendOutcome::permanent);
    CHECK(a.reason == c.reason);
    check_no_secret(a.reason);
  }
}

TEST_CASE("messagebird: 429 is transient with Retry-After, 5xx and code 99 too",
          "[gateway][messagebird]") {
  auto a = protocol()->parse_send(response(429, "", {{"retry-after", "7"}}), now_ms);
  CHECK(a.outcome == SendOutcome::transient);
  CHECK(a.retry_after == std::chrono::milliseconds(7000));
  CHECK(a.reason == "http 429");

  a = protocol()->parse_send(response(500, "oops"), now_ms);
  CHECK(a.outcome == SendOutcome::transient);
  CHECK_FALSE(a.retry_after);

  a = protocol()->parse_send(
      response(422, R"({"errors":[{"code":99,"description":"Internal error"}]})",
               {{"retry-after", "2"}}),
      now_ms);
  CHECK(a.outcome == SendOutcome::transient);
  CHECK(a.retry_after == std::chrono::milliseconds(2000));
  CHECK(a.reason == "http 422 code 99");
}

TEST_CASE("messagebird: configuration errors name the setting, never a value",
          "[gateway][messagebird]") {
  auto s = base_settings();
  s.erase("access_key");
  CHECK(config_error(s) ==
        "/gateways/mb-main/access_key: is required and must be a non-empty string");
  s = base_settings();
  s.erase("signing_key");
  CHECK(config_error(s).find("/gateways/mb-main/signing_key:") == 0);
  s = base_settings();
  s["acess_key"] = "typo";
  CHECK(config_error(s) ==
        "/gateways/mb-main/acess_key: unknown setting for a messagebird gateway");
  CHECK(config_error(base_settings(), fake_env({})) ==
        "/gateways/mb-main/access_key: environment variable MB_KEY is not set");
  s = base_settings();
  s["base_url"] = "ftp://rest.messagebird.com";
  const std::string e = config_error(s);
  CHECK(e == "/gateways/mb-main/base_url: must be an http(s) URL");
  check_no_secret(e);
}

TEST_CASE("messagebird: MessageBird's reference JWT vectors", "[gateway][messagebird]") {
  // From MessageBird's cross-SDK reference vectors for MessageBird-Signature-JWT
  // (messagebird/go-rest-api, signature_jwt/testdata/reference.json): secret, URL, payload and
  // the token, received at 2021-07-05T12:00:00+02:00.
  auto p = protocol(
      {{"access_key", "k"},
       {"signing_key", "36efdd1aace2e26cd490f0d951138253bef2f7c6d34d18981da781555cc4cebb"}});
  auto verdict = [&](std::string url, std::string body, std::string token) {
    InboundReport r;
    r.url = std::move(url);
    r.body = std::move(body);
    r.headers = {{"messagebird-signature-jwt", std::move(token)}};
    r.now_ms = 1'625'479'200'000;
    return p->parse_report(r).what;
  };
  using K = ReportResult::kind;
  const std::string h = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";
  // "Valid JWT with URL parameters and payload": the signature is fine; the reference payload
  // is not a status report, so it reads as malformed rather than bad_signature.
  const std::string with_payload =
      h +
      "eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI5M2U1NT"
      "AwNi1hMGU4LTQ1MjYtYTE5MC1mYTVmZjAwZWExMTYiLCJ1cmxfaGFzaCI6IjQxZjA1ZjBkZGQwYTIyYWIyMDlhYzQ2"
      "ZjQ3YzQ1NzJkOWNlZmEyNTdlZDc0YjI0MDA0YmFlNzUzZWNlNmMyNjAiLCJwYXlsb2FkX2hhc2giOiJkZmZkNjAyMW"
      "JiMmJkNWIwYWY2NzYyOTA4MDllYzNhNTMxOTFkZDgxYzdmNzBhNGIyODY4OGEzNjIxODI5ODZmIn0._H--TOuYFLpe"
      "EH39-rg5E3IHVkjHozBcaKVWPRC5m9I";
  CHECK(verdict("https://example.com/path?bar=1&foo=2", "Hello, World!", with_payload) ==
        K::malformed);
  CHECK(verdict("https://example.com/path?bar=1&foo=2", "Hello, World?", with_payload) ==
        K::bad_signature);  // payload changed
  CHECK(verdict("https://example.com/path?foo=2&bar=1", "Hello, World!", with_payload) ==
        K::bad_signature);  // URL changed
  CHECK(verdict("https://example.com/path?bar=1&foo=2", "", with_payload) ==
        K::bad_signature);  // "payload was removed in transit"
  // "Token received after it was expired" (nbf is covered with our own tokens below).
  CHECK(
      verdict("https://example.com/", "",
              h + "eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3NTYwMCwiZXhwIjoxNjI1NDc1NjYwLCJqdG"
                  "kiOiI1ZjAyZjUyMi02MDMwLTQ2YzgtYjVhMy0wMTI0NjQ3OGQ4YmMiLCJ1cmxfaGFzaCI6IjBmMTE1ZG"
                  "IwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ"
                  ".45MSST3B_2PsjNUeiuW54_vUQgVw4rBXrdWrOUEz3lM") == K::bad_signature);
  // "Different secret" and "none alg".
  CHECK(
      verdict("https://example.com/", "",
              h + "eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdG"
                  "kiOiIyNDNjMjdhZS0yZjAyLTQ2YTAtODg1Mi1jNjZmMzdlYTlmNDYiLCJ1cmxfaGFzaCI6IjBmMTE1ZG"
                  "IwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ"
                  ".JgSeYyOtlEKAXk8bz30iJI4tXgf4lxknoiezawuVhb4") == K::bad_signature);
  CHECK(
      verdict("https://example.com/", "",
              "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ3OT"
              "IwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNz"
              "IiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYj"
              "g4NDYxNzljNzc4M2U5ZDcifQ.") == K::bad_signature);
}

TEST_CASE("messagebird: a signed GET status report is read", "[gateway][messagebird]") {
  // The test-side signer reproduces the independently computed token.
  auto c = claims_for(report_url + "?" + report_query);
  c["jti"] = "7d1f2c9e-4b0a-4f55-9a57-0c2d3b1e8f10";
  CHECK(sign(c) == get_token);

  const ReportResult r = protocol()->parse_report(get_report(get_token));
  REQUIRE(r.what == ReportResult::kind::ok);
  CHECK(r.report.status == DeliveryStatus::delivered);
  CHECK(r.report.message_id == "e8077d803532c0b5937c639b60216938");
  CHECK(r.report.reference == verification_id);
  CHECK(r.report.reason == "delivered 0");
}

TEST_CASE("messagebird: a signed POST form report is read, payload_hash checked",
          "[gateway][messagebird]") {
  InboundReport in;
  in.url = report_url;
  in.body = post_body;
  in.headers = {{"messagebird-signature-jwt", post_token}};
  in.now_ms = now_ms + 59'000;
  const ReportResult r = protocol()->parse_report(in);
  REQUIRE(r.what == ReportResult::kind::ok);
  CHECK(r.report.status == DeliveryStatus::failed);
  CHECK(r.report.reason == "delivery_failed 104");

  in.body.back() = '5';  // statusErrorCode=105: tampered body
  CHECK(protocol()->parse_report(in).what == ReportResult::kind::bad_signature);
}

TEST_CASE("messagebird: tampered, stale, unsigned and alg-swapped reports are refused",
          "[gateway][messagebird]") {
  using K = ReportResult::kind;
  const auto p = protocol();
  auto tampered_query = get_report(get_token);
  tampered_query.query.replace(tampered_query.query.find("delivered"), 9, "expired__");
  tampered_query.url = report_url + "?" + tampered_query.query;
  CHECK(p->parse_report(tampered_query).what == K::bad_signature);

  auto other_url = get_report(get_token);
  other_url.url.replace(0, 23, "https://evil.example.co");
  CHECK(p->parse_report(other_url).what == K::bad_signature);

  auto body_added = get_report(get_token);
  body_added.body = "status=delivered";
  CHECK(p->parse_report(body_added).what == K::bad_signature);

  auto late = get_report(get_token);
  late.now_ms = now_ms + 61'001;  // exp + 1 s leeway, plus 1 ms
  CHECK(p->parse_report(late).what == K::bad_signature);
  late.now_ms = now_ms + 61'000;
  CHECK(p->parse_report(late).what == K::ok);
  auto early = get_report(get_token);
  early.now_ms = now_ms - 1'001;
  CHECK(p->parse_report(early).what == K::bad_signature);

  CHECK(p->parse_report(get_report("")).what == K::bad_signature);
  CHECK(p->parse_report(get_report("not.a.jwt")).what == K::bad_signature);
  const auto claims = claims_for(report_url + "?" + report_query);
  CHECK(p->parse_report(get_report(sign(claims, "wrong-key"))).what == K::bad_signature);
  // The same HMAC-SHA256 signature under another alg, and an unsigned token.
  CHECK(p->parse_report(get_report(sign(claims, signing_key, R"({"alg":"HS384"})"))).what ==
        K::bad_signature);
  const std::string none = crypto::base64url_encode(R"({"alg":"none"})") + "." +
                           crypto::base64url_encode(claims.dump()) + ".";
  CHECK(p->parse_report(get_report(none)).what == K::bad_signature);
  auto wrong_issuer = claims;
  wrong_issuer["iss"] = "Someone";
  CHECK(p->parse_report(get_report(sign(wrong_issuer))).what == K::bad_signature);
}

TEST_CASE("messagebird: status words map to delivery states", "[gateway][messagebird]") {
  using K = ReportResult::kind;
  CHECK(report_with_status("delivered").report.status == DeliveryStatus::delivered);
  CHECK(report_with_status("expired").report.status == DeliveryStatus::undelivered);
  CHECK(report_with_status("delivery_failed").report.status == DeliveryStatus::failed);
  for (const char* s : {"scheduled", "sent", "buffered"}) {
    const auto r = report_with_status(s);
    CHECK(r.what == K::ok);
    CHECK(r.report.status == DeliveryStatus::accepted);
  }
  CHECK(report_with_status("teleported").what == K::ignored);
  CHECK(report_with_status("").what == K::malformed);
}
