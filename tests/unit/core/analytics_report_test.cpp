// Analytics reports (core/analytics_report.hpp) stepped by hand: the cohort funnel with pending
// and expired derived from the TTL, quantiles from histograms, breakdowns read back.
#include "otpgate/core/analytics.hpp"
#include "otpgate/core/analytics_query.hpp"
#include "otpgate/core/analytics_report.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::analytics;

namespace {

constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z (a whole hour)

}  // namespace

TEST_CASE("the funnel derives pending until the bucket's last start plus the TTL, then expired",
          "[unit][analytics]") {
  const Counts c = {{"c:started", 10},    {"c:approved", 4}, {"c:failed", 1}, {"c:cancelled", 2},
                    {"c:send_failed", 1}, {"c:sent", 9},     {"c:last", t0}};
  const Funnel open = funnel_of(c, t0 + 299'999, 300'000);
  CHECK(open.pending == 2);
  CHECK(open.expired == 0);
  CHECK(open.abandoned() == 2);
  const Funnel done = funnel_of(c, t0 + 300'000, 300'000);
  CHECK(done.pending == 0);
  CHECK(done.expired == 2);
  CHECK(done.abandoned() == 4);
  const Rates r = rates_of(done);
  CHECK(*r.conversion == Approx(0.4));
  CHECK(*r.delivery == 0.0);  // no delivery report yet: 0 of 9
  CHECK(*rates_of(Funnel{.sent = 4, .delivered = 3}).delivery == Approx(0.75));
  CHECK(!rates_of(Funnel{}).conversion);
}

TEST_CASE("quantiles are interpolated inside the histogram bucket", "[unit][analytics]") {
  // 10 approvals: 4 within 5 s, 6 within 10 s.
  const Counts c = {{"c:tta=5", 4}, {"c:tta=10", 6}};
  const Histogram h = time_to_approve(c);
  CHECK(h.total == 10);
  CHECK(*h.p50 == Approx(5.0 + 5.0 * (5.0 - 4.0) / 6.0));
  CHECK(*h.p90 == Approx(5.0 + 5.0 * (9.0 - 4.0) / 6.0));
  CHECK(!time_to_approve(Counts{}).p50);
  // Beyond the last bound only the bound is known.
  CHECK(*estimate_quantile({5, 10}, {0, 0, 3}, 0.5) == 10.0);
}

TEST_CASE("breakdowns, per-approval counts and indicators are read back from the fields",
          "[unit][analytics]") {
  const Counts c = {{"c:sent|gw=tw", 5},    {"c:approved|gw=tw", 3},  {"c:send_failed|gw=tw", 1},
                    {"c:started|cc=AT", 2}, {"c:att=1", 3},           {"c:att=3", 1},
                    {"e:wrong_codes", 7},   {"e:rate_limited|ip", 2}, {"e:dlat|tw|2", 4},
                    {"e:dlat|vg|inf", 1}};
  const Breakdown gw = breakdown(c, "gw");
  CHECK(gw.at("tw").at("sent") == 5);
  CHECK(gw.at("tw").at("send_failed") == 1);
  CHECK(breakdown(c, "cc").at("AT").at("started") == 2);
  CHECK(per_approval(c, "att") == std::map<int, std::int64_t>{{1, 3}, {3, 1}});
  CHECK(indicator_counts(c).at("wrong_codes") == 7);
  CHECK(limit_counts(c).at("ip") == 2);
  CHECK(latency_gateways(c) == std::vector<std::string>{"tw", "vg"});
  CHECK(delivery_latency(c, "tw").total == 4);
  CHECK(*per_1000(7, 350) == Approx(20.0));
}

TEST_CASE("verifications within their TTL are pending whatever the bucket size",
          "[unit][analytics]") {
  const std::int64_t minute = 60'000, ttl = 300'000;
  const std::int64_t now = t0 + 30 * minute + 10'000;
  // Only the minutes a TTL and a minute back can still hold pending verifications.
  const auto recent = recent_minutes(t0, t0 + 3'600'000, now, ttl);
  REQUIRE(recent.size() == 7);
  CHECK(recent.front().start_ms == t0 + 24 * minute);
  CHECK(recent.back().start_ms == t0 + 30 * minute);
  // The hour holds 10 open verifications: 7 started long ago, 3 in the last minutes, of
  // which 2 within their TTL.
  Funnel f = settled_funnel_of(Counts{{"c:started", 12}, {"c:approved", 2}, {"c:last", now}});
  CHECK(f.expired == 10);
  move_pending(f, Counts{{"c:started", 1}, {"c:last", t0 + 24 * minute + 5'000}}, now, ttl);
  move_pending(f, Counts{{"c:started", 2}, {"c:last", t0 + 29 * minute}}, now, ttl);
  CHECK(f.pending == 2);
  CHECK(f.expired == 8);
}
