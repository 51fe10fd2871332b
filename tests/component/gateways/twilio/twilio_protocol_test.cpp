// Twilio protocol (src/gateways/twilio): the exact "Create a Message" request, the mapping of
// Twilio's answers, configuration errors, and X-Twilio-Signature checks against the worked
// example of Twilio's webhook security documentation.
#include "gateways/twilio/twilio_protocol.hpp"

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

const std::string account_sid = "AC0123456789abcdef0123456789abcdef";
const std::string auth_token = "tw-auth-token-0001";
const std::string report_url = "https://otp.example.com/v1/gateways/twilio/delivery-reports";
const std::string verification_id = "vf_t4g5h6j7k8abcdefghijklmnopqrstuvwxyz";
const std::string code_text = "Your Acme code is 482913";

EnvLookup fake_env(std::map<std::string, std::string> vars = {{"TWILIO_TOKEN", auth_token}}) {
  return test::env_of(std::move(vars));
}

GatewayDefinition definition(nlohmann::json settings) {
  return test::gateway_definition("twilio-main", "twilio", std::move(settings));
}

nlohmann::json base_settings() {
  return {{"account_sid", account_sid}, {"auth_token", "${TWILIO_TOKEN}"}};
}

std::unique_ptr<VendorProtocol> protocol(nlohmann::json settings = base_settings()) {
  return make_twilio_protocol(definition(std::move(settings)), fake_env());
}

SmsMessage message() {
  return test::sms("+4915112345678", code_text, verification_id);
}

HttpResponse response(int status, std::string body, Fields headers = {}) {
  headers.emplace_back("content-type", "application/json");
  return HttpResponse{.status = status, .headers = std::move(headers), .body = std::move(body)};
}

// Nothing secret or personal in a reason: not the token, the text, the code or the number.
void check_safe(const std::string& text) {
  CAPTURE(text);
  CHECK(text.find(auth_token) == std::string::npos);
  CHECK(text.find("482913") == std::string::npos);
  CHECK(text.find("15112345678") == std::string::npos);
}

std::string exception_message(const nlohmann::json& settings, const EnvLookup& env) {
  return test::factory_error(make_twilio_protocol, definition(settings), env);
}

// Signs like Twilio's documentation spells it out, by hand: URL, then name+value pairs in the
// order the caller lists them (already sorted), HMAC-SHA1, base64.
std::string sign_by_hand(const std::string& token, const std::string& url, const Fields& sorted) {
  std::string data = url;
  for (const auto& [k, v] : sorted) data += k + v;
  return crypto::base64_encode(crypto::hmac(crypto::DigestAlgorithm::sha1, token, data));
}

// The worked example of Twilio's "Webhooks security" page (auth token 12345).
const std::string doc_url = "https://mycompany.com/myapp.php?foo=1&bar=2";
Fields doc_params(const std::string& caller) {
  return {{"CallSid", "CA1234567890ABCDE"},
          {"Caller", caller},
          {"Digits", "1234"},
          {"From", caller},
          {"To", "+18005551212"}};
}

InboundReport inbound(const std::string& url, const Fields& params, const std::string& sig) {
  InboundReport r;
  r.url = url;
  r.query = url.find('?') == std::string::npos ? "" : url.substr(url.find('?') + 1);
  if (!sig.empty()) r.headers = {{"x-twilio-signature", sig}};
  r.body = form_encode(params);
  r.now_ms = 1'700'000'000'000;
  return r;
}

}  // namespace

TEST_CASE("twilio: the Create a Message request, byte for byte", "[gateway][twilio]") {
  auto settings = base_settings();
  settings["report_url"] = report_url;
  const HttpRequest req = protocol(settings)->build_send(message());
  CHECK(req.method == "POST");
  CHECK(req.url ==
        "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/"
        "Messages.json");
  // printf 'AC0123456789abcdef0123456789abcdef:tw-auth-token-0001' | base64
  CHECK(req.headers ==
        Fields{{"Authorization",
                "Basic "
                "QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0dy1hdXRoLXRva2VuLTAwMDE="},
               {"Content-Type", "application/x-www-form-urlencoded"},
               {"Accept", "application/json"}});
  CHECK(req.body ==
        "To=%2B4915112345678&From=Acme&Body=Your%20Acme%20code%20is%20482913"
        "&StatusCallback=https%3A%2F%2Fotp.example.com%2Fv1%2Fgateways%2Ftwilio%2Fdelivery-reports"
        "%3Fref%3Dvf_t4g5h6j7k8abcdefghijklmnopqrstuvwxyz");
}

