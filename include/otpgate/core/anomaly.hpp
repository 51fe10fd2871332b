// Anomaly alerts: when is a brand's indicator unusual? Pure rules; app/alert_monitor gathers
// the counts and keeps the alerts.
//
// Every indicator is a rate per 1,000 verifications started in the alert window (the last
// `window_minutes`). It is compared with two references: the brand's own baseline (the same
// hour of the day over the last `baseline_days` days) and the rest of the market (every other
// brand) in the same window. An alert is open while the brand's rate exceeds `factor` times the
// larger reference and the window holds at least `min_events` such events; it closes when
// either stops being true.
//
// The pumping signature is judged per destination prefix: at least `min_events` starts in the
// window, `factor` times the prefix's usual hourly starts, and a conversion (approved/started)
// below the reference conversion (the brand's baseline or the market's, whichever is higher;
// 0.5 when neither has data) divided by `factor`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

struct AlertPolicy {
  bool enabled = true;
  double factor = 3.0;
  std::int64_t min_events = 20;
  int window_minutes = 60;
  int baseline_days = 7;
  std::string webhook_url;         // "" = no webhook
  std::string webhook_secret_env;  // the variable holding the HMAC-SHA256 key
};

// A count of events and the verifications started alongside it.
struct Sample {
  std::int64_t count = 0;
  std::int64_t started = 0;
};

// Events per 1,000 starts; with no start the events themselves count as the rate's numerator
// over one start (a burst of refused creates starts nothing and must still register).
double rate_per_1000(const Sample& s);

// An alert as kept and served.
struct Alert {
  std::string id;         // the indicator, or "pumping:<prefix>"
  std::string indicator;  // an analytics indicator (core/analytics.hpp) or "pumping"
  std::string prefix;     // pumping: the destination prefix
  std::int64_t opened_ms = 0;
  std::int64_t updated_ms = 0;  // the last evaluation that found it open
  std::int64_t closed_ms = 0;   // 0 while open
  std::int64_t count = 0;       // events (pumping: starts) in the window when last evaluated
  double value = 0;             // see Judgement
  double reference = 0;
  double factor = 0;
};

struct Judgement {
  bool anomalous = false;
  double value = 0;      // the brand's rate (per 1,000 starts; pumping: its conversion)
  double reference = 0;  // what it was compared with
};

// An indicator: the brand's window, its baseline (summed over the baseline days) and the rest
// of the market's window.
Judgement judge_rate(const Sample& brand, const Sample& baseline, const Sample& market,
                     const AlertPolicy& policy);

// A destination prefix: starts and approvals in the window, the prefix's usual starts per
// hour, and the reference conversion (nullopt: no data anywhere).
Judgement judge_prefix(std::int64_t starts, std::int64_t approved, double usual_starts_per_hour,
                       std::optional<double> reference_conversion, const AlertPolicy& policy);

}  // namespace otpgate
