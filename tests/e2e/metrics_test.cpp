// GET /metrics on the real binary: a create and a check move the request, verification, SMS and
// gateway metrics of this process (each test has its own otpgate process, so deltas are its
// own), a rate-limited create counts a refusal, nothing personal reaches the output, and
// OTPGATE_METRICS_LISTEN moves /metrics to a listener of its own.
#include "e2e_helpers.hpp"

#include "support/metrics_text.hpp"
#include "support/process.hpp"

#include "otpgate/core/sms_encoding.hpp"

using namespace otpgate::test;

namespace {

std::string scrape(const std::string& base_url) {
  const HttpResponse r = http_get(base_url + "/metrics");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  return r.body;
}

// How much a series grew between two scrapes (absent before: from 0).
double delta(const std::string& before, const std::string& after, const std::string& series) {
  const auto now = sample(after, series);
  INFO(series);
  REQUIRE(now);
  return *now - sample(before, series).value_or(0);
}

const std::string create_201 =
    R"(otpgate_http_requests_total{route="/v1/verifications",method="POST",status="201"})";
const std::string check_200 =
    R"(otpgate_http_requests_total{route="/v1/verifications/{id}/check",method="POST",status="200"})";

}  // namespace

TEST_CASE("a create and a check move the request, verification and gateway metrics",
          "[e2e][metrics]") {
  OtpgateProcess p;
  const std::string before = scrape(p.base_url());
  const std::string phone = fresh_phone();
  const auto created = start_verification(p, phone);
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const auto checked = check_code(p, id, code_from_outbox(p, id));
  REQUIRE(checked.status == 200);
  REQUIRE(checked.json()["status"] == "approved");
  const std::string after = scrape(p.base_url());

  CHECK(delta(before, after, create_201) == 1);
  CHECK(delta(before, after, check_200) == 1);
  CHECK(delta(before, after,
              R"(otpgate_http_request_duration_seconds_count{route="/v1/verifications"})") == 1);
  CHECK(delta(before, after, R"(otpgate_verifications_started_total{brand="nordwind"})") == 1);
  CHECK(delta(before, after,
              R"(otpgate_verifications_ended_total{brand="nordwind",outcome="approved"})") == 1);
  CHECK(delta(before, after,
              R"(otpgate_verification_checks_total{brand="nordwind",result="right"})") == 1);
  CHECK(delta(before, after, R"(otpgate_sms_sent_total{brand="nordwind"})") == 1);
  CHECK(delta(before, after,
              R"(otpgate_gateway_attempts_total{gateway="file",outcome="accepted"})") == 1);
  CHECK(delta(before, after, R"(otpgate_gateway_request_duration_seconds_count{gateway="file"})") ==
        1);
  // The create, the delivery record and the check are script calls at least.
  CHECK(delta(before, after,
              R"(otpgate_redis_command_duration_seconds_count{command="evalsha"})") >= 3);
  // Segments count under the encoding of the text sent (read back from the outbox), and every
  // configured brand's series exist from the start.
  std::string text;
  for (const auto& line : p.outbox_lines())
    if (line.value("verification_id", "") == id) text = line.value("text", "");
  const auto sms = otpgate::analyze_sms(text);
  REQUIRE(sms);
  const std::string encoding = sms->encoding == otpgate::SmsEncoding::gsm7 ? "gsm7" : "ucs2";
  const std::string other_encoding = encoding == "gsm7" ? "ucs2" : "gsm7";
  const std::string segments = R"(otpgate_sms_segments_total{brand="nordwind",encoding=")";
  CHECK(delta(before, after, segments + encoding + "\"}") == sms->segments);
  CHECK(delta(before, after, segments + other_encoding + "\"}") == 0);
  CHECK(
      sample(after, R"(otpgate_sms_segments_total{brand="skylink",encoding="ucs2"})").has_value());
  CHECK(sample(after, R"(otpgate_gateway_circuit_state{gateway="file"})") == 0);
  CHECK(sample(after, R"(otpgate_http_requests_total{route="/metrics",method="GET",status="200"})")
            .value_or(0) >= 1);

  // Nothing that identifies a person or a verification.
  CHECK(after.find(phone) == std::string::npos);
  CHECK(after.find(phone.substr(1)) == std::string::npos);
  CHECK(after.find(phone.substr(phone.size() - 8)) == std::string::npos);
  CHECK(after.find(id) == std::string::npos);
  CHECK(after.find(created.json()["phone_number"].get<std::string>()) == std::string::npos);
}

TEST_CASE("a rate-limited create counts a refusal for its brand and kind", "[e2e][metrics]") {
  TempBrands brands;
  const std::string brand = unique_brand("metrics-rl");
  brands.add(brand, R"({"display_name":"Metrics","sender_id":"Metrics","locales":["en"],
    "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
    "limits":{"phone_sends_per_10_minutes":1}})");
  brands.add_key("shop", brand, "shop");
  OtpgateProcess p(brands.options());
  const std::string refusals =
      R"(otpgate_rate_limit_refusals_total{brand=")" + brand + R"(",kind="phone"})";
  const std::string before = scrape(p.base_url());
  CHECK(sample(before, refusals) == 0);  // a configured brand's series starts at 0
  const std::string phone = fresh_phone();
  REQUIRE(create_as(p, brands.key("shop"), {{"phone_number", phone}}).status == 201);
  require_limited(create_as(p, brands.key("shop"), {{"phone_number", phone}}), "phone", 600);
  const std::string after = scrape(p.base_url());
  CHECK(delta(before, after, refusals) == 1);
  CHECK(delta(before, after,
              R"(otpgate_http_requests_total{route="/v1/verifications",method="POST",)"
              R"(status="429"})") == 1);
  CHECK(delta(before, after, R"(otpgate_verifications_started_total{brand=")" + brand + "\"}") ==
        1);
  CHECK(after.find(phone.substr(1)) == std::string::npos);
}

TEST_CASE("with OTPGATE_METRICS_LISTEN the metrics are on their own port only", "[e2e][metrics]") {
  const unsigned short metrics_port = free_loopback_port();
  OtpgateOptions o;
  o.env["OTPGATE_METRICS_LISTEN"] = "127.0.0.1:" + std::to_string(metrics_port);
  OtpgateProcess p(o);
  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(metrics_port);

  require_error(http_get(p.base_url() + "/metrics"), 404, "NOT_FOUND");
  // Not a route on this listener, whatever the method.
  require_error(http_request("POST", p.base_url() + "/metrics"), 404, "NOT_FOUND");
  const std::string text = scrape(metrics_url);
  CHECK(text.find("# TYPE otpgate_http_requests_total counter") != std::string::npos);
  // The main listener's 404 for /metrics was counted as an unmatched route.
  CHECK(sample(text, R"(otpgate_http_requests_total{route="{unmatched}",method="GET",)"
                     R"(status="404"})") == 1);
  // The metrics listener serves nothing else.
  require_error(http_get(metrics_url + "/v1/verifications"), 404, "NOT_FOUND");
  require_error(http_get(metrics_url + "/healthz"), 404, "NOT_FOUND");
  CHECK(http_get(p.base_url() + "/healthz").status == 200);
  CHECK(p.log_text().find("\"metrics_port\":" + std::to_string(metrics_port)) != std::string::npos);
}
