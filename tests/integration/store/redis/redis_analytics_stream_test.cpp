// A brand's event stream is bounded in time as well as in length (record_events.lua): entries
// older than the retention go with the next append, and a brand that falls idle does not keep
// its stream: the key expires a retention after its last event.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/store/redis/redis_analytics.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"

#include "support/connected_redis.hpp"
#include "support/redis_server.hpp"
#include "support/run_sync.hpp"
#include "support/unique_names.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace {

using namespace otpgate;
using namespace std::chrono_literals;

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string cli(const std::vector<std::string>& args) {
  return test::redis_cli(test::shared_redis_port(), args);
}

struct StreamFixture : test::ConnectedRedis {
  void record(const Event& e, const StreamBounds& bounds) {
    const RecordEventsCall call = record_events_call(std::span<const Event>(&e, 1), bounds);
    auto r = test::run_sync(
        ioc, conn.eval(scripts::cached(scripts::record_events), call.keys, call.args));
    REQUIRE(r.has_value());
    REQUIRE(!r.value().is_error());
  }
};

Event created_now(const std::string& brand) {
  const std::int64_t now = wall_clock_ms();
  return Event{.type = EventType::created, .brand = brand, .at_ms = now, .started_ms = now};
}

}  // namespace

TEST_CASE("an append drops the brand's events older than the retention, keeps the new ones",
          "[integration][analytics][events]") {
  StreamFixture f;
  const std::string brand = test::unique_brand_now("stream-age");
  const std::string key = AnalyticsKeys::events(brand);
  // 1000 entries from long ago (ids 1-0 .. 1000-0: January 1970), written past the script.
  cli({"EVAL", "for i = 1, 1000 do redis.call('XADD', KEYS[1], i .. '-0', 'type', 'old') end", "1",
       key});
  REQUIRE(cli({"XLEN", key}) == "1000");
  const StreamBounds bounds(1'000'000, 1h);
  f.record(created_now(brand), bounds);
  f.record(created_now(brand), bounds);
  // Trimming is approximate ('~': whole nodes of at most 100 entries), so a node holding the
  // boundary may keep some of the old ones; never 1000 of them.
  const long remaining = std::stol(cli({"XLEN", key}));
  CHECK(remaining < 100);
  CHECK(remaining >= 2);
  const std::string newest = cli({"XREVRANGE", key, "+", "-", "COUNT", "2"});
  CHECK(newest.find("old") == std::string::npos);
}

TEST_CASE("an idle brand's stream expires a retention after its last event",
          "[integration][analytics][events]") {
  StreamFixture f;
  const std::string brand = test::unique_brand_now("stream-idle");
  const std::string key = AnalyticsKeys::events(brand);
  f.record(created_now(brand), StreamBounds(1'000'000, 1h));
  const long ttl = std::stol(cli({"PTTL", key}));
  CHECK(ttl > 0);
  CHECK(ttl <= 3'600'000);
  SECTION("each append renews it") {
    cli({"PEXPIRE", key, "1000"});
    f.record(created_now(brand), StreamBounds(1'000'000, 1h));
    CHECK(std::stol(cli({"PTTL", key})) > 1000);
  }
  SECTION("and with no further event the stream goes") {
    f.record(created_now(brand), StreamBounds(1'000'000, 300ms));
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (cli({"EXISTS", key}) != "0" && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(50ms);
    CHECK(cli({"EXISTS", key}) == "0");
  }
}

TEST_CASE("the length cap still holds with the age bound", "[integration][analytics][events]") {
  StreamFixture f;
  const std::string brand = test::unique_brand_now("stream-len");
  const std::string key = AnalyticsKeys::events(brand);
  for (int i = 0; i < 1500; ++i) f.record(created_now(brand), StreamBounds(1000, 48h));
  const long len = std::stol(cli({"XLEN", key}));
  CHECK(len < 1500);
  CHECK(len >= 1000);
}
