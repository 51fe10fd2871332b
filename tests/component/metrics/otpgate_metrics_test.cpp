// otpgate's metric families: events counted by the MeteredEventSink (and forwarded), labels
// bounded to configured brands and gateways and fixed enums, process figures from /proc, and the
// /metrics answer.
#include "support/metrics_text.hpp"

#include "otpgate/api/metrics_endpoint.hpp"
#include "otpgate/core/events.hpp"
#include "otpgate/metrics/metered.hpp"
#include "otpgate/metrics/otpgate_metrics.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

using namespace otpgate;
using namespace otpgate::metrics;
using otpgate::test::sample;

namespace {

struct RecordingSink final : EventSink {
  void publish(const Event& e) override { seen.push_back(e); }
  std::vector<Event> seen;
};

double value(const Registry& r, const std::string& series) {
  return sample(r.render(), series).value_or(-1);
}

}  // namespace

TEST_CASE("the event sink counts each event and forwards it", "[unit][metrics]") {
  Registry r;
  OtpgateMetrics m(r);
  m.allow_brands({"acme"});
  RecordingSink inner;
  MeteredEventSink sink(inner, m);
  // Configured brands start at zero, before any event.
  CHECK(value(r, R"(otpgate_verifications_started_total{brand="acme"})") == 0);
  CHECK(value(r, R"(otpgate_sms_segments_total{brand="acme",encoding="ucs2"})") == 0);

  sink.publish(Event{.type = EventType::created, .brand = "acme"});
  sink.publish(Event{.type = EventType::sent, .brand = "acme", .segments = 2, .encoding = "ucs2"});
  sink.publish(
      Event{.type = EventType::resent, .brand = "acme", .segments = 1, .encoding = "gsm7"});
  sink.publish(Event{.type = EventType::approved, .brand = "acme"});
  sink.publish(Event{.type = EventType::rate_limited, .brand = "acme", .limit = "phone"});
  sink.publish(Event{.type = EventType::rate_limited, .brand = "acme", .limit = "prefix_anomaly"});
  sink.publish(Event{.type = EventType::prefix_blocked, .brand = "acme", .prefix = "+49151"});
  sink.publish(Event{.type = EventType::refused, .brand = "acme", .reason = "line_type"});
  sink.publish(Event{.type = EventType::locked, .brand = "acme"});
  sink.publish(Event{.type = EventType::unlocked, .brand = "acme"});
  sink.publish(Event{.type = EventType::send_failed, .brand = "acme", .gateway = "file"});
  sink.publish(Event{.type = EventType::undelivered, .brand = "acme", .gateway = "file"});
  sink.publish(Event{.type = EventType::anomaly_opened, .brand = "acme", .reason = "x"});
  REQUIRE(inner.seen.size() == 13);
  CHECK(inner.seen[1].segments == 2);

  CHECK(value(r, R"(otpgate_verifications_started_total{brand="acme"})") == 1);
  CHECK(value(r, R"(otpgate_sms_sent_total{brand="acme"})") == 2);
  CHECK(value(r, R"(otpgate_sms_segments_total{brand="acme",encoding="ucs2"})") == 2);
  CHECK(value(r, R"(otpgate_sms_segments_total{brand="acme",encoding="gsm7"})") == 1);
  CHECK(value(r, R"(otpgate_verifications_ended_total{brand="acme",outcome="approved"})") == 1);
  CHECK(value(r, R"(otpgate_verifications_ended_total{brand="acme",outcome="failed"})") == 0);
  CHECK(value(r, R"(otpgate_rate_limit_refusals_total{brand="acme",kind="phone"})") == 1);
  CHECK(value(r, R"(otpgate_rate_limit_refusals_total{brand="acme",kind="prefix_anomaly"})") == 1);
  CHECK(value(r, R"(otpgate_pumping_blocks_total{brand="acme"})") == 1);
  CHECK(value(r, R"(otpgate_verifications_refused_total{brand="acme",reason="line_type"})") == 1);
  CHECK(value(r, R"(otpgate_phone_locks_total{brand="acme"})") == 1);
  CHECK(value(r, R"(otpgate_phone_unlocks_total{brand="acme"})") == 1);
  CHECK(value(r, R"(otpgate_verifications_ended_total{brand="acme",outcome="send_failed"})") == 1);
  // Gateways not configured here read other, even in a delivery report.
  CHECK(value(r, R"(otpgate_delivery_reports_total{gateway="other",status="undelivered"})") == 1);
}

