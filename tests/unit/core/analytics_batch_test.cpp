// What a batch of events adds per bucket (core/analytics_batch.hpp) stepped by hand: counters
// summed per bucket and field, placed by event time or start time as increments_for says, the
// newest start per bucket, and the same totals as the events added one by one.
#include "otpgate/core/analytics_batch.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

using namespace otpgate;
using namespace otpgate::analytics;

namespace {

constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z (a whole hour)
constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;

Event event(EventType type, std::int64_t at, std::int64_t started) {
  return Event{.type = type,
               .brand = "b",
               .verification_id = "vf_x",
               .country = "DE",
               .gateway = "tw",
               .attempt = 1,
               .send = 1,
               .at_ms = at,
               .locale = "de",
               .prefix = "+49151",
               .started_ms = started};
}

std::int64_t count(const std::map<Tile, BucketAdds>& adds, Granularity g, std::int64_t at,
                   const std::string& field) {
  const auto it = adds.find(Tile{g, bucket_floor(at, g)});
  if (it == adds.end()) return 0;
  const auto f = it->second.counts.find(field);
  return f == it->second.counts.end() ? 0 : f->second;
}

// The events added one by one: each event's own aggregate merged into the total.
std::map<Tile, BucketAdds> one_by_one(const std::vector<Event>& events) {
  std::map<Tile, BucketAdds> total;
  for (const Event& e : events) {
    for (const auto& [tile, adds] : aggregate_increments(std::span<const Event>(&e, 1))) {
      auto& into = total[tile];
      for (const auto& [field, n] : adds.counts) into.counts[field] += n;
      into.last_start = std::max(into.last_start, adds.last_start);
    }
  }
  return total;
}

bool same(const std::map<Tile, BucketAdds>& a, const std::map<Tile, BucketAdds>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.first == y.first && x.second.counts == y.second.counts &&
           x.second.last_start == y.second.last_start;
  });
}

// A mix over two minutes and two hours: two verifications, one started an hour before.
std::vector<Event> mixed() {
  const std::int64_t early = t0 - hour + 5'000;
  return {event(EventType::created, t0 + 1'000, t0 + 1'000),
          event(EventType::sent, t0 + 1'500, t0 + 1'000),
          event(EventType::checked_wrong, t0 + 30'000, t0 + 1'000),
          event(EventType::checked_wrong, t0 + 61'000, early),
          event(EventType::approved, t0 + 62'000, early),
          event(EventType::checked_right, t0 + 62'000, early),
          Event{.type = EventType::rate_limited, .brand = "b", .at_ms = t0 + 63'000, .limit = "ip"},
          event(EventType::created, t0 + 2'000, t0 + 2'000)};
}

}  // namespace

TEST_CASE("a batch's counters are summed per bucket and field", "[unit][analytics]") {
  const std::vector<Event> events = {event(EventType::checked_wrong, t0 + 1'000, t0),
                                     event(EventType::checked_wrong, t0 + 2'000, t0),
                                     event(EventType::checked_wrong, t0 + 61'000, t0)};
  const auto adds = aggregate_increments(events);
  CHECK(count(adds, Granularity::minute, t0, "e:wrong_codes") == 2);
  CHECK(count(adds, Granularity::minute, t0 + minute, "e:wrong_codes") == 1);
  CHECK(count(adds, Granularity::hour, t0, "e:wrong_codes") == 3);
  CHECK(count(adds, Granularity::day, t0, "e:wrong_codes") == 3);
  CHECK(adds.size() == 4);  // two minutes, one hour, one day: nothing in the start's buckets
  for (const auto& [tile, a] : adds) CHECK(a.last_start == 0);
}

TEST_CASE("a batch places each counter by event time or by the verification's start",
          "[unit][analytics]") {
  const std::int64_t started = t0 - hour + 5'000;  // an hour before
  const std::vector<Event> events = {event(EventType::approved, t0 + 1'000, started),
                                     event(EventType::checked_wrong, t0 + 1'000, started)};
  const auto adds = aggregate_increments(events);
  for (Granularity g : {Granularity::minute, Granularity::hour}) {
    CHECK(count(adds, g, started, "c:approved") == 1);
    CHECK(count(adds, g, started, "c:att=1") == 1);
    CHECK(count(adds, g, t0, "c:approved") == 0);
    CHECK(count(adds, g, t0, "e:wrong_codes") == 1);
    CHECK(count(adds, g, started, "e:wrong_codes") == 0);
  }
  // The same day: both land in one day bucket.
  CHECK(count(adds, Granularity::day, t0, "c:approved") == 1);
  CHECK(count(adds, Granularity::day, t0, "e:wrong_codes") == 1);
}

TEST_CASE("a bucket's newest start is the latest of the batch's starts in it",
          "[unit][analytics]") {
  const std::vector<Event> events = {event(EventType::created, t0 + 50'000, t0 + 50'000),
                                     event(EventType::created, t0 + 10'000, t0 + 10'000),
                                     event(EventType::created, t0 + 70'000, t0 + 70'000),
                                     event(EventType::approved, t0 + 90'000, t0 + 10'000)};
  const auto adds = aggregate_increments(events);
  CHECK(adds.at(Tile{Granularity::minute, t0}).last_start == t0 + 50'000);
  CHECK(adds.at(Tile{Granularity::minute, t0 + minute}).last_start == t0 + 70'000);
  CHECK(adds.at(Tile{Granularity::hour, t0}).last_start == t0 + 70'000);
  CHECK(count(adds, Granularity::minute, t0, "c:started") == 2);
  CHECK(count(adds, Granularity::hour, t0, "c:started|px=+49151") == 3);
}

TEST_CASE("events without a verification or without counters", "[unit][analytics]") {
  const Event limited{.type = EventType::rate_limited, .brand = "b", .at_ms = t0, .limit = "ip"};
  CHECK(start_of(limited) == t0);
  CHECK(start_of(event(EventType::sent, t0 + 5, t0)) == t0);
  const std::vector<Event> silent = {event(EventType::checked_right, t0, t0),
                                     event(EventType::expired, t0, t0)};
  CHECK(aggregate_increments(silent).empty());
  CHECK(aggregate_increments(std::vector<Event>{}).empty());
}

TEST_CASE("a batch adds what its events add one by one, in any order", "[unit][analytics]") {
  std::vector<Event> events = mixed();
  const auto batch = aggregate_increments(events);
  CHECK(same(batch, one_by_one(events)));
  std::reverse(events.begin(), events.end());
  CHECK(same(aggregate_increments(events), batch));
  CHECK(count(batch, Granularity::hour, t0, "c:started") == 2);
  CHECK(count(batch, Granularity::hour, t0, "c:sent|gw=tw") == 1);
  CHECK(count(batch, Granularity::hour, t0, "e:wrong_codes") == 2);
  CHECK(count(batch, Granularity::hour, t0, "e:rate_limited|ip") == 1);
  CHECK(count(batch, Granularity::hour, t0 - hour, "c:approved") == 1);
  CHECK(batch.at(Tile{Granularity::minute, t0}).last_start == t0 + 2'000);
}