TEST_CASE("twilio: a messaging service replaces From, no report_url, no StatusCallback",
          "[gateway][twilio]") {
  auto settings = base_settings();
  settings["messaging_service_sid"] = "MG0123456789abcdef0123456789abcdef";
  settings["base_url"] = "http://127.0.0.1:8089/";
  const HttpRequest req = protocol(settings)->build_send(message());
  CHECK(req.url ==
        "http://127.0.0.1:8089/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/"
        "Messages.json");
  CHECK(req.body ==
        "To=%2B4915112345678&MessagingServiceSid=MG0123456789abcdef0123456789abcdef"
        "&Body=Your%20Acme%20code%20is%20482913");
}

TEST_CASE("twilio: a report_url with a query gets ref appended with &", "[gateway][twilio]") {
  auto settings = base_settings();
  settings["report_url"] = report_url + "?gw=eu";
  const HttpRequest req = protocol(settings)->build_send(message());
  CHECK(req.body.ends_with(
      "delivery-reports%3Fgw%3Deu%26ref%3Dvf_t4g5h6j7k8abcdefghijklmnopqrstuvwxyz"));
}

TEST_CASE("twilio: 201 Created is accepted with the message sid", "[gateway][twilio]") {
  const auto a = protocol()->parse_send(
      response(201, R"({"sid":"SM0123456789abcdef0123456789abcdef","status":"queued",)"
                    R"("to":"+4915112345678","body":"Your Acme code is 482913"})"),
      0);
  CHECK(a.outcome == SendOutcome::accepted);
  CHECK(a.message_id == "SM0123456789abcdef0123456789abcdef");
  check_safe(a.reason);
}

TEST_CASE("twilio: a 2xx without a sid is transient, not accepted", "[gateway][twilio]") {
  const auto a = protocol()->parse_send(response(200, "<html>captive portal</html>"), 0);
  CHECK(a.outcome == SendOutcome::transient);
  CHECK(a.reason == "twilio unreadable response");
}

