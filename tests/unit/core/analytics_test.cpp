// Analytics rules (core/analytics*.hpp, core/anomaly.hpp) stepped by hand: which counters an
// event adds, the cohort funnel with pending and expired derived from the TTL, quantiles from
// histograms, RFC 3339, query validation and the bucket cover.
#include "otpgate/core/analytics.hpp"
#include "otpgate/core/analytics_query.hpp"
#include "otpgate/core/analytics_report.hpp"
#include "otpgate/core/anomaly.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace otpgate;
using namespace otpgate::analytics;

namespace {

constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z (a whole hour)

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Event verification_event(EventType type) {
  return Event{.type = type,
               .brand = "b",
               .verification_id = "vf_x",
               .country = "DE",
               .gateway = "tw",
               .at_ms = t0 + 45'000,
               .locale = "de",
               .prefix = "+49151",
               .started_ms = t0};
}

}  // namespace

TEST_CASE("a start counts in its cohort with every dimension and marks the bucket's last start",
          "[unit][analytics]") {
  const Increments inc = increments_for(verification_event(EventType::created));
  CHECK(inc.marks_start);
  CHECK(inc.by_event_time.empty());
  for (const char* f : {"c:started", "c:started|gw=tw", "c:started|cc=DE", "c:started|pp=checkout",
                        "c:started|lc=de", "c:started|px=+49151"})
    CHECK(has(inc.by_start_time, f));
}

TEST_CASE("an approval counts attempts, sends and time to approve in the start's cohort",
          "[unit][analytics]") {
  Event e = verification_event(EventType::approved);
  e.attempt = 2;
  e.send = 1;
  const Increments inc = increments_for(e);
  CHECK(!inc.marks_start);
  CHECK(has(inc.by_start_time, "c:approved"));
  CHECK(has(inc.by_start_time, "c:approved|pp=checkout"));
  CHECK(has(inc.by_start_time, "c:att=2"));
  CHECK(has(inc.by_start_time, "c:spa=1"));
  CHECK(has(inc.by_start_time, "c:tta=45"));  // 45 s: the 45 s bucket (upper bound inclusive)
  e.at_ms = t0 + 45'001;
  CHECK(has(increments_for(e).by_start_time, "c:tta=60"));
  e.at_ms = t0 + 3'600'000;
  CHECK(has(increments_for(e).by_start_time, "c:tta=inf"));
}

TEST_CASE("a support call counts only under its purpose, never in the checkout funnel",
          "[unit][analytics]") {
  Event e = verification_event(EventType::created);
  e.purpose = "support_call";
  const Increments start = increments_for(e);
  CHECK(start.by_start_time == std::vector<std::string>{"c:started|pp=support_call"});
  CHECK(start.by_event_time == std::vector<std::string>{"e:support_calls"});
  e.type = EventType::approved;
  e.attempt = 1;
  CHECK(increments_for(e).by_start_time == std::vector<std::string>{"c:approved|pp=support_call"});
}

TEST_CASE("only a send failure that ended the verification is its outcome", "[unit][analytics]") {
  Event e = verification_event(EventType::send_failed);
  e.send = 1;
  e.reason = "ended";
  CHECK(has(increments_for(e).by_start_time, "c:send_failed"));
  CHECK(has(increments_for(e).by_event_time, "e:send_failures"));
  // A resend's failure, or a first send whose verification was cancelled meanwhile.
  e.reason.clear();
  CHECK(increments_for(e).by_start_time.empty());
  CHECK(has(increments_for(e).by_event_time, "e:send_failures|tw"));
}

TEST_CASE("a verification is delivered once, reports carry the latency by gateway",
          "[unit][analytics]") {
  Event e = verification_event(EventType::delivered);
  e.latency_ms = 2'500;
  e.first_delivery = true;
  CHECK(has(increments_for(e).by_start_time, "c:delivered|gw=tw"));
  CHECK(has(increments_for(e).by_event_time, "e:dlat|tw|5"));
  e.first_delivery = false;  // a resend's report
  CHECK(increments_for(e).by_start_time.empty());
  e.type = EventType::undelivered;
  CHECK(has(increments_for(e).by_event_time, "e:undelivered"));
  CHECK(!has(increments_for(e).by_event_time, "e:dlat|tw|5"));  // latency: deliveries only
}

TEST_CASE("refusals and limits count by event time with their kind", "[unit][analytics]") {
  Event e{.type = EventType::rate_limited, .brand = "b", .at_ms = t0, .limit = "ip"};
  CHECK(increments_for(e).by_event_time ==
        std::vector<std::string>{"e:rate_limited", "e:rate_limited|ip"});
  e = Event{.type = EventType::refused, .brand = "b", .at_ms = t0, .reason = "line_type"};
  CHECK(increments_for(e).by_event_time == std::vector<std::string>{"e:refused_line_type"});
  CHECK(increments_for(Event{.type = EventType::checked_right}).by_event_time.empty());
}

TEST_CASE("buckets are UTC minutes, hours and days", "[unit][analytics]") {
  CHECK(bucket_floor(t0 + 59'999, Granularity::minute) == t0);
  CHECK(bucket_floor(t0 + 60'000, Granularity::minute) == t0 + 60'000);
  CHECK(bucket_floor(t0 + 3'599'999, Granularity::hour) == t0);
  CHECK(bucket_floor(t0, Granularity::day) == t0 - 10 * 3'600'000);
  CHECK(granularity_from("hour") == Granularity::hour);
  CHECK(!granularity_from("week"));
}
