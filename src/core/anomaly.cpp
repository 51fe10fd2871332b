#include "otpgate/core/anomaly.hpp"

#include <algorithm>

namespace otpgate {

double rate_per_1000(const Sample& s) {
  return static_cast<double>(s.count) * 1000.0 /
         static_cast<double>(std::max<std::int64_t>(1, s.started));
}

namespace {

// An open alert stays open until its indicator is clearly back: below this share of the opening
// threshold, or its events below this share of min_events (no flapping around the threshold).
constexpr double keep_open_share = 0.75;
constexpr double keep_open_events_share = 0.5;

double threshold_factor(const AlertPolicy& p, bool open) {
  return open ? p.factor * keep_open_share : p.factor;
}

double min_events(const AlertPolicy& p, bool open) {
  return open ? static_cast<double>(p.min_events) * keep_open_events_share
              : static_cast<double>(p.min_events);
}

}  // namespace

Judgement judge_rate(const Sample& brand, const Sample& baseline, const Sample& market,
                     const AlertPolicy& policy, bool open) {
  Judgement j;
  j.value = rate_per_1000(brand);
  // The brand's own history when it has one; the rest of the market otherwise (so one brand
  // under attack cannot lift the reference another brand is judged against); never below the
  // floor (a first day with no history at all must not alert on ordinary traffic).
  if (baseline.started > 0)
    j.reference = rate_per_1000(baseline);
  else if (market.started > 0)
    j.reference = rate_per_1000(market);
  j.reference = std::max(j.reference, policy.floor_per_1000);
  j.anomalous = static_cast<double>(brand.count) >= min_events(policy, open) &&
                j.value > threshold_factor(policy, open) * j.reference;
  return j;
}

Judgement judge_prefix(std::int64_t starts, std::int64_t approved, double usual_starts_per_hour,
                       std::optional<double> reference_conversion, const AlertPolicy& policy,
                       bool open) {
  Judgement j;
  j.value = starts > 0 ? static_cast<double>(approved) / static_cast<double>(starts) : 0.0;
  j.reference = reference_conversion.value_or(0.5);
  // The usual volume scaled to the window.
  const double usual = usual_starts_per_hour * policy.window_minutes / 60.0;
  const double factor = threshold_factor(policy, open);
  const bool surge = static_cast<double>(starts) >= min_events(policy, open) &&
                     static_cast<double>(starts) > factor * usual;
  j.anomalous = surge && j.value * factor <= j.reference && j.value < j.reference;
  return j;
}

}  // namespace otpgate
