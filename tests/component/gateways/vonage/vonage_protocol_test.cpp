// Vonage SMS API protocol (src/gateways/vonage): the exact send request, the per-message status
// mapping, configuration errors and the GSM alphabet check (vonage_protocol_report_test.cpp:
// the signed delivery receipts).
#include "vonage_fixture.hpp"

using namespace otpgate;
using namespace otpgate::gateways;
using namespace otpgate::test::vonage;

TEST_CASE("vonage: the send request, byte for byte", "[gateway][vonage]") {
  auto settings = base_settings();
  settings["report_url"] = report_url;
  const HttpRequest req = protocol(settings)->build_send(message());
  CHECK(req.method == "POST");
  CHECK(req.url == "https://rest.nexmo.com/sms/json");
  CHECK(req.headers == Fields{{"Content-Type", "application/x-www-form-urlencoded"},
                              {"Accept", "application/json"}});
  CHECK(req.body ==
        "api_key=abcd1234&api_secret=vonage-api-secret-0001&from=Acme&to=4915112345678"
        "&text=Your%20Acme%20code%20is%20482913&type=text"
        "&client-ref=vf_t4g5h6j7k8abcdefghijklmnopqrstuvwxyz"
        "&callback=https%3A%2F%2Fotp.example.com%2Fv1%2Fgateways%2Fvonage%2Fdelivery-reports");
}

TEST_CASE("vonage: non-GSM text goes as unicode, no report_url, no callback", "[gateway][vonage]") {
  auto settings = base_settings();
  settings["base_url"] = "http://127.0.0.1:8090/";
  const HttpRequest req = protocol(settings)->build_send(message("Ваш код 482913"));
  CHECK(req.url == "http://127.0.0.1:8090/sms/json");
  CHECK(req.body ==
        "api_key=abcd1234&api_secret=vonage-api-secret-0001&from=Acme&to=4915112345678"
        "&text=%D0%92%D0%B0%D1%88%20%D0%BA%D0%BE%D0%B4%20482913&type=unicode"
        "&client-ref=vf_t4g5h6j7k8abcdefghijklmnopqrstuvwxyz");
}

TEST_CASE("vonage: the GSM 03.38 check", "[gateway][vonage]") {
  CHECK(fits_gsm7("Your code: 482913. @$_!#%&*()+-/<=>?\"'\n\r"));
  CHECK(fits_gsm7("Extension: ^{}\\[~]|\f"));
  CHECK(fits_gsm7("Très é à ü ñ ß Ä Ö Ü £ ¥ € ¿ ¡ § Δ Ω"));
  CHECK(fits_gsm7(""));
  CHECK_FALSE(fits_gsm7("back`tick"));
  CHECK_FALSE(fits_gsm7("ç"));       // the table has only the capital Ç
  CHECK_FALSE(fits_gsm7("Código"));  // ò is in, ó is not
  CHECK_FALSE(fits_gsm7("en – dash"));
  CHECK_FALSE(fits_gsm7("Ваш код"));
  CHECK_FALSE(fits_gsm7("emoji \xF0\x9F\x94\x91"));
  CHECK_FALSE(fits_gsm7("\xFF"));      // not UTF-8
  CHECK_FALSE(fits_gsm7("\xC1\x81"));  // overlong 'A'
  CHECK_FALSE(fits_gsm7("cut \xC3"));  // truncated sequence
}

TEST_CASE("vonage: status 0 is accepted with the (first part's) message-id", "[gateway][vonage]") {
  const auto a = protocol()->parse_send(
      response(200, one_message("0", R"(,"message-id":"0A0000001234567B","message-price":"0.03")")),
      0);
  CHECK(a.outcome == SendOutcome::accepted);
  CHECK(a.message_id == "0A0000001234567B");
  const auto ok = protocol()->parse_send(
      response(200, R"({"message-count":"2","messages":[{"status":"0","message-id":"A1"},)"
                    R"({"status":"0","message-id":"A2"}]})"),
      0);
  CHECK(ok.outcome == SendOutcome::accepted);
  CHECK(ok.message_id == "A1");
  const auto half = protocol()->parse_send(
      response(200, R"({"message-count":"2","messages":[{"status":"0","message-id":"A1"},)"
                    R"({"status":"1","error-text":"Throughput Rate Exceeded"}]})"),
      0);
  CHECK(half.outcome == SendOutcome::transient);
  CHECK(half.reason == "vonage 1");
}

