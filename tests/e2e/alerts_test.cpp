// Anomaly alerts on the real binary: an injected burst (wrong codes; sends to one prefix that
// never convert) opens an alert that the API shows, that is evented and POSTed to the brand's
// webhook with a valid signature; it closes when the window no longer holds the burst.
#include "analytics_world.hpp"

#include "support/redis_server.hpp"

using namespace otpgate::test;
using namespace otpgate::test::analytics_e2e;

namespace {

constexpr const char* hook_secret = "e2e-alert-webhook-secret";

struct AlertWorld {
  FakeHttpServer hook{[](const RecordedRequest&) { return FakeReply{.status = 204}; }};
  MixWorld w;

  AlertWorld()
      : w(R"({"max_attempts":5})",
          R"(,"alerts":{"factor":3,"min_events":5,"window_minutes":1,"webhook":{"url":")" +
              hook.base_url() + R"(/hook","secret_env":"E2E_ALERT_SECRET"}})",
          {{"OTPGATE_ALERT_INTERVAL_MS", "300"}, {"E2E_ALERT_SECRET", hook_secret}}) {}

  nlohmann::json alerts() const {
    const auto r =
        http_get(w.url("/v1/brands/" + w.brand + "/alerts"), {bearer(w.brands.key("analyst"))});
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.json();
  }
  // Polls the alerts until pred holds.
  nlohmann::json wait_alerts(const std::function<bool(const nlohmann::json&)>& pred,
                             std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto a = alerts();
    while (!pred(a) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      a = alerts();
    }
    INFO(a.dump());
    REQUIRE(pred(a));
    return a;
  }
  // The webhook POSTs received, each checked for a valid signature.
  std::vector<nlohmann::json> hooks() const {
    std::vector<nlohmann::json> out;
    for (const auto& r : hook.requests()) {
      const std::string ts = r.header("x-otpgate-timestamp");
      const std::string expected =
          "sha256=" + otpgate::crypto::hex_lower(otpgate::crypto::hmac(
                          DigestAlgorithm::sha256, hook_secret, ts + "." + r.body));
      CHECK(r.header("x-otpgate-signature") == expected);
      CHECK(r.header("content-type") == "application/json");
      out.push_back(nlohmann::json::parse(r.body));
    }
    return out;
  }
  std::vector<std::string> events_of_type(const std::string& type) const {
    const std::string out =
        redis_cli(shared_redis_port(), {"XRANGE", "otp:{brand:" + w.brand + "}:events", "-", "+"});
    std::vector<std::string> found;
    std::size_t pos = 0;
    while ((pos = out.find(type, pos)) != std::string::npos) found.push_back(type), ++pos;
    return found;
  }
};

bool has_open(const nlohmann::json& a, const std::string& id) {
  for (const auto& x : a["open"])
    if (x["id"] == id) return true;
  return false;
}

}  // namespace

TEST_CASE("a burst of wrong codes opens an alert, evented and signed to the webhook, and it closes",
          "[e2e][analytics][alerts]") {
  AlertWorld a;
  // 3 verifications, 2 wrong codes each (below the lock at 3): 6 wrong codes for 3 starts.
  for (int i = 0; i < 3; ++i) {
    const std::string id = a.w.create(fresh_phone());
    for (int j = 0; j < 2; ++j) REQUIRE(a.w.check(id, wrong_code(a.w.code_of(id))).status == 422);
  }
  const auto open = a.wait_alerts(
      [](const nlohmann::json& x) { return has_open(x, "wrong_codes"); }, std::chrono::seconds(15));
  for (const auto& x : open["open"]) {
    if (x["id"] != "wrong_codes") continue;
    CHECK(x["state"] == "open");
    // The monitor may judge the window between the fifth and the sixth wrong code: it opens at
    // min_events (5), whatever came after.
    CHECK(x["count"].get<int>() >= 5);
    CHECK(x["value"].get<double>() > 3 * x["reference"].get<double>());
    CHECK(x["closed_at"].is_null());
  }
  // The stats show it, the stream has the event, the webhook got it signed.
  const auto stats = a.w.stats();
  bool in_stats = false;
  for (const auto& x : stats["alerts"]) in_stats = in_stats || x["id"] == "wrong_codes";
  CHECK(in_stats);
  CHECK(!a.events_of_type("anomaly_opened").empty());
  REQUIRE(a.hook.wait_for_requests(1, std::chrono::seconds(10)));
  const auto first = a.hooks().front();
  CHECK(first["type"] == "alert.opened");
  CHECK(first["brand"] == a.w.brand);
  CHECK(first["alert"]["id"] == "wrong_codes");

  // The window is one minute: once it no longer holds the burst, the alert closes.
  const auto closed = a.wait_alerts(
      [](const nlohmann::json& x) { return !has_open(x, "wrong_codes") && !x["recent"].empty(); },
      std::chrono::seconds(90));
  CHECK(closed["recent"][0]["id"] == "wrong_codes");
  CHECK(closed["recent"][0]["state"] == "closed");
  CHECK(closed["recent"][0]["closed_at"].is_string());
  REQUIRE(a.hook.wait_for_requests(2, std::chrono::seconds(10)));
  CHECK(a.hooks().back()["type"] == "alert.closed");
  CHECK(!a.events_of_type("anomaly_closed").empty());
}

TEST_CASE("sends to one prefix that never convert open a pumping alert",
          "[e2e][analytics][alerts]") {
  AlertWorld a;
  for (int i = 0; i < 6; ++i) a.w.create(fresh_phone());  // all +49151..., none approved
  const auto open =
      a.wait_alerts([](const nlohmann::json& x) { return has_open(x, "pumping:+49151"); },
                    std::chrono::seconds(15));
  for (const auto& x : open["open"]) {
    if (x["id"] != "pumping:+49151") continue;
    CHECK(x["indicator"] == "pumping");
    CHECK(x["prefix"] == "+49151");
    CHECK(x["count"].get<int>() >= 6);
    CHECK(x["value"].get<double>() == 0.0);
  }
  REQUIRE(a.hook.wait_for_requests(1, std::chrono::seconds(10)));
  CHECK(a.hooks().front()["alert"]["prefix"] == "+49151");
  // The stats count the anomaly among the brand's indicators.
  a.w.wait_stats([](const nlohmann::json& s) { return at(s, "/fraud/anomalies/count") >= 1; });
}

TEST_CASE("a webhook whose signing key is not set stops start-up with the reason",
          "[e2e][analytics][alerts]") {
  TempBrands brands;
  brands.add("hooked", R"({"display_name":"Hooked","sender_id":"Hooked","locales":["en"],
    "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
    "alerts":{"webhook":{"url":"http://127.0.0.1:9/hook","secret_env":"E2E_UNSET_HOOK_SECRET"}}})");
  brands.add_key("shop", "hooked", "shop");
  OtpgateOptions o = brands.options();
  o.unset.push_back("E2E_UNSET_HOOK_SECRET");
  o.wait_healthy = false;
  OtpgateProcess p(o);
  const auto status = p.wait_exit();
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  CHECK(p.log_text().find("/alerts/webhook/secret_env") != std::string::npos);
  CHECK(p.log_text().find("E2E_UNSET_HOOK_SECRET") != std::string::npos);
}
