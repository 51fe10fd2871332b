// AlertMonitor (src/app/alert_monitor.cpp) on in-memory analytics and alert stores: a pass
// opens an alert for an indicator far above its reference (stored, an anomaly_opened event, a
// signed webhook), closes it when the window is back to normal, and evaluates nothing without
// the brand's lease.
#include "otpgate/app/alert_monitor.hpp"

#include "app/service_world.hpp"
#include "support/fakes/http_client.hpp"
#include "support/fakes/stats_store.hpp"

using namespace otpgate;
using namespace otpgate::test;
namespace an = otpgate::analytics;

namespace {

struct AlertWorld {
  boost::asio::io_context ioc;
  FakeClock clock{t0 + 30 * 60'000};
  FakeStatsStore stats;
  FakeAlertStore alerts;
  RecordingEventSink events;
  RecordingHttpClient http;
  FakeSigner signer;
  BrandRegistry registry{catalog()};
  std::map<std::string, std::size_t> open_counts;
  // The monitor's dependencies; a pass uses a monitor of its own (a stopped one stays stopped).
  AlertMonitorDeps deps() {
    return AlertMonitorDeps{
        .ioc = ioc,
        .brands = registry,
        .stats = stats,
        .alerts = alerts,
        .events = events,
        .http = http,
        .signer = signer,
        .clock = clock,
        .period = std::chrono::milliseconds(3'600'000),
        .env = [](const std::string& name) { return name == "ACME_HOOK" ? "hook-secret" : ""; },
        .on_open_count = [this](const std::string& b, std::size_t n) { open_counts[b] = n; }};
  }

  static BrandCatalog catalog() {
    Brand b = test_brand();
    b.alerts.webhook_url = "https://hooks.example.com/otp";
    b.alerts.webhook_secret_env = "ACME_HOOK";
    return BrandCatalog{{"acme", b}};
  }
  // 30 wrong codes for 10 starts in the current minute: 3,000 per 1,000, far above the floor.
  void attack() {
    stats.add("acme", an::Granularity::minute,
              an::bucket_floor(clock.now_ms(), an::Granularity::minute),
              an::Counts{{"c:started", 10}, {"e:wrong_codes", 30}});
  }
  // One evaluation pass (the first runs at once; the next would wait an hour), and the
  // webhooks it posts.
  void pass() {
    AlertMonitor monitor{deps()};
    monitor.start();
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(30));
    monitor.stop();
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(10));
  }
};

}  // namespace

TEST_CASE("an indicator far above its reference opens an alert, an event and a signed webhook",
          "[app][alerts]") {
  AlertWorld w;
  w.attack();
  w.pass();
  REQUIRE(w.alerts.open["acme"].count("wrong_codes") == 1);
  const Alert& a = w.alerts.open["acme"]["wrong_codes"];
  CHECK(a.count == 30);
  CHECK(a.opened_ms == w.clock.now_ms());
  CHECK(w.open_counts["acme"] == 1);
  REQUIRE(w.events.count(EventType::anomaly_opened) == 1);
  CHECK(w.events.last(EventType::anomaly_opened)->reason == "wrong_codes");
  REQUIRE(w.http.requests.size() == 1);
  const HttpRequest& hook = w.http.requests.front();
  CHECK(hook.url == "https://hooks.example.com/otp");
  const auto body = nlohmann::json::parse(hook.body);
  CHECK(body["type"] == "alert.opened");
  CHECK(body["alert"]["indicator"] == "wrong_codes");
  std::string timestamp, signature;
  for (const auto& [name, value] : hook.headers) {
    if (name == "X-Otpgate-Timestamp") timestamp = value;
    if (name == "X-Otpgate-Signature") signature = value;
  }
  CHECK(timestamp == std::to_string(w.clock.now_ms() / 1000));
  CHECK(signature ==
        "sha256=" + w.signer.hmac_sha256_hex("hook-secret", timestamp + "." + hook.body));
}

TEST_CASE("an open alert closes once the window is back to normal", "[app][alerts]") {
  AlertWorld w;
  w.attack();
  w.pass();
  REQUIRE(w.alerts.open["acme"].size() == 1);
  w.pass();  // still in the window: stays open, no second event
  CHECK(w.alerts.open["acme"].size() == 1);
  CHECK(w.events.count(EventType::anomaly_opened) == 1);
  w.clock.advance(2 * 3'600'000);  // the attack's minute left the window
  w.pass();
  CHECK(w.alerts.open["acme"].empty());
  REQUIRE(w.alerts.closed["acme"].size() == 1);
  CHECK(w.alerts.closed["acme"].front().closed_ms == w.clock.now_ms());
  CHECK(w.events.count(EventType::anomaly_closed) == 1);
  REQUIRE(w.http.requests.size() == 2);
  CHECK(nlohmann::json::parse(w.http.requests.back().body)["type"] == "alert.closed");
  CHECK(w.open_counts["acme"] == 0);
}

TEST_CASE("without the brand's lease nothing is evaluated", "[app][alerts]") {
  AlertWorld w;
  w.attack();
  w.alerts.leased.insert("acme");
  w.pass();
  CHECK(w.alerts.open["acme"].empty());
  CHECK(w.events.events.empty());
  CHECK(w.http.requests.empty());
}

TEST_CASE("judge_brand: a prefix surging without conversions is the pumping alert",
          "[app][alerts]") {
  const AlertPolicy p{.min_events = 20};
  AlertInputs in;
  // 40 starts to +49151 this window, none approved; usually 7 a day there, most approved.
  in.converted_window = {{"c:started", 40}, {"c:started|px=+49151", 40}};
  in.window = in.converted_window;
  in.baseline = {{"c:started", 49},
                 {"c:approved", 45},
                 {"c:started|px=+49151", 49},
                 {"c:approved|px=+49151", 45}};
  const auto judged = judge_brand(p, in, {}, t0);
  REQUIRE(judged.count("pumping:+49151") == 1);
  CHECK(judged.at("pumping:+49151").prefix == "+49151");
  CHECK(judged.at("pumping:+49151").count == 40);
  // The same prefix converting as usual is no alert.
  in.converted_window["c:approved|px=+49151"] = 36;
  CHECK(judge_brand(p, in, {}, t0).count("pumping:+49151") == 0);
}
