// The analysts' endpoints (roles analyst and admin): GET /v1/brands/{brand}/stats (one
// dashboard in one call; the series as CSV with Accept: text/csv), GET
// /v1/brands/{brand}/alerts, and GET /v1/stats (all-brands keys: every brand and the market).
// Thin: query parsing (core/analytics_query), one service call, rendering (stats_json.cpp).
#pragma once

#include "otpgate/api/route_table.hpp"
#include "otpgate/app/stats_service.hpp"
#include "otpgate/core/api_keys.hpp"
#include "otpgate/http/message.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace otpgate::api {

struct StatsApiContext {
  StatsService& stats;
  const Clock& clock;
};

class StatsApi {
 public:
  explicit StatsApi(StatsApiContext ctx) : ctx_(ctx) {}
  // getBrandStats, getBrandAlerts (for the path's brand, which the key covers) or
  // getMarketStats (brand ""), the key's roles already checked by the route table.
  task<http::Response> serve(Handler h, http::Request& req, std::string_view brand);

 private:
  task<http::Response> brand_stats(http::Request& req, const std::string& brand);
  task<http::Response> brand_alerts(const std::string& brand);
  task<http::Response> market(http::Request& req);

  StatsApiContext ctx_;
};

// Rendering (stats_json.cpp).
nlohmann::json brand_stats_json(const BrandStats& s, std::int64_t now_ms);
nlohmann::json brand_alerts_json(const std::string& brand, const BrandAlerts& a);
nlohmann::json market_stats_json(const MarketStats& s, std::int64_t now_ms);
std::string series_csv(const BrandStats& s);
std::string market_csv(const MarketStats& s);

}  // namespace otpgate::api
