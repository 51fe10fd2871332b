// The analytics scripts against a real redis-server: an event and its counters are written by
// one script call on the brand's slot (the stream entry and every bucket agree), every bucket
// key expires after its granularity's retention, the cohort lands in the start's buckets, the
// bucket's last start only moves forward, and the reader returns what was written.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/store/redis/redis_analytics.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"

#include "support/connected_redis.hpp"
#include "support/unique_names.hpp"
#include "support/redis_server.hpp"
#include "support/run_sync.hpp"

#include <catch2/catch.hpp>

#include <atomic>

namespace {

using namespace otpgate;
namespace an = otpgate::analytics;

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string cli(const std::vector<std::string>& args) {
  return test::redis_cli(test::shared_redis_port(), args);
}

struct AnalyticsFixture : test::ConnectedRedis {
  RedisStatsStore stats{conn};
  void record(const Event& e) {
    const RecordEventsCall call = record_events_call(std::span<const Event>(&e, 1), 1000);
    auto r = test::run_sync(
        ioc, conn.eval(scripts::cached(scripts::record_events), call.keys, call.args));
    REQUIRE(r.has_value());
    REQUIRE(!r.value().is_error());
  }
  an::Counts read(const std::string& brand, an::Granularity g, std::int64_t start) {
    const std::vector<an::Tile> tiles = {an::Tile{g, start}};
    const std::vector<std::string> all;
    auto r = test::run_sync(ioc, stats.read(brand, tiles, all));
    REQUIRE(r.has_value());
    return r.value().at(0);
  }
};

}  // namespace

