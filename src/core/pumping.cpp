#include "otpgate/core/pumping.hpp"

#include <algorithm>
#include <cmath>

namespace otpgate {
namespace {

double decay(double count, std::int64_t dt_ms, std::chrono::milliseconds tau) {
  return count * std::exp(-static_cast<double>(dt_ms) / static_cast<double>(tau.count()));
}

// Sends per ms from a decayed count: a constant rate r for a time e leaves r * tau * (1 -
// exp(-e / tau)) in the count.
double rate_of(double count, std::int64_t elapsed_ms, std::chrono::milliseconds tau) {
  const double t = static_cast<double>(tau.count());
  return count / (t * (1 - std::exp(-static_cast<double>(elapsed_ms) / t)));
}

// The counts decayed to now (none before the first update; a clock going back: no decay).
Traffic decayed(const Traffic& t, std::int64_t now_ms, const PumpingPolicy& p) {
  const std::int64_t dt = t.updated_ms == 0 ? 0 : std::max<std::int64_t>(0, now_ms - t.updated_ms);
  return Traffic{.recent = decay(t.recent, dt, p.window),
                 .baseline = decay(t.baseline, dt, p.baseline),
                 .updated_ms = now_ms,
                 .blocked_until_ms = t.blocked_until_ms};
}

// Recent rate over baseline rate.
double growth(double recent, double baseline, std::int64_t elapsed_ms, const PumpingPolicy& p) {
  return rate_of(recent, elapsed_ms, p.window) / rate_of(baseline, elapsed_ms, p.baseline);
}

}  // namespace

bool PumpingPolicy::safelisted(std::string_view e164) const {
  return std::any_of(safelist.begin(), safelist.end(),
                     [&](const std::string& entry) { return e164.starts_with(entry); });
}

double PumpingPolicy::max_factor() const {
  return static_cast<double>(baseline.count()) / (2.0 * static_cast<double>(window.count()));
}

bool is_safelist_entry(std::string_view s) {
  if (s.size() < 3 || s.size() > 16 || s[0] != '+') return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

PumpingDecision pumping_admit(const Traffic& prefix, const Traffic& brand,
                              std::int64_t watching_since_ms, std::int64_t now_ms,
                              const PumpingPolicy& policy) {
  if (prefix.blocked_until_ms > now_ms)
    return PumpingDecision{.verdict = PumpingVerdict::blocked,
                           .prefix = prefix,
                           .brand = brand,
                           .retry_after_ms = prefix.blocked_until_ms - now_ms};
  Traffic p = decayed(prefix, now_ms, policy);
  Traffic b = decayed(brand, now_ms, policy);
  p.blocked_until_ms = 0;
  const std::int64_t elapsed = std::max<std::int64_t>(1, now_ms - watching_since_ms);
  const double prefix_growth = growth(p.recent + 1, p.baseline + 1, elapsed, policy);
  // The other prefixes' growth; with too little other traffic to tell, no growth (1).
  const double rest_recent = std::max(0.0, b.recent - p.recent);
  const double rest_baseline = std::max(0.0, b.baseline - p.baseline);
  const double rest_growth = rest_baseline >= policy.min_sends && rest_recent > 0
                                 ? growth(rest_recent, rest_baseline, elapsed, policy)
                                 : 1.0;
  // The decayed count rounded: sends a few seconds apart still count as whole sends.
  if (p.recent + 1.5 >= policy.min_sends &&
      prefix_growth > policy.factor * std::max(1.0, rest_growth)) {
    p.blocked_until_ms = now_ms + policy.block.count();
    return PumpingDecision{.verdict = PumpingVerdict::tripped,
                           .prefix = p,
                           .brand = b,
                           .retry_after_ms = policy.block.count()};
  }
  p.recent += 1;
  p.baseline += 1;
  b.recent += 1;
  b.baseline += 1;
  return PumpingDecision{.prefix = p, .brand = b};
}

}  // namespace otpgate
