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

}  // namespace

bool PumpingPolicy::safelisted(std::string_view e164) const {
  return std::any_of(safelist.begin(), safelist.end(),
                     [&](const std::string& entry) { return e164.starts_with(entry); });
}

bool is_safelist_entry(std::string_view s) {
  if (s.size() < 3 || s.size() > 16 || s[0] != '+') return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

PumpingDecision pumping_admit(const PrefixTraffic& stored, std::int64_t watching_since_ms,
                              std::int64_t now_ms, const PumpingPolicy& policy) {
  if (stored.blocked_until_ms > now_ms)
    return PumpingDecision{.verdict = PumpingVerdict::blocked,
                           .next = stored,
                           .retry_after_ms = stored.blocked_until_ms - now_ms};
  const std::int64_t dt =
      stored.updated_ms == 0 ? 0 : std::max<std::int64_t>(0, now_ms - stored.updated_ms);
  const double recent = decay(stored.recent, dt, policy.window);
  const double baseline = decay(stored.baseline, dt, policy.baseline);
  const std::int64_t elapsed = std::max<std::int64_t>(1, now_ms - watching_since_ms);
  const double recent_rate = rate_of(recent + 1, elapsed, policy.window);
  const double baseline_rate = rate_of(baseline + 1, elapsed, policy.baseline);
  // The decayed count rounded: sends a few seconds apart still count as whole sends.
  if (recent + 1.5 >= policy.min_sends && recent_rate > policy.factor * baseline_rate) {
    const std::int64_t until = now_ms + policy.block.count();
    return PumpingDecision{.verdict = PumpingVerdict::tripped,
                           .next = {.recent = recent,
                                    .baseline = baseline,
                                    .updated_ms = now_ms,
                                    .blocked_until_ms = until},
                           .retry_after_ms = policy.block.count()};
  }
  return PumpingDecision{
      .next = {.recent = recent + 1, .baseline = baseline + 1, .updated_ms = now_ms}};
}

}  // namespace otpgate
