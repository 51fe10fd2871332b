// The network signals in the stats answers (api/stats_json.cpp): each signal indicator with its
// rate per 1,000 starts and per 1,000 of its checks, the market's rates rounded for a brand and
// hidden while the other brands made too few such checks, exact for all-brands keys, never the
// other brands' volumes; and the signal columns of both CSVs.
#include "otpgate/api/router.hpp"
#include "otpgate/api/stats_api.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace otpgate;
using json = nlohmann::json;
namespace an = otpgate::analytics;

namespace {

constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z

Figures figures(std::int64_t started, an::Counts totals) {
  Figures f;
  f.funnel.started = started;
  totals["c:started"] = started;
  f.totals = std::move(totals);
  return f;
}

// Brand "mine": 10 starts, 12 creates that asked a signal; the others: 200 starts, 150 SIM swap
// checks but only 50 KYC checks (too few to show the market's KYC rates per check).
BrandStats two_brands() {
  BrandStats s{.brand = "mine",
               .query = an::StatsQuery{
                   .granularity = an::Granularity::hour, .from_ms = t0, .to_ms = t0 + 3'600'000}};
  s.own = figures(10, {{"e:signal_checks", 12},
                       {"e:sim_swap_checks", 10},
                       {"e:sim_swaps", 2},
                       {"e:kyc_checks", 4},
                       {"e:kyc_mismatches", 1},
                       {"e:flagged", 3},
                       {"e:refused_sim_swap", 1}});
  s.rest = figures(200, {{"e:signal_checks", 160},
                         {"e:sim_swap_checks", 150},
                         {"e:sim_swaps", 3},
                         {"e:kyc_checks", 50},
                         {"e:kyc_mismatches", 10},
                         {"e:flagged", 5}});
  s.market = s.own;
  s.market += s.rest;
  s.market_brands = 2;
  s.series.push_back(SeriesPoint{.start_ms = t0, .funnel = s.own.funnel});
  for (std::string_view i : an::signal_indicators)
    s.series.back().signals[std::string(i)] = an::count_of(s.own.totals, "e:" + std::string(i));
  return s;
}

}  // namespace

