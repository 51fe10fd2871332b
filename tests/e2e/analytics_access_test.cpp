// The analytics API's boundaries on the real binary: the market is the sum over the brands, a
// brand's analyst sees market rates but never another brand's volumes, other roles are refused,
// bad queries get 400 naming the parameter, and the series comes as CSV.
#include "analytics_world.hpp"

#include <cmath>

using namespace otpgate::test;
using namespace otpgate::test::analytics_e2e;

namespace {

// Creates n verifications for a brand's shop key and approves the first `approve` of them.
void traffic(MixWorld& w, const std::string& shop_key_id, int n, int approve) {
  for (int i = 0; i < n; ++i) {
    const auto r = w.create_raw({{"phone_number", fresh_phone()}}, shop_key_id);
    REQUIRE(r.status == 201);
    const std::string id = r.json()["id"];
    if (i < approve) REQUIRE(w.check(id, w.code_of(id), shop_key_id).status == 200);
  }
}

HttpResponse market(const MixWorld& w, const std::string& key_id, const std::string& accept = "") {
  Headers h = {bearer(w.brands.key(key_id))};
  if (!accept.empty()) h.emplace_back("Accept", accept);
  return http_get(w.url("/v1/stats"), h);
}

}  // namespace

TEST_CASE("the market is the sum over the brands, and a brand sees only market rates",
          "[e2e][analytics]") {
  MixWorld w(R"({"max_attempts":3})", "", {}, 2);
  traffic(w, "shop", 4, 3);
  traffic(w, "shop:" + w.others[0], 2, 1);
  traffic(w, "shop:" + w.others[1], 3, 0);
  // Wait until all 9 starts and 4 approvals are counted.
  nlohmann::json all;
  for (int i = 0; i < 100; ++i) {
    const auto r = market(w, "admin");
    REQUIRE(r.status == 200);
    all = r.json();
    if (at(all, "/market/funnel/started") == 9 && at(all, "/market/funnel/approved") == 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(all.dump());
  REQUIRE(all["brands"].size() == 3);
  std::int64_t started = 0, approved = 0, sent = 0;
  for (const auto& row : all["brands"]) {
    started += at(row, "/funnel/started");
    approved += at(row, "/funnel/approved");
    sent += at(row, "/funnel/sent");
  }
  CHECK(started == at(all, "/market/funnel/started"));
  CHECK(approved == at(all, "/market/funnel/approved"));
  CHECK(sent == at(all, "/market/funnel/sent"));
  CHECK(at(all, "/market/funnel/started") == 9);
  // The all-brands view is exact.
  CHECK(all["market"]["rates"]["conversion"].get<double>() == Approx(4.0 / 9.0));

  // The brand's own view: its volumes and nobody else's. With 5 starts elsewhere the market is
  // not shown (its exact rates would give the other brands' volumes away).
  const auto own = w.stats();
  CHECK(at(own, "/funnel/started") == 4);
  CHECK(own["market"]["brands"] == 3);
  CHECK(own["market"]["comparable"] == false);
  CHECK(own["market"]["rates"]["conversion"].is_null());
  CHECK(own["fraud"]["wrong_codes"]["market_per_1000"].is_null());
  CHECK(!own["market"].contains("funnel"));
  for (const auto& other : w.others) CHECK(own.dump().find(other) == std::string::npos);
  // With 100 more starts elsewhere (50 approved) it is, rounded to 0.1 %.
  traffic(w, "shop:" + w.others[1], 100, 50);
  const auto compared = w.wait_stats([](const nlohmann::json& s) {
    return s["market"]["comparable"] == true &&
           std::abs(s["market"]["rates"]["conversion"].get<double>() - 54.0 / 109.0) < 0.001;
  });
  CHECK(compared["market"]["rates"]["conversion"].get<double>() == Approx(0.495));
  CHECK(compared["fraud"]["wrong_codes"]["market_per_1000"].is_number());
  CHECK(at(compared, "/funnel/started") == 4);

  // A brand-bound analyst: 403 on another brand and on the all-brands view.
  require_error(w.stats_raw("", "analyst", w.others[0]), 403, "PERMISSION_DENIED");
  require_error(market(w, "analyst"), 403, "PERMISSION_DENIED");
  require_error(http_get(w.url("/v1/brands/" + w.brand + "/alerts"),
                         {bearer(w.brands.key("analyst:" + w.others[0]))}),
                403, "PERMISSION_DENIED");
  // Other roles: 403; no key: 401; an unknown brand for a * key: 404.
  for (const char* role : {"shop", "support", "manager"}) {
    INFO(role);
    require_error(w.stats_raw("", role), 403, "PERMISSION_DENIED");
    require_error(
        http_get(w.url("/v1/brands/" + w.brand + "/alerts"), {bearer(w.brands.key(role))}), 403,
        "PERMISSION_DENIED");
  }
  require_error(http_get(w.url("/v1/brands/" + w.brand + "/stats")), 401, "UNAUTHENTICATED");
  require_error(w.stats_raw("", "admin", "no-such-brand"), 404, "NOT_FOUND");
  // The admin sees the brand's stats too, and POST is not a method of stats.
  CHECK(w.stats_raw("", "admin").status == 200);
  require_error(http_post_json(w.url("/v1/brands/" + w.brand + "/stats"), nlohmann::json::object(),
                               {bearer(w.brands.key("analyst"))}),
                405, "METHOD_NOT_ALLOWED");

  // CSV: the series, and the per-brand table for the market.
  Headers h = {bearer(w.brands.key("analyst")), {"Accept", "text/csv"}};
  const auto series = http_get(w.url("/v1/brands/" + w.brand + "/stats?granularity=minute"), h);
  REQUIRE(series.status == 200);
  CHECK(series.header("content-type").find("text/csv") == 0);
  CHECK(series.body.rfind("from,started,sent,delivered,approved,failed,cancelled,send_failed,"
                          "expired,pending,abandoned,signal_checks,sim_swap_checks,sim_swaps,"
                          "sim_swap_errors,kyc_checks,kyc_mismatches,kyc_errors,flagged,"
                          "refused_sim_swap,refused_kyc,refused_signal_error\r\n",
                          0) == 0);
  // 24 h by minute: a header and 1,440 or 1,441 rows (the current minute included).
  const auto rows = std::count(series.body.begin(), series.body.end(), '\n');
  CHECK(rows >= 1441);
  CHECK(rows <= 1442);
  const auto table = market(w, "admin", "text/csv");
  REQUIRE(table.status == 200);
  CHECK(table.body.find(w.brand + ",4,4,") != std::string::npos);
  // An unknown brand's alerts are 404 too.
  require_error(http_get(w.url("/v1/brands/no-such-brand/alerts"), {bearer(w.brands.key("admin"))}),
                404, "NOT_FOUND");
}

TEST_CASE("bad stats queries answer 400 naming the parameter", "[e2e][analytics]") {
  MixWorld w;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"from=2026-12-03T10:00:00Z&to=2026-12-03T09:00:00Z", "from"},
      {"from=2026-12-03T10:00:00Z&to=2026-12-03T10:00:00Z", "from"},
      {"granularity=week", "granularity"},
      {"granularity=", "granularity"},
      {"granularity=minute&from=2020-01-01T00:00:00Z", "from"},
      {"granularity=hour&from=2020-01-01T00:00:00Z", "from"},
      {"granularity=minute&from=2026-11-01T00:00:00Z&to=2026-11-03T00:00:00Z", "from"},
      {"from=yesterday", "from"},
      {"to=2026-13-01T00:00:00Z", "to"},
      {"to=2026-02-30T00:00:00Z", "to"},
      {"from=2026-12-03T10:00:00", "from"},
      {"from=2026-12-03%2010:00:00Z", "from"},
      {"from=" + std::string(5000, '9'), "from"},
      {"foo=bar", "query"},
      {"granularity=hour&granularity=day", "granularity"},
      {"from=%ZZ", "query"},
      {"from=2026-12-03T10:00:00Z%00", "from"},
      {"<script>=1", "query"},
  };
  for (const auto& [query, field] : bad) {
    INFO(query);
    require_error(w.stats_raw(query), 400, "INVALID_ARGUMENT", field);
    require_error(http_get(w.url("/v1/stats?" + query), {bearer(w.brands.key("admin"))}), 400,
                  "INVALID_ARGUMENT", field);
  }
  // More than 2,000 points: 3 days by minute (within the minute retention).
  const auto now = std::chrono::system_clock::now();
  const auto from = std::chrono::duration_cast<std::chrono::seconds>(
                        (now - std::chrono::hours(47)).time_since_epoch())
                        .count();
  std::time_t t = static_cast<std::time_t>(from);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  require_error(w.stats_raw(std::string("granularity=minute&from=") + buf), 400, "INVALID_ARGUMENT",
                "granularity");
  // The same range by hour is fine, as is an offset time.
  CHECK(w.stats_raw(std::string("granularity=hour&from=") + buf).status == 200);
  CHECK(w.stats_raw("from=2026-12-01T10:00:00.5%2B01:00&granularity=day").status == 200);
  // The server still serves.
  CHECK(w.stats_raw().status == 200);
}