TEST_CASE("vonage: per-message statuses map onto transient and permanent", "[gateway][vonage]") {
  struct Case {
    const char* status;
    SendOutcome outcome;
  };
  const Case c = GENERATE(Case{"1", SendOutcome::transient}, Case{"5", SendOutcome::transient},
                          Case{"10", SendOutcome::transient}, Case{"2", SendOutcome::permanent},
                          Case{"3", SendOutcome::permanent}, Case{"4", SendOutcome::permanent},
                          Case{"6", SendOutcome::permanent}, Case{"7", SendOutcome::permanent},
                          Case{"8", SendOutcome::permanent}, Case{"9", SendOutcome::permanent},
                          Case{"15", SendOutcome::permanent}, Case{"29", SendOutcome::permanent},
                          Case{"33", SendOutcome::permanent}, Case{"99", SendOutcome::permanent});
  CAPTURE(c.status);
  // error-text may quote the number or the credentials: it must never reach the reason.
  const auto a = protocol()->parse_send(
      response(200, one_message(c.status, R"(,"error-text":"Bad to +4915112345678 for key )"
                                          R"(abcd1234 secret vonage-api-secret-0001")")),
      0);
  CHECK(a.outcome == c.outcome);
  CHECK(a.reason == std::string("vonage ") + c.status);
  check_safe(a.reason);
}

TEST_CASE("vonage: HTTP failures: 429 with Retry-After, 5xx, 401", "[gateway][vonage]") {
  const auto limited = protocol()->parse_send(response(429, "", {{"retry-after", "3"}}), 0);
  CHECK(limited.outcome == SendOutcome::transient);
  CHECK(limited.retry_after == std::chrono::milliseconds(3'000));
  CHECK(limited.reason == "http 429");
  const auto down = protocol()->parse_send(response(500, "oops"), 0);
  CHECK(down.outcome == SendOutcome::transient);
  CHECK(down.reason == "http 500");
  const auto denied = protocol()->parse_send(response(401, R"({"type":"unauthorized"})"), 0);
  CHECK(denied.outcome == SendOutcome::permanent);
  CHECK(denied.reason == "http 401");
}

TEST_CASE("vonage: an unreadable 200 is transient", "[gateway][vonage]") {
  const char* body = GENERATE("not json", R"({"messages":[]})", R"({"messages":[{"status":"x"}]})",
                              R"({"messages":[{"status":"0"}]})", "[]");
  CAPTURE(body);
  const auto a = protocol()->parse_send(response(200, body), 0);
  CHECK(a.outcome == SendOutcome::transient);
  CHECK(a.reason == "vonage unreadable response");
}

TEST_CASE("vonage: configuration errors name the field, never a value", "[gateway][vonage]") {
  auto missing = base_settings();
  missing.erase("signature_secret");
  CHECK(exception_message(missing, fake_env()) ==
        "/gateways/vonage-eu/signature_secret: is required and must be a non-empty string");

  auto unknown = base_settings();
  unknown["auth_token"] = "x";
  CHECK(exception_message(unknown, fake_env()) ==
        "/gateways/vonage-eu/auth_token: unknown setting for a vonage gateway");

  CHECK(exception_message(base_settings(), fake_env({{"VONAGE_SIG", sig_secret}})) ==
        "/gateways/vonage-eu/api_secret: environment variable VONAGE_SECRET is not set");

  auto method = base_settings();
  method["signature_method"] = "SHA-256 HMAC";
  CHECK(exception_message(method, fake_env()) ==
        "/gateways/vonage-eu/signature_method: must be md5hash, md5, sha1, sha256 or sha512");

  auto literal = base_settings();
  literal["api_secret"] = api_secret;
  literal["signature_secret"] = sig_secret;
  literal["base_url"] = "rest.nexmo.com";
  const std::string e = exception_message(literal, fake_env());
  CHECK(e == "/gateways/vonage-eu/base_url: must be an http(s) URL");
  check_safe(e);
}
