// otpgate_open_alerts on the real binary: an alert the analytics open (a burst of wrong codes, as
// in alerts_test.cpp) shows as an open alert of its brand on /metrics.
#include "analytics_world.hpp"

#include "support/metrics_text.hpp"

using namespace otpgate::test;
using namespace otpgate::test::analytics_e2e;

TEST_CASE("an open analytics alert shows on /metrics for its brand", "[e2e][metrics][alerts]") {
  MixWorld w(R"({"max_attempts":5})", R"(,"alerts":{"factor":3,"min_events":5,"window_minutes":1})",
             {{"OTPGATE_ALERT_INTERVAL_MS", "300"}});
  const std::string series = R"(otpgate_open_alerts{brand=")" + w.brand + "\"}";
  const std::string url = w.url("/metrics");
  CHECK(sample(http_get(url).body, series) == 0);
  // 3 verifications, 2 wrong codes each (below the lock at 3): 6 wrong codes for 3 starts.
  for (int i = 0; i < 3; ++i) {
    const std::string id = w.create(fresh_phone());
    for (int j = 0; j < 2; ++j) REQUIRE(w.check(id, wrong_code(w.code_of(id))).status == 422);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  std::optional<double> open = sample(http_get(url).body, series);
  while (open.value_or(0) < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    open = sample(http_get(url).body, series);
  }
  CHECK(open == 1);
  const std::string text = http_get(url).body;
  CHECK(sample(text, R"(otpgate_verification_checks_total{brand=")" + w.brand +
                         R"(",result="wrong"})") == 6);
}
