// Generic protocol (src/gateways/generic): requests built from settings (JSON, form, GET query),
// JSON escaping of the message text, success by status code, configuration errors, and the
// hex HMAC-SHA256 report signature.
#include "gateways/generic/generic_protocol.hpp"

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

const std::string token = "acme-bearer-token-0001";
const std::string report_secret = "generic-report-secret";
const std::string verification_id = "vf_k7q2m9x4p1abcdefghijklmnopqrstuvwxyz";
const std::string code_text = "Your Acme code is 482913";
const std::int64_t now_ms = 1'700'000'000'000;

EnvLookup fake_env(std::map<std::string, std::string> vars = {{"ACME_TOKEN", token},
                                                              {"ACME_REPORT", report_secret}}) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

GatewayDefinition definition(nlohmann::json settings) {
  return test::gateway_definition("acme", "generic", std::move(settings));
}

nlohmann::json base_settings() {
  return {
      {"url", "https://sms.acme.example/v2/send"},
      {"headers", {{"Authorization", "Bearer ${ACME_TOKEN}"}, {"X-Client", "otpgate"}}},
      {"body",
       {{"to", "{{to}}"}, {"text", "{{text}}"}, {"from", "{{sender}}"}, {"ref", "{{reference}}"}}},
      {"message_id_pointer", "/messages/0/id"},
      {"report",
       {{"secret", "${ACME_REPORT}"},
        {"status_pointer", "/data/state"},
        {"reference_pointer", "/data/ref"},
        {"message_id_pointer", "/data/message/id"},
        {"statuses",
         {{"DELIVRD", "delivered"},
          {"EXPIRED", "undelivered"},
          {"UNDELIV", "failed"},
          {"ACCEPTD", "accepted"},
          {"3", "failed"}}}}}};
}

std::unique_ptr<VendorProtocol> protocol(nlohmann::json settings = base_settings()) {
  return make_generic_protocol(definition(std::move(settings)), fake_env());
}

SmsMessage message(std::string text = code_text) {
  return test::sms("+31612345678", std::move(text), verification_id);
}

HttpResponse response(int status, std::string body, Fields headers = {}) {
  return test::http_response(status, std::move(body), std::move(headers));
}

std::string config_error(nlohmann::json settings, EnvLookup env = fake_env()) {
  return test::factory_error(make_generic_protocol, definition(std::move(settings)), env);
}

// Computed independently of otpgate: `printf '%s' "$BODY" | openssl dgst -sha256 -hmac
// generic-report-secret`.
const std::string report_body =
    R"({"event":"dlr","data":{"ref":"vf_k7q2m9x4p1abcdefghijklmnopqrstuvwxyz",)"
    R"("message":{"id":"msg-42"},"state":"DELIVRD"}})";
const std::string report_hmac = "fe80725d60f999f8bcbe0ff432bc46ce627a067ba2c81941885399960ebafa8f";

InboundReport report(std::string body, std::string signature, std::string header = "x-signature") {
  InboundReport r;
  r.url = "https://otp.example.com/v1/gateways/acme/delivery-reports";
  r.body = std::move(body);
  r.headers = {{"content-type", "application/json"}, {std::move(header), std::move(signature)}};
  r.now_ms = now_ms;
  return r;
}

}  // namespace

TEST_CASE("generic: a JSON POST built from the settings", "[gateway][generic]") {
  const HttpRequest req = protocol()->build_send(message());
  CHECK(req.method == "POST");
  CHECK(req.url == "https://sms.acme.example/v2/send");
  CHECK(req.headers == Fields{{"Authorization", "Bearer " + token},
                              {"X-Client", "otpgate"},
                              {"Content-Type", "application/json"}});
  CHECK(nlohmann::json::parse(req.body) == nlohmann::json{{"to", "+31612345678"},
                                                          {"text", code_text},
                                                          {"from", "Acme"},
                                                          {"ref", verification_id}});
}

