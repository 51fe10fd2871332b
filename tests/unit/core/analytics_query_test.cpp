// Stats queries (core/analytics_query.hpp): RFC 3339, query validation and the bucket cover.
#include "otpgate/core/analytics.hpp"
#include "otpgate/core/analytics_query.hpp"
#include "otpgate/core/analytics_report.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <ctime>

using namespace otpgate;
using namespace otpgate::analytics;

namespace {

constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z (a whole hour)

}  // namespace

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

TEST_CASE("format_rfc3339 pads every field and agrees with gmtime across the years",
          "[unit][analytics]") {
  CHECK(format_rfc3339(-62'135'596'800'000 + 1) == "0001-01-01T00:00:00.001Z");
  CHECK(format_rfc3339(-30'610'224'000'000 + 3'723'004) == "1000-01-01T01:02:03.004Z");
  CHECK(format_rfc3339(253'402'300'799'999) == "9999-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(1'796'406'814'045) == "2026-12-04T17:53:34.045Z");
  // Against the C library's calendar, every 997,001 s + 7 ms from 1970 to past 2100.
  for (std::int64_t ms = 0; ms < 4'200'000'000'000; ms += 997'001'007) {
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char want[96];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    INFO(ms);
    REQUIRE(format_rfc3339(ms) == want);
  }
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
  CHECK(error_of({{"to", "2025-12-05T10:00:00Z"}}) == "to");      // to alone, days ahead
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
