// StatsService (src/app/stats_service.cpp) on in-memory analytics and alert stores: a brand's
// figures summed from its buckets, the market and the rest of it, its open alerts, the minute
// cache of buckets that can no longer change, and the store's errors.
#include "otpgate/app/stats_service.hpp"

#include "app/service_world.hpp"
#include "support/fakes/stats_store.hpp"

using namespace otpgate;
using namespace otpgate::test;
namespace an = otpgate::analytics;

namespace {

constexpr std::int64_t hour = 3'600'000;
constexpr std::int64_t day = 24 * hour;

struct StatsWorld {
  boost::asio::io_context ioc;
  FakeClock clock{t0 + 10 * day};  // the buckets below ended long ago
  FakeStatsStore stats;
  FakeAlertStore alerts;
  BrandRegistry registry{catalog()};
  StatsService service{registry, stats, alerts, clock};
  // One day, by hour, ten days back: every bucket is final.
  an::StatsQuery query{.granularity = an::Granularity::hour, .from_ms = t0, .to_ms = t0 + day};

  static BrandCatalog catalog() {
    Brand other = test_brand();
    other.id = *BrandId::parse("other");
    return BrandCatalog{{"acme", test_brand()}, {"other", other}};
  }
  result<BrandStats> brand(const std::string& id) {
    return run_sync(ioc, service.brand(id, query));
  }
};

an::Counts started(std::int64_t n, std::int64_t approved) {
  return an::Counts{{"c:started", n}, {"c:sent", n}, {"c:approved", approved}, {"c:last", t0}};
}

}  // namespace

TEST_CASE("a brand's figures sum its buckets, the rest of the market is the other brands",
          "[app][stats]") {
  StatsWorld w;
  w.stats.add("acme", an::Granularity::hour, t0, started(3, 2));
  w.stats.add("acme", an::Granularity::hour, t0 + 5 * hour, started(2, 1));
  w.stats.add("other", an::Granularity::hour, t0 + hour, started(10, 9));
  const auto s = w.brand("acme");
  REQUIRE(s);
  CHECK(s.value().own.funnel.started == 5);
  CHECK(s.value().own.funnel.approved == 3);
  CHECK(s.value().own.funnel.expired == 2);  // settled: no outcome, past the TTL
  CHECK(s.value().own.funnel.pending == 0);
  CHECK(s.value().rest.funnel.started == 10);
  CHECK(s.value().market.funnel.started == 15);
  CHECK(s.value().market_brands == 2);
  // One series point per hour of the day, each with its own bucket.
  REQUIRE(s.value().series.size() == 24);
  CHECK(s.value().series[0].funnel.started == 3);
  CHECK(s.value().series[5].funnel.started == 2);
  CHECK(s.value().series[1].funnel.started == 0);
}

TEST_CASE("an unknown brand is not found", "[app][stats]") {
  StatsWorld w;
  const auto s = w.brand("nobody");
  REQUIRE_FALSE(s);
  CHECK(s.error() == errc::not_found);
  const auto a = run_sync(w.ioc, w.service.alerts("nobody"));
  REQUIRE_FALSE(a);
  CHECK(a.error() == errc::not_found);
}

TEST_CASE("buckets that can no longer change are read once a minute", "[app][stats]") {
  StatsWorld w;
  w.stats.add("acme", an::Granularity::hour, t0, started(3, 2));
  REQUIRE(w.brand("acme"));
  const int tiles = w.stats.tiles_summed;
  w.stats.add("acme", an::Granularity::hour, t0, started(4, 0));
  const auto cached = w.brand("acme");
  REQUIRE(cached);
  CHECK(cached.value().own.funnel.started == 3);  // the minute-old sum
  CHECK(w.stats.tiles_summed == tiles);           // nothing final was summed again
  w.clock.advance(60'000);
  const auto fresh = w.brand("acme");
  REQUIRE(fresh);
  CHECK(fresh.value().own.funnel.started == 7);
}

TEST_CASE("verifications still within their TTL are pending, not expired", "[app][stats]") {
  StatsWorld w;
  w.clock.set(t0 + 30'000);  // 30 s after the bucket's last start; the TTL is 5 minutes
  w.query = an::StatsQuery{.granularity = an::Granularity::hour, .from_ms = t0, .to_ms = t0 + hour};
  const an::Counts minute = {{"c:started", 2}, {"c:approved", 1}, {"c:last", t0 + 10'000}};
  w.stats.add("acme", an::Granularity::minute, t0, minute);
  w.stats.add("acme", an::Granularity::hour, t0, minute);
  const auto s = w.brand("acme");
  REQUIRE(s);
  CHECK(s.value().own.funnel.pending == 1);
  CHECK(s.value().own.funnel.expired == 0);
}

TEST_CASE("a brand's stats carry its open alerts, its alerts list the closed ones too",
          "[app][stats]") {
  StatsWorld w;
  w.alerts.open["acme"]["wrong_code"] = Alert{.id = "wrong_code", .indicator = "wrong_code"};
  w.alerts.closed["acme"] = {Alert{.id = "pumping:+49151", .indicator = "pumping"}};
  w.alerts.open["other"]["refused"] = Alert{.id = "refused", .indicator = "refused"};
  const auto s = w.brand("acme");
  REQUIRE(s);
  REQUIRE(s.value().alerts.size() == 1);
  CHECK(s.value().alerts.front().id == "wrong_code");
  const auto a = run_sync(w.ioc, w.service.alerts("acme"));
  REQUIRE(a);
  CHECK(a.value().open.size() == 1);
  REQUIRE(a.value().recent.size() == 1);
  CHECK(a.value().recent.front().indicator == "pumping");
}

TEST_CASE("a store error is the answer, for the brand and for the market", "[app][stats]") {
  StatsWorld w;
  w.stats.failing.insert("other");
  const auto s = w.brand("acme");  // the market needs the other brand too
  REQUIRE_FALSE(s);
  CHECK(s.error() == errc::store_unavailable);
  w.alerts.failing.insert("acme");
  w.stats.failing.clear();
  const auto a = w.brand("acme");
  REQUIRE_FALSE(a);
  CHECK(a.error() == errc::store_unavailable);
}