TEST_CASE("generic: quotes, newlines, control characters and unicode stay inside the string",
          "[gateway][generic]") {
  const std::string tricky =
      "Code \"482913\"\n\\ ends here\"}, \"to\": \"+1900\t\x01 Ünïcødé 認証 🔐";
  auto s = base_settings();
  s["body"]["text"] = "[{{sender}}] {{text}} (ref {{reference}})";
  const HttpRequest req = protocol(s)->build_send(message(tricky));
  const auto body = nlohmann::json::parse(req.body);
  CHECK(body.size() == 4);
  CHECK(body["to"] == "+31612345678");
  CHECK(body["text"] == "[Acme] " + tricky + " (ref " + verification_id + ")");
  CHECK(req.body.find('\n') == std::string::npos);  // escaped as \n, not raw
}

TEST_CASE("generic: form bodies, PUT, and a custom Content-Type", "[gateway][generic]") {
  auto s = base_settings();
  s["method"] = "PUT";
  s["body_format"] = "form";
  s["body"] = {{"msisdn", "{{to}}"}, {"message", "{{text}}"}, {"key", "k-${ACME_TOKEN}"}};
  HttpRequest req = protocol(s)->build_send(message("a&b=c d"));
  CHECK(req.method == "PUT");
  // nlohmann objects keep keys sorted, so fields go out in name order.
  CHECK(req.body == "key=k-" + token + "&message=a%26b%3Dc%20d&msisdn=%2B31612345678");
  CHECK(req.headers.back() ==
        std::pair<std::string, std::string>{"Content-Type", "application/x-www-form-urlencoded"});

  s["headers"]["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
  req = protocol(s)->build_send(message());
  CHECK(req.headers.size() == 3);  // the configured one, not a second
}

TEST_CASE("generic: GET sends the fields as the query string", "[gateway][generic]") {
  auto s = base_settings();
  s["method"] = "GET";
  s["url"] = "http://10.0.0.7/cgi-bin/sendsms?user=otp";
  s["body"] = {{"to", "{{to}}"}, {"text", "{{text}}"}};
  const HttpRequest req = protocol(s)->build_send(message());
  CHECK(req.method == "GET");
  CHECK(req.url ==
        "http://10.0.0.7/cgi-bin/sendsms?user=otp&text=Your%20Acme%20code%20is%20"
        "482913&to=%2B31612345678");
  CHECK(req.body.empty());
  CHECK(req.headers.size() == 2);  // no Content-Type without a body
}

TEST_CASE("generic: success statuses and the message id pointer", "[gateway][generic]") {
  auto a =
      protocol()->parse_send(response(202, R"({"messages":[{"id":"m-1","status":0}]})"), now_ms);
  CHECK(a.outcome == SendOutcome::accepted);
  CHECK(a.message_id == "m-1");
  a = protocol()->parse_send(response(200, R"({"messages":[{"id":12345}]})"), now_ms);
  CHECK(a.message_id == "12345");
  // Accepted by status code even when the id is missing: failing it would send the code twice.
  a = protocol()->parse_send(response(201, "queued"), now_ms);
  CHECK(a.outcome == SendOutcome::accepted);
  CHECK(a.message_id.empty());
  CHECK(a.reason == "no message id in response");
  a = protocol()->parse_send(response(200, R"({"messages":{"0":{}}})"), now_ms);
  CHECK(a.outcome == SendOutcome::accepted);

  auto s = base_settings();
  s["success_status"] = {204};
  CHECK(protocol(s)->parse_send(response(200, ""), now_ms).outcome == SendOutcome::permanent);
  CHECK(protocol(s)->parse_send(response(204, ""), now_ms).outcome == SendOutcome::accepted);
}

TEST_CASE("generic: failures go through the HTTP classification", "[gateway][generic]") {
  auto a = protocol()->parse_send(response(429, "", {{"retry-after", "4"}}), now_ms);
  CHECK(a.outcome == SendOutcome::transient);
  CHECK(a.retry_after == std::chrono::milliseconds(4000));
  a = protocol()->parse_send(response(502, "Bad gateway " + code_text), now_ms);
  CHECK(a.outcome == SendOutcome::transient);
  CHECK(a.reason == "http 502");
  a = protocol()->parse_send(response(400, "invalid number +31612345678 " + token), now_ms);
  CHECK(a.outcome == SendOutcome::permanent);
  CHECK(a.reason == "http 400");
}

TEST_CASE("generic: configuration errors name the setting, never a value", "[gateway][generic]") {
  auto with = [](const char* key, nlohmann::json v) {
    auto s = base_settings();
    if (v.is_null())
      s.erase(key);
    else
      s[key] = std::move(v);
    return config_error(s);
  };
  CHECK(with("url", nullptr) == "/gateways/acme/url: is required and must be a non-empty string");
  CHECK(with("url", "sms.acme.example") == "/gateways/acme/url: must be an http(s) URL");
  CHECK(with("method", "DELETE") == "/gateways/acme/method: must be \"POST\", \"PUT\" or \"GET\"");
  CHECK(with("verb", "POST") == "/gateways/acme/verb: unknown setting for a generic gateway");
  CHECK(with("body_format", "xml") == "/gateways/acme/body_format: must be \"json\" or \"form\"");
  CHECK(with("body", nullptr).find("/gateways/acme/body: is required") == 0);
  CHECK(with("body", {{"to", "{{to}}"}}) == "/gateways/acme/body: must use {{to}} and {{text}}");
  CHECK(with("body", {{"to", "{{to}}"}, {"text", "{{code}}"}}) ==
        "/gateways/acme/body/text: unknown placeholder {{code}}; allowed: {{to}}, {{text}}, "
        "{{sender}}, {{reference}}");
  CHECK(with("body", {{"to", "{{to}}"}, {"text", "{{text"}}) ==
        "/gateways/acme/body/text: unterminated {{");
  CHECK(with("body", {{"to", "{{to}}"}, {"text", {{"nested", "{{text}}"}}}}) ==
        "/gateways/acme/body/text: must be a template string");
  CHECK(with("success_status", {200, 404}) ==
        "/gateways/acme/success_status: must hold 2xx status codes");
  CHECK(with("message_id_pointer", "id") ==
        "/gateways/acme/message_id_pointer: must be a JSON pointer such as \"/id\"");
  CHECK(with("headers", {{"Bad Name", "x"}}) ==
        "/gateways/acme/headers/Bad Name: is not a valid header name");

  // Reports find their verification by the reference; a message id alone cannot be matched.
  auto id_only = base_settings();
  id_only["report"].erase("reference_pointer");
  CHECK(config_error(id_only) == "/gateways/acme/report/reference_pointer: is required");

  auto get_json = base_settings();
  get_json["method"] = "GET";
  get_json["body_format"] = "json";
  CHECK(config_error(get_json).find("/gateways/acme/body_format: a GET sends") == 0);
}

TEST_CASE("generic: ${NAME} must be set, and cannot smuggle a header or a placeholder",
          "[gateway][generic]") {
  CHECK(config_error(base_settings(), fake_env({{"ACME_REPORT", report_secret}})) ==
        "/gateways/acme/headers/Authorization: environment variable ACME_TOKEN is not set");
  const std::string injected = "t0k3n\r\nX-Admin: yes";
  const std::string e =
      config_error(base_settings(), fake_env({{"ACME_TOKEN", injected}, {"ACME_REPORT", "s"}}));
  CHECK(e == "/gateways/acme/headers/Authorization: must not contain CR, LF or NUL");
  CHECK(e.find("t0k3n") == std::string::npos);
  auto s = base_settings();
  s["report"].erase("secret");
  CHECK(config_error(s) ==
        "/gateways/acme/report/secret: is required and must be a non-empty string");
  s = base_settings();
  s["report"]["statuses"]["DELIVRD"] = "done";
  CHECK(config_error(s) ==
        "/gateways/acme/report/statuses/DELIVRD: must be \"accepted\", "
        "\"delivered\", \"undelivered\" or \"failed\"");
  s = base_settings();
  s["report"]["signing"] = "hmac";
  CHECK(config_error(s) == "/gateways/acme/report/signing: unknown setting for a generic gateway");

  // A variable whose value looks like a placeholder stays literal text.
  s = base_settings();
  s["body"]["tag"] = "${ACME_TAG}";
  const auto p = make_generic_protocol(
      definition(s),
      fake_env({{"ACME_TOKEN", token}, {"ACME_REPORT", "s"}, {"ACME_TAG", "{{text}}"}}));
  CHECK(nlohmann::json::parse(p->build_send(message()).body)["tag"] == "{{text}}");

  // Only ${NAME} with a valid variable name is a reference; other "${" text stays literal.
  s = base_settings();
  s["body"]["note"] = "a${ 5 }b${";
  CHECK(nlohmann::json::parse(protocol(s)->build_send(message()).body)["note"] == "a${ 5 }b${");
}

TEST_CASE("generic: a signed report is read", "[gateway][generic]") {
  const auto p = protocol();
  for (const std::string& sig : {report_hmac, "sha256=" + report_hmac}) {
    const ReportResult r = p->parse_report(report(report_body, sig));
    REQUIRE(r.what == ReportResult::kind::ok);
    CHECK(r.report.status == DeliveryStatus::delivered);
    CHECK(r.report.reference == verification_id);
    CHECK(r.report.message_id == "msg-42");
    CHECK(r.report.reason == "DELIVRD");
  }
  auto s = base_settings();
  s["report"]["signature_header"] = "X-Acme-Signature";
  CHECK(protocol(s)->parse_report(report(report_body, report_hmac, "x-acme-signature")).what ==
        ReportResult::kind::ok);
}

TEST_CASE("generic: tampered, unsigned or unconfigured reports are refused", "[gateway][generic]") {
  using K = ReportResult::kind;
  const auto p = protocol();
  std::string changed = report_body;
  changed.replace(changed.find("DELIVRD"), 7, "UNDELIV");
  CHECK(p->parse_report(report(changed, report_hmac)).what == K::bad_signature);
  CHECK(p->parse_report(report(report_body, "")).what == K::bad_signature);
  CHECK(p->parse_report(report(report_body, "sha256=")).what == K::bad_signature);
  CHECK(p->parse_report(report(report_body, report_hmac.substr(1))).what == K::bad_signature);
  CHECK(p->parse_report(report(report_body, report_hmac, "x-other")).what == K::bad_signature);
  auto other_key = base_settings();
  other_key["report"]["secret"] = "another-secret";
  CHECK(protocol(other_key)->parse_report(report(report_body, report_hmac)).what ==
        K::bad_signature);
  auto no_report = base_settings();
  no_report.erase("report");
  CHECK(protocol(no_report)->parse_report(report(report_body, report_hmac)).what ==
        K::bad_signature);
}

TEST_CASE("generic: report statuses go through the configured table", "[gateway][generic]") {
  using K = ReportResult::kind;
  const auto p = protocol();
  // A test-side signer; the openssl-computed report_hmac checks it first.
  auto sign = [](const std::string& raw) {
    return crypto::hex_lower(crypto::hmac(crypto::DigestAlgorithm::sha256, report_secret, raw));
  };
  CHECK(sign(report_body) == report_hmac);
  auto read = [&](nlohmann::json data) {
    const std::string raw = nlohmann::json{{"data", std::move(data)}}.dump();
    return p->parse_report(report(raw, sign(raw)));
  };
  CHECK(read({{"ref", verification_id}, {"state", "EXPIRED"}}).report.status ==
        DeliveryStatus::undelivered);
  CHECK(read({{"ref", verification_id}, {"state", "UNDELIV"}}).report.status ==
        DeliveryStatus::failed);
  CHECK(read({{"ref", verification_id}, {"state", "ACCEPTD"}}).report.status ==
        DeliveryStatus::accepted);
  const auto numeric = read({{"message", {{"id", 77}}}, {"state", 3}});
  CHECK(numeric.what == K::ok);
  CHECK(numeric.report.status == DeliveryStatus::failed);
  CHECK(numeric.report.message_id == "77");
  CHECK(numeric.report.reason == "3");
  CHECK(read({{"ref", verification_id}, {"state", "ENROUTE"}}).what == K::ignored);
  CHECK(read({{"ref", verification_id}}).what == K::malformed);
  CHECK(read({{"state", "DELIVRD"}}).what == K::malformed);  // nothing to match it by
  const std::string not_json = "state=DELIVRD";
  CHECK(p->parse_report(report(not_json, sign(not_json))).what == K::malformed);
}