TEST_CASE("an event is appended and counted in its buckets by one script call",
          "[integration][analytics]") {
  AnalyticsFixture f;
  const std::string brand = test::unique_brand("an");
  const std::int64_t now = wall_clock_ms();
  const std::int64_t started = now - 2 * 3'600'000;  // a verification started 2 h ago
  f.record(Event{.type = EventType::approved,
                 .brand = brand,
                 .verification_id = "vf_1",
                 .country = "DE",
                 .gateway = "tw",
                 .attempt = 2,
                 .send = 1,
                 .at_ms = now,
                 .started_ms = started});
  f.record(
      Event{.type = EventType::checked_wrong, .brand = brand, .at_ms = now, .started_ms = started});

  // The stream holds both events; the start's buckets the approval, the event's the wrong code.
  CHECK(cli({"XLEN", AnalyticsKeys::events(brand)}) == "2");
  for (an::Granularity g : an::all_granularities) {
    const auto cohort = f.read(brand, g, an::bucket_floor(started, g));
    CHECK(an::count_of(cohort, "c:approved") == 1);
    CHECK(an::count_of(cohort, "c:approved|gw=tw") == 1);
    CHECK(an::count_of(cohort, "c:att=2") == 1);
    const auto current = f.read(brand, g, an::bucket_floor(now, g));
    CHECK(an::count_of(current, "e:wrong_codes") == 1);
  }
  // The minute and hour of the start differ from now's: nothing of the approval there.
  CHECK(an::count_of(
            f.read(brand, an::Granularity::hour, an::bucket_floor(now, an::Granularity::hour)),
            "c:approved") == 0);
  // Every bucket key expires at its bucket's end plus the retention (PTTL within 5 s of it).
  for (an::Granularity g : an::all_granularities) {
    const std::int64_t start = an::bucket_floor(started, g);
    const std::int64_t expected = start + an::info(g).bucket_ms + an::info(g).retention_ms - now;
    const std::int64_t pttl = std::stoll(cli({"PTTL", AnalyticsKeys::bucket(brand, g, start)}));
    CHECK(pttl > expected - 5'000);
    CHECK(pttl <= expected);
  }
  // One hash slot: the stream and the buckets carry the brand's tag (and nothing else in braces).
  const std::string tag = "{brand:" + brand + "}";
  for (const std::string& key :
       {AnalyticsKeys::events(brand), AnalyticsKeys::bucket(brand, an::Granularity::day, 0)}) {
    CHECK(key.find('{') == key.find(tag));
    CHECK(key.find('}') == key.find(tag) + tag.size() - 1);
  }
}

TEST_CASE("a bucket's last start only moves forward", "[integration][analytics]") {
  AnalyticsFixture f;
  const std::string brand = test::unique_brand("an");
  const std::int64_t now = an::bucket_floor(wall_clock_ms(), an::Granularity::minute);
  const Event late{.type = EventType::created,
                   .brand = brand,
                   .at_ms = now + 50'000,
                   .started_ms = now + 50'000};
  const Event early{.type = EventType::created,
                    .brand = brand,
                    .at_ms = now + 10'000,
                    .started_ms = now + 10'000};
  f.record(late);
  f.record(early);  // recorded after, started before: c:last stays the later start
  const auto c = f.read(brand, an::Granularity::minute, now);
  CHECK(an::count_of(c, "c:started") == 2);
  CHECK(an::count_of(c, "c:last") == now + 50'000);
}

TEST_CASE("only the asked fields are read, missing buckets read as empty",
          "[integration][analytics]") {
  AnalyticsFixture f;
  const std::string brand = test::unique_brand("an");
  const std::int64_t now = wall_clock_ms();
  f.record(Event{.type = EventType::created,
                 .brand = brand,
                 .country = "AT",
                 .at_ms = now,
                 .started_ms = now});
  const std::vector<an::Tile> tiles = {
      {an::Granularity::hour, an::bucket_floor(now, an::Granularity::hour)},
      {an::Granularity::hour, 0}};
  const std::vector<std::string> fields = {"c:started", "c:approved"};
  auto r = test::run_sync(f.ioc, f.stats.read(brand, tiles, fields));
  REQUIRE(r.has_value());
  REQUIRE(r.value().size() == 2);
  CHECK(r.value()[0] == an::Counts{{"c:started", 1}});
  CHECK(r.value()[1].empty());
}

TEST_CASE("summed buckets equal the sum of the buckets read one by one, c:last the newest",
          "[integration][analytics]") {
  AnalyticsFixture f;
  const std::string brand = test::unique_brand("an");
  const std::int64_t base = an::bucket_floor(wall_clock_ms(), an::Granularity::hour) - 3'600'000;
  std::vector<an::Tile> tiles;
  for (int m = 0; m < 3; ++m) {
    const std::int64_t t = base + m * 60'000;
    tiles.push_back(an::Tile{an::Granularity::minute, t});
    for (int i = 0; i <= m; ++i)
      f.record(Event{.type = EventType::created,
                     .brand = brand,
                     .country = "DE",
                     .at_ms = t + i * 1'000,
                     .started_ms = t + i * 1'000});
  }
  tiles.push_back(an::Tile{an::Granularity::minute, base + 10 * 60'000});  // empty
  const std::vector<std::string> all, some = {"c:started", "c:last", "c:approved"};
  auto each = test::run_sync(f.ioc, f.stats.read(brand, tiles, all));
  REQUIRE(each.has_value());
  an::Counts expected;
  for (const auto& c : each.value()) an::add_counts(expected, c);
  auto summed = test::run_sync(f.ioc, f.stats.sum(brand, tiles, all));
  REQUIRE(summed.has_value());
  CHECK(summed.value() == expected);
  CHECK(an::count_of(summed.value(), "c:started") == 6);
  CHECK(an::count_of(summed.value(), "c:started|cc=DE") == 6);
  CHECK(an::count_of(summed.value(), "c:last") == base + 2 * 60'000 + 2'000);
  auto only = test::run_sync(f.ioc, f.stats.sum(brand, tiles, some));
  REQUIRE(only.has_value());
  CHECK(only.value() == an::Counts{{"c:started", 6}, {"c:last", base + 2 * 60'000 + 2'000}});
}