TEST_CASE("twilio: 429 is transient and honours Retry-After seconds", "[gateway][twilio]") {
  const auto a = protocol()->parse_send(
      response(429, R"({"code":20429,"message":"Too Many Requests","status":429})",
               {{"retry-after", "7"}}),
      1'000);
  CHECK(a.outcome == SendOutcome::transient);
  REQUIRE(a.retry_after.has_value());
  CHECK(*a.retry_after == std::chrono::milliseconds(7'000));
  CHECK(a.reason == "twilio 20429");
}

TEST_CASE("twilio: 5xx is transient, with or without a JSON body", "[gateway][twilio]") {
  const auto plain = protocol()->parse_send(response(500, "Internal Server Error"), 0);
  CHECK(plain.outcome == SendOutcome::transient);
  CHECK(plain.reason == "http 500");
  CHECK_FALSE(plain.retry_after.has_value());
  const auto coded = protocol()->parse_send(
      response(503, R"({"code":20503,"message":"Service unavailable"})", {{"retry-after", "2"}}),
      0);
  CHECK(coded.outcome == SendOutcome::transient);
  CHECK(coded.reason == "twilio 20503");
  CHECK(coded.retry_after == std::chrono::milliseconds(2'000));
}

TEST_CASE("twilio: 4xx vendor errors are permanent and name only the code", "[gateway][twilio]") {
  struct Case {
    int http;
    int code;
    const char* message;
  };
  const Case c =
      GENERATE(Case{400, 21211, "The 'To' number +4915112345678 is not a valid phone number."},
               Case{400, 21610, "Attempt to send to unsubscribed recipient +4915112345678"},
               Case{400, 21408, "Permission to send an SMS has not been enabled for the region"},
               Case{401, 20003, "Authenticate: tw-auth-token-0001 rejected"});
  const nlohmann::json body = {{"code", c.code},
                               {"message", c.message},
                               {"more_info", "https://www.twilio.com/docs/errors/"},
                               {"status", c.http}};
  const auto a = protocol()->parse_send(response(c.http, body.dump()), 0);
  CAPTURE(c.code);
  CHECK(a.outcome == SendOutcome::permanent);
  CHECK(a.reason == "twilio " + std::to_string(c.code));
  CHECK_FALSE(a.retry_after.has_value());
  check_safe(a.reason);
}

TEST_CASE("twilio: a 4xx without a Twilio code keeps the HTTP reason", "[gateway][twilio]") {
  const auto a = protocol()->parse_send(response(404, R"({"code":"x","message":"nope"})"), 0);
  CHECK(a.outcome == SendOutcome::permanent);
  CHECK(a.reason == "http 404");
}

TEST_CASE("twilio: configuration errors name the field, never a value", "[gateway][twilio]") {
  auto missing = base_settings();
  missing.erase("account_sid");
  CHECK(exception_message(missing, fake_env()) ==
        "/gateways/twilio-main/account_sid: is required and must be a non-empty string");

  auto no_token = base_settings();
  no_token.erase("auth_token");
  CHECK(exception_message(no_token, fake_env()).starts_with("/gateways/twilio-main/auth_token:"));

  auto unknown = base_settings();
  unknown["from"] = "Acme";
  CHECK(exception_message(unknown, fake_env()) ==
        "/gateways/twilio-main/from: unknown setting for a twilio gateway");

  const std::string unset = exception_message(base_settings(), fake_env({}));
  CHECK(unset == "/gateways/twilio-main/auth_token: environment variable TWILIO_TOKEN is not set");

  auto bad_url = base_settings();
  bad_url["base_url"] = "api.twilio.com";
  CHECK(exception_message(bad_url, fake_env()) ==
        "/gateways/twilio-main/base_url: must be an http(s) URL");

  auto literal_token = base_settings();
  literal_token["auth_token"] = auth_token;
  literal_token["report_url"] = "ftp://x";
  check_safe(exception_message(literal_token, fake_env()));
}

TEST_CASE("twilio: the documented signature example is accepted", "[gateway][twilio]") {
  // Twilio "Webhooks security" (twilio.com/docs/usage/webhooks/webhooks-security, formerly
  // /docs/usage/security#validating-requests): auth token 12345, this URL and these parameters
  // sign to GvWf1cFY/Q7PnoempGyD5oXAezc=. Older revisions of the page used the caller
  // +14158675309, which signs to RSOYDt4T1cUTdK1PDd93/VVr8B8=. Both re-derived with
  // `printf ... | openssl dgst -sha1 -hmac 12345 -binary | base64`.
  auto settings = base_settings();
  settings["auth_token"] = "12345";
  const auto p = protocol(settings);
  const auto current =
      p->parse_report(inbound(doc_url, doc_params("+14158675310"), "GvWf1cFY/Q7PnoempGyD5oXAezc="));
  const auto older =
      p->parse_report(inbound(doc_url, doc_params("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  // A voice callback: the signature is valid, but it is not a message status callback.
  CHECK(current.what == ReportResult::kind::malformed);
  CHECK(older.what == ReportResult::kind::malformed);
  CHECK(sign_by_hand("12345", doc_url, doc_params("+14158675310")) ==
        "GvWf1cFY/Q7PnoempGyD5oXAezc=");
}

TEST_CASE("twilio: tampered or unsigned requests are refused", "[gateway][twilio]") {
  auto settings = base_settings();
  settings["auth_token"] = "12345";
  const auto p = protocol(settings);
  const std::string sig = "GvWf1cFY/Q7PnoempGyD5oXAezc=";
  auto changed = doc_params("+14158675310");
  changed[2].second = "1235";  // Digits
  CHECK(p->parse_report(inbound(doc_url, changed, sig)).what == ReportResult::kind::bad_signature);
  CHECK(p->parse_report(inbound("https://mycompany.com/myapp.php?foo=2&bar=2",
                                doc_params("+14158675310"), sig))
            .what == ReportResult::kind::bad_signature);
  CHECK(p->parse_report(inbound(doc_url, doc_params("+14158675310"), "")).what ==
        ReportResult::kind::bad_signature);
  auto extra = doc_params("+14158675310");
  extra.emplace_back("MessageStatus", "delivered");
  CHECK(p->parse_report(inbound(doc_url, extra, sig)).what == ReportResult::kind::bad_signature);
  // Wrong secret: the same request checked by a gateway with another auth token.
  auto other = base_settings();
  other["auth_token"] = "54321";
  CHECK(protocol(other)->parse_report(inbound(doc_url, doc_params("+14158675310"), sig)).what ==
        ReportResult::kind::bad_signature);
  // A body that is not form encoding cannot be verified.
  auto broken = inbound(doc_url, doc_params("+14158675310"), sig);
  broken.body = "CallSid=%ZZ";
  CHECK(p->parse_report(broken).what == ReportResult::kind::bad_signature);
}

TEST_CASE("twilio: a signed status callback is read", "[gateway][twilio]") {
  const std::string url = report_url + "?ref=" + verification_id;
  const Fields params = {{"AccountSid", account_sid},
                         {"ApiVersion", "2010-04-01"},
                         {"ErrorCode", "30003"},
                         {"From", "+15005550006"},
                         {"MessageSid", "SM0123456789abcdef0123456789abcdef"},
                         {"MessageStatus", "undelivered"},
                         {"SmsSid", "SM0123456789abcdef0123456789abcdef"},
                         {"SmsStatus", "undelivered"},
                         {"To", "+4915112345678"}};
  // Computed outside this code: printf '%s' "$url" + the sorted name/value pairs |
  // openssl dgst -sha1 -hmac tw-auth-token-0001 -binary | base64
  const auto r = protocol()->parse_report(inbound(url, params, "PvoA0ORl2MnQsF/YcsZiJkXfXGk="));
  REQUIRE(r.what == ReportResult::kind::ok);
  CHECK(r.report.status == DeliveryStatus::undelivered);
  CHECK(r.report.message_id == "SM0123456789abcdef0123456789abcdef");
  CHECK(r.report.reference == verification_id);
  CHECK(r.report.reason == "30003");
}

TEST_CASE("twilio: MessageStatus maps onto delivery statuses", "[gateway][twilio]") {
  const std::string url = report_url + "?ref=" + verification_id;
  struct Case {
    const char* twilio;
    std::optional<DeliveryStatus> ours;
  };
  const Case c = GENERATE(
      Case{"delivered", DeliveryStatus::delivered}, Case{"read", DeliveryStatus::delivered},
      Case{"undelivered", DeliveryStatus::undelivered}, Case{"failed", DeliveryStatus::failed},
      Case{"queued", DeliveryStatus::accepted}, Case{"accepted", DeliveryStatus::accepted},
      Case{"sending", DeliveryStatus::accepted}, Case{"sent", DeliveryStatus::accepted},
      Case{"scheduled", DeliveryStatus::accepted}, Case{"received", std::nullopt},
      Case{"canceled", std::nullopt}, Case{"exploded", std::nullopt});
  CAPTURE(c.twilio);
  const Fields params = {{"MessageSid", "SM1"}, {"MessageStatus", c.twilio}};
  const auto r =
      protocol()->parse_report(inbound(url, params, sign_by_hand(auth_token, url, params)));
  CHECK(r.report.reason == c.twilio);
  if (c.ours) {
    CHECK(r.what == ReportResult::kind::ok);
    CHECK(r.report.status == *c.ours);
  } else {
    CHECK(r.what == ReportResult::kind::ignored);
  }
}

TEST_CASE("twilio: signed but incomplete callbacks are malformed, inbound SMS ignored",
          "[gateway][twilio]") {
  const std::string url = report_url + "?ref=" + verification_id;
  const Fields no_status = {{"MessageSid", "SM1"}};
  CHECK(protocol()
            ->parse_report(inbound(url, no_status, sign_by_hand(auth_token, url, no_status)))
            .what == ReportResult::kind::malformed);
  const Fields no_sid = {{"MessageStatus", "delivered"}};
  CHECK(
      protocol()->parse_report(inbound(url, no_sid, sign_by_hand(auth_token, url, no_sid))).what ==
      ReportResult::kind::malformed);
  const Fields inbound_sms = {{"Body", "STOP"}, {"MessageSid", "SM2"}, {"SmsStatus", "received"}};
  CHECK(protocol()
            ->parse_report(inbound(url, inbound_sms, sign_by_hand(auth_token, url, inbound_sms)))
            .what == ReportResult::kind::ignored);
}
