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

TEST_CASE("only a send failure that ended the verification is its outcome",
          "[unit][analytics]") {
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

TEST_CASE("RFC 3339 times parse with offsets and fractions, anything else is refused",
          "[unit][analytics]") {
  CHECK(parse_rfc3339("2025-12-03T10:00:00Z") == t0);
  CHECK(parse_rfc3339("2025-12-03t10:00:00z") == t0);
  CHECK(parse_rfc3339("2025-12-03T11:00:00+01:00") == t0);
  CHECK(parse_rfc3339("2025-12-03T09:30:00.250-00:30") == t0 + 250);
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
  for (const char* bad :
       {"2025-02-29T00:00:00Z", "2025-12-03T10:00:00", "2025-12-03 10:00:00Z", "2025-12-03",
        "2025-12-03T24:00:00Z", "2025-12-03T10:00:60Z", "1969-12-31T23:59:59Z",
        "2025-12-03T10:00:00.Z", "2025-12-03T10:00:00+1:00", "+2025-12-03T10:00:00Z", ""})
    CHECK(!parse_rfc3339(bad));
  CHECK(format_rfc3339(t0 + 123) == "2025-12-03T10:00:00.123Z");
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(951'782'400'000) == "2000-02-29T00:00:00.000Z");
}

TEST_CASE("a stats query defaults to the last 24 h by hour, aligned to buckets",
          "[unit][analytics]") {
  const std::int64_t now = t0 + 30 * 60'000;
  const auto q = std::get<StatsQuery>(parse_stats_query({}, now));
  CHECK(q.granularity == Granularity::hour);
  CHECK(q.from_ms == t0 - 24 * 3'600'000);
  CHECK(q.to_ms == t0 + 3'600'000);
  CHECK(q.points() == 25);
  // A range ending in the future stops at the current bucket.
  const auto future = std::get<StatsQuery>(parse_stats_query(
      {{"from", "2025-12-01T10:00:00Z"}, {"to", "2026-12-03T10:00:00Z"}, {"granularity", "day"}},
      now));
  CHECK(future.to_ms == bucket_floor(now, Granularity::day) + 86'400'000);
}

TEST_CASE("bad stats queries name their parameter", "[unit][analytics]") {
  const std::int64_t now = t0;
  const auto error_of = [&](std::vector<std::pair<std::string, std::string>> p) {
    const auto r = parse_stats_query(p, now);
    REQUIRE(std::holds_alternative<QueryError>(r));
    return std::get<QueryError>(r).parameter;
  };
  CHECK(error_of({{"from", "2025-12-03T10:00:00Z"}, {"to", "2025-12-03T09:00:00Z"}}) == "from");
  CHECK(error_of({{"granularity", "week"}}) == "granularity");
  CHECK(error_of({{"granularity", "minute"}, {"from", "2025-11-30T00:00:00Z"}}) == "from");
  CHECK(error_of({{"granularity", "minute"}, {"from", "2025-12-01T12:00:00Z"}}) == "granularity");
  CHECK(error_of({{"limit", "5"}}) == "query");
  CHECK(error_of({{"to", "x"}}) == "to");
  CHECK(error_of({{"from", "2025-12-03T09:00:00Z"}, {"from", "2025-12-03T08:00:00Z"}}) == "from");
  CHECK(error_of({{"from", "2025-12-04T09:00:00Z"}}) == "from");  // from after to (now)
  CHECK(error_of({{"to", "2025-12-05T10:00:00Z"}}) == "to");  // to alone, days ahead
}

TEST_CASE("the cover uses days and hours where they lie whole inside, minutes elsewhere",
          "[unit][analytics]") {
  const std::int64_t day = 86'400'000, hour = 3'600'000, minute = 60'000;
  const std::int64_t midnight = bucket_floor(t0, Granularity::day);
  const std::int64_t from = midnight - 2 * day - 2 * hour, to = t0 + hour + 2 * minute;
  const auto tiles = cover(from, to);
  // 2 hours, 2 days, today's 11 hours (10:00 included), 2 minutes.
  REQUIRE(tiles.size() == 2 + 2 + 11 + 2);
  CHECK(tiles[1].granularity == Granularity::hour);
  CHECK(tiles[2].granularity == Granularity::day);
  CHECK(tiles[2].start_ms == midnight - 2 * day);
  CHECK(tiles[14].granularity == Granularity::hour);
  CHECK(tiles[14].start_ms == t0);
  CHECK(tiles[15].granularity == Granularity::minute);
  // The tiles cover the range exactly once.
  std::int64_t t = from;
  for (const auto& tile : tiles) {
    CHECK(tile.start_ms == t);
    t += info(tile.granularity).bucket_ms;
  }
  CHECK(t == to);
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

TEST_CASE("an indicator is anomalous above factor x its reference, with enough events",
          "[unit][analytics][alerts]") {
  const AlertPolicy p{.factor = 3, .min_events = 5, .floor_per_1000 = 20};
  // 6 wrong codes for 3 starts, no history, nothing elsewhere: above 3 x the floor.
  CHECK(judge_rate({6, 3}, {}, {}, p).anomalous);
  CHECK(!judge_rate({4, 2}, {}, {}, p).anomalous);  // too few events
  // A large brand's ordinary 2 per 1,000 on its first day: the floor keeps it quiet.
  CHECK(!judge_rate({40, 20'000}, {}, {}, p).anomalous);
  // The brand's own baseline: 100 per 1,000 usually, 250 now is below 3x, 350 above.
  CHECK(!judge_rate({25, 100}, {70, 700}, {}, p).anomalous);
  CHECK(judge_rate({35, 100}, {70, 700}, {}, p).anomalous);
  // With a baseline the market does not matter: another brand under attack (1,000 per 1,000
  // elsewhere) cannot mask this one.
  CHECK(judge_rate({35, 100}, {70, 700}, {1000, 1000}, p).anomalous);
  // Without one, the rest of the market is the reference: 500 is below 3 x 200.
  CHECK(!judge_rate({50, 100}, {}, {20, 100}, p).anomalous);
  // No start at all (refused creates): the count itself is the rate's numerator.
  CHECK(rate_per_1000({7, 0}) == Approx(7000.0));
}

TEST_CASE("an open alert stays open until clearly back to normal", "[unit][analytics][alerts]") {
  const AlertPolicy p{.factor = 3, .min_events = 10, .floor_per_1000 = 20};
  // 250 per 1,000 against 100: not enough to open (300), enough to stay open (225).
  CHECK(!judge_rate({25, 100}, {70, 700}, {}, p).anomalous);
  CHECK(judge_rate({25, 100}, {70, 700}, {}, p, true).anomalous);
  CHECK(!judge_rate({22, 100}, {70, 700}, {}, p, true).anomalous);
  // 6 events: below min_events to open, at least half of it to stay open.
  CHECK(!judge_rate({6, 10}, {}, {}, p).anomalous);
  CHECK(judge_rate({6, 10}, {}, {}, p, true).anomalous);
  CHECK(!judge_rate({4, 10}, {}, {}, p, true).anomalous);
}

TEST_CASE("a prefix surging without conversions is the pumping signature",
          "[unit][analytics][alerts]") {
  const AlertPolicy p{.factor = 3, .min_events = 5, .window_minutes = 60};
  CHECK(judge_prefix(6, 0, 0.0, std::nullopt, p).anomalous);
  CHECK(!judge_prefix(4, 0, 0.0, std::nullopt, p).anomalous);  // too few
  CHECK(!judge_prefix(6, 5, 0.0, 0.8, p).anomalous);           // converts
  CHECK(!judge_prefix(30, 0, 20.0, 0.8, p).anomalous);         // its usual volume
  CHECK(judge_prefix(61, 1, 20.0, 0.8, p).anomalous);
  CHECK(!judge_prefix(61, 0, 20.0, 0.0, p).anomalous);  // nothing converts anywhere
}
