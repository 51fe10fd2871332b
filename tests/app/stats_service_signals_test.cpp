// StatsService (src/app/stats_service.cpp) and the network signals: a brand's signal counters
// summed over the range, the market's and the rest's beside them, and each series point with its
// own bucket's signal counts (read with the funnel, by event time).
#include "otpgate/app/stats_service.hpp"

#include "app/service_world.hpp"
#include "support/fakes/stats_store.hpp"

using namespace otpgate;
using namespace otpgate::test;
namespace an = otpgate::analytics;

namespace {

constexpr std::int64_t hour = 3'600'000;
constexpr std::int64_t day = 24 * hour;

BrandCatalog two_brands() {
  Brand other = test_brand();
  other.id = *BrandId::parse("other");
  return BrandCatalog{{"acme", test_brand()}, {"other", other}};
}

}  // namespace

TEST_CASE("signal counters are summed per brand and market and kept per series point",
          "[app][stats][signals]") {
  boost::asio::io_context ioc;
  FakeClock clock{t0 + 10 * day};
  FakeStatsStore stats;
  FakeAlertStore alerts;
  BrandRegistry registry{two_brands()};
  StatsService service{registry, stats, alerts, clock};
  const an::StatsQuery query{
      .granularity = an::Granularity::hour, .from_ms = t0, .to_ms = t0 + day};
  stats.add("acme", an::Granularity::hour, t0,
            {{"c:started", 4}, {"c:last", t0}, {"e:sim_swap_checks", 4}, {"e:sim_swaps", 1}});
  stats.add("acme", an::Granularity::hour, t0 + 3 * hour,
            {{"e:sim_swap_checks", 2}, {"e:sim_swaps", 2}, {"e:refused_sim_swap", 2}});
  stats.add("other", an::Granularity::hour, t0 + hour,
            {{"c:started", 10}, {"c:last", t0 + hour}, {"e:sim_swap_checks", 10}});
  const auto s = run_sync(ioc, service.brand("acme", query));
  REQUIRE(s);
  CHECK(an::indicator_counts(s.value().own.totals).at("sim_swaps") == 3);
  CHECK(an::indicator_counts(s.value().own.totals).at("sim_swap_checks") == 6);
  CHECK(an::indicator_counts(s.value().rest.totals).at("sim_swap_checks") == 10);
  CHECK(an::indicator_counts(s.value().market.totals).at("sim_swap_checks") == 16);
  REQUIRE(s.value().series.size() == 24);
  CHECK(s.value().series[0].signals.at("sim_swaps") == 1);
  CHECK(s.value().series[3].signals.at("sim_swaps") == 2);
  CHECK(s.value().series[3].signals.at("refused_sim_swap") == 2);
  CHECK(s.value().series[1].signals.at("sim_swaps") == 0);
  CHECK(s.value().series[0].signals.size() == an::signal_indicators.size());
}
