// Real-time anomaly alerts: every period, per brand (one evaluator per brand across instances,
// by a lease in Redis), the brand's indicators over the alert window are judged against its own
// baseline and the rest of the market (core/anomaly.hpp). A new anomaly opens an alert (stored,
// an anomaly_opened event, the brand's webhook); an alert whose indicator is back to normal
// closes (anomaly_closed, the webhook). Runs on one io thread; never on a request's path.
#pragma once

#include "otpgate/app/brand_registry.hpp"
#include "otpgate/core/analytics_report.hpp"
#include "otpgate/core/anomaly.hpp"
#include "otpgate/ports/alert_store.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/event_sink.hpp"
#include "otpgate/ports/http_client.hpp"
#include "otpgate/ports/signer.hpp"
#include "otpgate/ports/stats_store.hpp"

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>

namespace otpgate {

// An alert as the API and the webhook show it.
nlohmann::json alert_json(const Alert& a);

// The webhook's signature: hex HMAC-SHA256 under the secret of "<timestamp>.<body>".
std::string webhook_signature(const Signer& signer, std::string_view secret,
                              std::string_view timestamp, std::string_view body);

// What one brand's alerts are judged on.
struct AlertInputs {
  analytics::Counts window;            // the brand's alert window
  analytics::Counts converted_window;  // the same without the current minute (conversion)
  analytics::Counts baseline;          // the same hour on each baseline day, summed
  analytics::Counts rest;              // the other brands' window
  int baseline_days = 7;
};

// The alerts that should be open for one brand (open: the ids open now, judged with the
// keep-open thresholds).
std::map<std::string, Alert> judge_brand(const AlertPolicy& policy, const AlertInputs& in,
                                         const std::set<std::string>& open, std::int64_t now_ms);

struct AlertMonitorDeps {
  boost::asio::io_context& ioc;
  const BrandRegistry& brands;
  StatsStore& stats;
  AlertStore& alerts;
  EventSink& events;
  HttpClient& http;      // posts the webhooks
  const Signer& signer;  // signs them
  const Clock& clock;
  std::chrono::milliseconds period{60'000};
  // Reads an environment variable (the webhook secrets); "" when unset.
  std::function<std::string(const std::string&)> env;
  // Called after each pass with each brand's open alerts (for /metrics).
  std::function<void(const std::string& brand, std::size_t open)> on_open_count;
};

class AlertMonitor {
 public:
  explicit AlertMonitor(AlertMonitorDeps deps) : d_(std::move(deps)), timer_(d_.ioc) {}
  void start();
  void stop();

 private:
  task<void> run();
  task<void> pass();
  // The minute buckets of the last `minutes` minutes, the current one included.
  std::vector<analytics::Tile> window_of(int minutes) const;
  // Every brand's totals over that window.
  task<result<std::map<std::string, analytics::Counts>>> window_totals(const BrandCatalog& brands,
                                                                       int minutes);
  // Judges one brand against its baseline and `rest` (the other brands' window totals).
  task<void> evaluate(const Brand& brand, const analytics::Counts& rest);
  // Opens, updates and closes the brand's stored alerts to match what was judged.
  task<void> apply(const Brand& brand, const std::vector<Alert>& open,
                   const std::map<std::string, Alert>& judged, std::int64_t now);
  // Posts the change to the brand's webhook, retried with backoff (detached: a slow receiver
  // delays nothing else).
  void notify(const Brand& brand, const Alert& a, bool opened);
  void emit(const std::string& brand, const Alert& a, bool opened);

  AlertMonitorDeps d_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace otpgate
