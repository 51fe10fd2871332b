// The network signals in /metrics: the MeteredEventSink counts each signal a create asked (let
// through or refused) by signal and outcome, creates let through flagged, and refusals by a
// signal's policy; labels stay bounded.
#include "support/metrics_text.hpp"

#include "otpgate/core/events.hpp"
#include "otpgate/metrics/metered.hpp"
#include "otpgate/metrics/otpgate_metrics.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::metrics;
using otpgate::test::sample;

namespace {

struct NullSink final : EventSink {
  void publish(const Event&) override { ++seen; }
  int seen = 0;
};

double value(const Registry& r, const std::string& series) {
  return sample(r.render(), series).value_or(-1);
}

std::string signal(const std::string& brand, const std::string& name, const std::string& outcome) {
  return "otpgate_network_signals_total{brand=\"" + brand + "\",signal=\"" + name +
         "\",outcome=\"" + outcome + "\"}";
}

}  // namespace

TEST_CASE("signals are counted by signal and outcome from created and refused events",
          "[unit][metrics][signals]") {
  Registry r;
  OtpgateMetrics m(r);
  m.allow_brands({"acme"});
  NullSink inner;
  MeteredEventSink sink(inner, m);
  // Every series of a configured brand exists from the start.
  for (const char* o : {"clear", "swapped", "error"})
    CHECK(value(r, signal("acme", "sim_swap", o)) == 0);
  for (const char* o : {"match", "mismatch", "error"})
    CHECK(value(r, signal("acme", "kyc", o)) == 0);
  CHECK(value(r, R"(otpgate_verifications_flagged_total{brand="acme"})") == 0);
  CHECK(value(r, R"(otpgate_verifications_refused_total{brand="acme",reason="signal_error"})") ==
        0);

  sink.publish(
      Event{.type = EventType::created, .brand = "acme", .sim_swap = "clear", .kyc = "match"});
  sink.publish(
      Event{.type = EventType::created, .brand = "acme", .sim_swap = "swapped", .flagged = true});
  sink.publish(
      Event{.type = EventType::created, .brand = "acme", .kyc = "mismatch", .flagged = true});
  sink.publish(Event{.type = EventType::created, .brand = "acme"});  // no signal asked
  sink.publish(Event{
      .type = EventType::refused, .brand = "acme", .reason = "sim_swap", .sim_swap = "swapped"});
  sink.publish(Event{.type = EventType::refused,
                     .brand = "acme",
                     .reason = "kyc",
                     .sim_swap = "clear",
                     .kyc = "mismatch",
                     .flagged = true});
  sink.publish(Event{.type = EventType::refused,
                     .brand = "acme",
                     .reason = "signal_error",
                     .sim_swap = "error",
                     .kyc = "error"});
  CHECK(inner.seen == 7);

  CHECK(value(r, R"(otpgate_verifications_started_total{brand="acme"})") == 4);
  CHECK(value(r, signal("acme", "sim_swap", "clear")) == 2);
  CHECK(value(r, signal("acme", "sim_swap", "swapped")) == 2);
  CHECK(value(r, signal("acme", "sim_swap", "error")) == 1);
  CHECK(value(r, signal("acme", "kyc", "match")) == 1);
  CHECK(value(r, signal("acme", "kyc", "mismatch")) == 2);
  CHECK(value(r, signal("acme", "kyc", "error")) == 1);
  // Flagged: the creates let through only (a refused one did not go through).
  CHECK(value(r, R"(otpgate_verifications_flagged_total{brand="acme"})") == 2);
  for (const char* reason : {"sim_swap", "kyc", "signal_error"})
    CHECK(value(r, std::string(R"(otpgate_verifications_refused_total{brand="acme",reason=")") +
                       reason + "\"}") == 1);
}

TEST_CASE("signal labels outside the known words read other", "[unit][metrics][signals]") {
  Registry r;
  OtpgateMetrics m(r);
  m.allow_brands({"acme"});
  NullSink inner;
  MeteredEventSink sink(inner, m);
  sink.publish(
      Event{.type = EventType::created, .brand = "acme", .sim_swap = "maybe", .kyc = "<script>"});
  sink.publish(Event{.type = EventType::created, .brand = "unknown", .sim_swap = "swapped"});
  CHECK(value(r, signal("acme", "sim_swap", "other")) == 1);
  CHECK(value(r, signal("acme", "kyc", "other")) == 1);
  CHECK(value(r, signal("other", "sim_swap", "swapped")) == 1);
  CHECK(r.render().find("<script>") == std::string::npos);
}