TEST_CASE("a brand sees its signal indicators per start and per check against the market",
          "[component][analytics][signals]") {
  const json j = api::brand_stats_json(two_brands(), t0 + 60'000);
  const json& f = j["fraud"];
  CHECK(f["sim_swaps"] == json({{"count", 2},
                                {"per_1000", 200.0},
                                {"market_per_1000", 24.0},  // 5 / 210 starts, rounded
                                {"per_1000_checked", 200.0},
                                {"market_per_1000_checked", 31.0}}));  // 5 / 160 checks
  CHECK(f["flagged"]["per_1000_checked"] == 250.0);                    // 3 of 12 creates that asked
  CHECK(f["flagged"]["market_per_1000_checked"] == 47.0);              // 8 / 172, rounded
  CHECK(f["refused_sim_swap"]["per_1000_checked"] == 100.0);
  // The others made 50 KYC checks: their KYC rates per check stay hidden (rate per start shown).
  CHECK(f["kyc_mismatches"]["per_1000_checked"] == 250.0);
  CHECK(f["kyc_mismatches"]["market_per_1000_checked"].is_null());
  CHECK(f["kyc_mismatches"]["market_per_1000"] == 52.0);  // 11 / 210 starts
  CHECK(f["kyc_errors"]["per_1000_checked"] == 0.0);  // none in 4 KYC checks
  // The checks themselves are plain indicators (a share of the starts).
  CHECK(f["sim_swap_checks"] ==
        json({{"count", 10}, {"per_1000", 1000.0}, {"market_per_1000", 762.0}}));
  // Never the other brands' volumes: the market has rates only.
  for (const auto& [name, entry] : f.items()) {
    if (name == "rate_limited_by_kind") continue;
    CAPTURE(name);
    CHECK(entry.size() == (an::checks_of(name) ? 5u : 3u));
  }
  CHECK(j["market"].contains("fraud") == false);
  // The series point carries the bucket's signal counts.
  CHECK(j["series"][0]["signals"]["sim_swaps"] == 2);
  CHECK(j["series"][0]["signals"].size() == an::signal_indicators.size());
}

TEST_CASE("while the market is not comparable its signal rates are null",
          "[component][analytics][signals]") {
  BrandStats s = two_brands();
  s.rest = figures(50, {{"e:sim_swap_checks", 150}, {"e:sim_swaps", 3}});  // 50 other starts
  s.market = s.own;
  s.market += s.rest;
  const json f = api::brand_stats_json(s, t0 + 60'000)["fraud"];
  CHECK(f["sim_swaps"]["market_per_1000"].is_null());
  CHECK(f["sim_swaps"]["market_per_1000_checked"].is_null());
  CHECK(f["sim_swaps"]["per_1000_checked"] == 200.0);
  // A brand that made no KYC check has no KYC rate per check.
  s.own = figures(10, {{"e:sim_swap_checks", 10}, {"e:sim_swaps", 2}});
  CHECK(api::brand_stats_json(s, t0 + 60'000)["fraud"]["kyc_mismatches"]["per_1000_checked"]
            .is_null());
}

TEST_CASE("all-brands keys see exact market rates per check and the market's own",
          "[component][analytics][signals]") {
  const BrandStats b = two_brands();
  MarketStats m{.query = b.query};
  m.brands = {{"mine", b.own}, {"theirs", b.rest}};
  m.market = b.market;
  const json j = api::market_stats_json(m, t0 + 60'000);
  const json& mine = j["brands"][0]["fraud"];
  CHECK(mine["sim_swaps"]["market_per_1000_checked"].get<double>() == Approx(5000.0 / 160));
  CHECK(mine["kyc_mismatches"]["market_per_1000_checked"].get<double>() == Approx(11000.0 / 54));
  const json& market = j["market"]["fraud"];
  CHECK(market["sim_swaps"].size() == 3);  // no market_* beside the market itself
  CHECK(market["sim_swaps"]["count"] == 5);
  CHECK(market["sim_swaps"]["per_1000"].get<double>() == Approx(5000.0 / 210));
  CHECK(market["sim_swaps"]["per_1000_checked"].get<double>() == Approx(5000.0 / 160));
  CHECK(market["flagged"]["count"] == 8);
}

TEST_CASE("both CSVs end each row with the signal counts", "[component][analytics][signals]") {
  const BrandStats b = two_brands();
  const std::string series = api::series_csv(b);
  const std::string signal_header =
      "signal_checks,sim_swap_checks,sim_swaps,sim_swap_errors,kyc_checks,kyc_mismatches,"
      "kyc_errors,flagged,refused_sim_swap,refused_kyc,refused_signal_error\r\n";
  CHECK(series.rfind("from,started,sent,delivered,approved,failed,cancelled,send_failed,expired,"
                     "pending,abandoned," +
                         signal_header,
                     0) == 0);
  CHECK(series.find(
            "\r\n2025-12-03T10:00:00.000Z,10,0,0,0,0,0,0,0,0,0,12,10,2,0,4,1,0,3,1,0,0\r\n") !=
        std::string::npos);
  MarketStats m{.query = b.query};
  m.brands = {{"mine", b.own}, {"theirs", b.rest}};
  m.market = b.market;
  const std::string table = api::market_csv(m);
  CHECK(table.rfind("brand,started,sent,delivered,approved,failed,cancelled,send_failed,expired,"
                    "pending,abandoned," +
                        signal_header,
                    0) == 0);
  CHECK(table.find("\r\ntheirs,200,0,0,0,0,0,0,0,0,0,160,150,3,0,50,10,0,5,0,0,0\r\n") !=
        std::string::npos);
  CHECK(table.find("\r\n*,210,0,0,0,0,0,0,0,0,0,172,160,5,0,54,11,0,8,1,0,0\r\n") !=
        std::string::npos);
}
