// otpgate_open_alerts on the real binary: the alert monitor reports each brand's open alerts
// (stored in Redis, shared by all instances) to /metrics on every pass. The alert is stored
// directly, for a brand whose own evaluation is off: a burst that opens one through the analytics
// (alerts_test.cpp) is judged against the whole shared Redis, which parallel tests move.
#include "e2e_helpers.hpp"

#include "support/metrics_text.hpp"
#include "support/redis_server.hpp"

#include "otpgate/store/redis/redis_analytics.hpp"

using namespace otpgate::test;

namespace {

// Polls /metrics until the series has the value (or `timeout` passes); returns the last value.
std::optional<double> wait_for(const std::string& url, const std::string& series, double value) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<double> now = sample(http_get(url).body, series);
  while (now != value && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    now = sample(http_get(url).body, series);
  }
  return now;
}

}  // namespace

TEST_CASE("a brand's open alerts show on /metrics as the monitor counts them",
          "[e2e][metrics][alerts]") {
  TempBrands brands;
  const std::string brand = unique_brand("metrics-alerts");
  brands.add(brand, R"({"display_name":"Alerts","sender_id":"Alerts","locales":["en"],
    "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
    "alerts":{"enabled":false}})");
  brands.add_key("shop", brand, "shop");
  OtpgateOptions o = brands.options();
  o.env["OTPGATE_ALERT_INTERVAL_MS"] = "200";
  OtpgateProcess p(o);
  const std::string url = p.base_url() + "/metrics";
  const std::string series = R"(otpgate_open_alerts{brand=")" + brand + "\"}";
  CHECK(sample(http_get(url).body, series) == 0);

  const std::string key = "otp:{brand:" + brand + "}:alerts";
  const otpgate::Alert alert{.id = "wrong_codes", .indicator = "wrong_codes", .count = 6};
  redis_cli(shared_redis_port(), {"HSET", key, "wrong_codes", otpgate::alert_to_json(alert)});
  redis_cli(shared_redis_port(), {"PEXPIRE", key, "60000"});
  CHECK(wait_for(url, series, 1) == 1);
  redis_cli(shared_redis_port(), {"DEL", key});
  CHECK(wait_for(url, series, 0) == 0);
}