TEST_CASE("labels outside the configured names and enums read other", "[unit][metrics]") {
  Registry r;
  OtpgateMetrics m(r);
  m.allow_brands({"acme"});
  m.allow_gateways({"twilio-eu"});
  m.count_event(Event{.type = EventType::created, .brand = "+4915112345678"});
  m.count_event(Event{.type = EventType::rate_limited, .brand = "acme", .limit = "made-up"});
  m.observe_gateway_attempt("unknown-gw", "accepted", 0.01);
  m.observe_gateway_attempt("twilio-eu", "bogus", 0.01);
  m.observe_http_request("BREW", "/v1/verifications", 201, 0.002);
  m.observe_redis_command("FLUSHALL", 0.001);
  m.observe_redis_command("evalsha", 0.001);
  m.set_open_alerts("acme", 3);
  m.set_open_alerts("nobody", 1);
  const std::string text = r.render();
  CHECK(text.find("4915112345678") == std::string::npos);
  CHECK(sample(text, R"(otpgate_verifications_started_total{brand="other"})") == 1);
  CHECK(sample(text, R"(otpgate_rate_limit_refusals_total{brand="acme",kind="other"})") == 1);
  CHECK(sample(text, R"(otpgate_gateway_attempts_total{gateway="other",outcome="accepted"})") == 1);
  CHECK(sample(text, R"(otpgate_gateway_attempts_total{gateway="twilio-eu",outcome="other"})") ==
        1);
  CHECK(sample(text, R"(otpgate_http_requests_total{route="/v1/verifications",method="other",)"
                     R"(status="201"})") == 1);
  CHECK(sample(text, R"(otpgate_redis_command_duration_seconds_count{command="other"})") == 1);
  CHECK(sample(text, R"(otpgate_redis_command_duration_seconds_count{command="evalsha"})") == 1);
  CHECK(sample(text, R"(otpgate_open_alerts{brand="acme"})") == 3);
  CHECK(sample(text, R"(otpgate_open_alerts{brand="other"})") == 1);
  // A brand allowed later (a reload) gets its own series from then on.
  m.allow_brands({"late"});
  m.count_event(Event{.type = EventType::created, .brand = "late"});
  CHECK(sample(r.render(), R"(otpgate_verifications_started_total{brand="late"})") == 1);
}

TEST_CASE("AllowedValues keeps configured names and refuses past its capacity", "[unit][metrics]") {
  AllowedValues v(2);
  CHECK(v.bound("a") == "other");
  CHECK(v.allow("a"));
  CHECK(v.allow("b"));
  CHECK(v.allow("a"));  // already there
  CHECK(!v.allow("c"));
  CHECK(v.bound("a") == "a");
  CHECK(v.bound("b") == "b");
  CHECK(v.bound("c") == "other");
}

TEST_CASE("process figures and build info come from this process", "[unit][metrics]") {
  Registry r;
  OtpgateMetrics m(r);
  const std::string text = r.render();
  CHECK(sample(text, "otpgate_process_open_fds").value_or(0) >= 3);  // stdin, stdout, stderr
  CHECK(sample(text, "otpgate_process_max_fds").value_or(0) >= 3);
  CHECK(sample(text, "otpgate_process_threads").value_or(0) >= 1);
  CHECK(sample(text, "otpgate_process_resident_memory_bytes").value_or(0) > 1'000'000);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double started = sample(text, "otpgate_process_start_time_seconds").value_or(0);
  CHECK(started <= now + 1);
  CHECK(started > now - 86'400);  // a unit test run is younger than a day
  CHECK(text.find("otpgate_build_info{version=\"0.1.0\",compiler=\"") != std::string::npos);
}

TEST_CASE("GET /metrics answers the text format, other methods get 405", "[unit][metrics]") {
  Registry r;
  r.counter("t_total", "T.").labels({}).inc();
  http::Request get{.method = "GET", .target = "/metrics", .path = "/metrics"};
  const http::Response ok = api::metrics_response(get, r);
  CHECK(ok.status == 200);
  CHECK(ok.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(ok.body == r.render());
  CHECK(ok.log_route == "/metrics");
  http::Request post{.method = "POST", .target = "/metrics", .path = "/metrics"};
  CHECK(api::metrics_response(post, r).status == 405);
}
