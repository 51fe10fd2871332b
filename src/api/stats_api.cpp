#include "otpgate/api/stats_api.hpp"

#include "otpgate/api/errors.hpp"
#include "otpgate/core/form_encoding.hpp"

#include <nlohmann/json.hpp>

#include <variant>

namespace otpgate::api {
namespace {

using json = nlohmann::json;
namespace an = analytics;

std::variant<an::StatsQuery, http::Response> parse_query(const http::Request& req,
                                                         std::int64_t now) {
  std::vector<std::pair<std::string, std::string>> params;
  const auto q = req.target.find('?');
  if (q != std::string::npos) {
    const auto fields = form_decode(std::string_view(req.target).substr(q + 1));
    if (!fields) return invalid_argument("query", "The query string is not readable.");
    params = *fields;
  }
  auto parsed = an::parse_stats_query(params, now);
  if (const auto* bad = std::get_if<an::QueryError>(&parsed))
    return invalid_argument(bad->parameter, bad->message);
  return std::get<an::StatsQuery>(parsed);
}

// Accept names text/csv (a media range of the list, parameters aside, not refused with q=0).
bool wants_csv(const http::Request& req) {
  const auto accept = req.header("accept");
  if (!accept) return false;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view range = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto semi = range.find(';');
    std::string_view type = range.substr(0, semi);
    while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    if (type != "text/csv") continue;
    const std::string_view params = semi == std::string_view::npos ? "" : range.substr(semi);
    const bool refused =
        params.find("q=0") != std::string_view::npos &&
        params.find_first_of("123456789", params.find("q=0") + 2) == std::string_view::npos;
    if (!refused) return true;
  }
  return false;
}

http::Response store_error(const boost::system::error_code& e) {
  if (e == make_error_code(errc::not_found))
    return error_response(errc::not_found, "No such brand.");
  return error_response(to_errc(e));
}

http::Response csv_response(std::string body) {
  http::Response r;
  r.status = 200;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(body);
  return r;
}

}  // namespace

task<http::Response> StatsApi::serve(Handler h, http::Request& req, std::string_view brand) {
  const std::string id(brand);
  http::Response r;
  if (h == Handler::market_stats)
    r = co_await market(req);
  else if (h == Handler::brand_alerts)
    r = co_await brand_alerts(id);
  else
    r = co_await brand_stats(req, id);
  co_return r;
}

task<http::Response> StatsApi::brand_stats(http::Request& req, const std::string& brand) {
  const std::int64_t now = ctx_.clock.now_ms();
  auto query = parse_query(req, now);
  if (auto* bad = std::get_if<http::Response>(&query)) co_return std::move(*bad);
  const an::StatsQuery& q = std::get<an::StatsQuery>(query);
  auto stats = co_await ctx_.stats.brand(brand, q);
  if (!stats) co_return store_error(stats.error());
  if (wants_csv(req)) co_return csv_response(series_csv(stats.value()));
  co_return json_response(200, brand_stats_json(stats.value(), now));
}

task<http::Response> StatsApi::brand_alerts(const std::string& brand) {
  auto alerts = co_await ctx_.stats.alerts(brand);
  if (!alerts) co_return store_error(alerts.error());
  co_return json_response(200, brand_alerts_json(brand, alerts.value()));
}

task<http::Response> StatsApi::market(http::Request& req) {
  const std::int64_t now = ctx_.clock.now_ms();
  auto query = parse_query(req, now);
  if (auto* bad = std::get_if<http::Response>(&query)) co_return std::move(*bad);
  const an::StatsQuery& q = std::get<an::StatsQuery>(query);
  auto stats = co_await ctx_.stats.market(q);
  if (!stats) co_return store_error(stats.error());
  if (wants_csv(req)) co_return csv_response(market_csv(stats.value()));
  co_return json_response(200, market_stats_json(stats.value(), now));
}

}  // namespace otpgate::api
