#include "otpgate/core/anomaly.hpp"

#include <algorithm>

namespace otpgate {

double rate_per_1000(const Sample& s) {
  return static_cast<double>(s.count) * 1000.0 /
         static_cast<double>(std::max<std::int64_t>(1, s.started));
}

Judgement judge_rate(const Sample& brand, const Sample& baseline, const Sample& market,
                     const AlertPolicy& policy) {
  Judgement j;
  j.value = rate_per_1000(brand);
  const double own = baseline.count > 0 ? rate_per_1000(baseline) : 0.0;
  const double rest = market.count > 0 ? rate_per_1000(market) : 0.0;
  j.reference = std::max(own, rest);
  j.anomalous = brand.count >= policy.min_events && j.value > policy.factor * j.reference;
  return j;
}

Judgement judge_prefix(std::int64_t starts, std::int64_t approved, double usual_starts_per_hour,
                       std::optional<double> reference_conversion, const AlertPolicy& policy) {
  Judgement j;
  j.value = starts > 0 ? static_cast<double>(approved) / static_cast<double>(starts) : 0.0;
  j.reference = reference_conversion.value_or(0.5);
  // The usual volume scaled to the window.
  const double usual = usual_starts_per_hour * policy.window_minutes / 60.0;
  const bool surge =
      starts >= policy.min_events && static_cast<double>(starts) > policy.factor * usual;
  j.anomalous = surge && j.value * policy.factor <= j.reference && j.value < j.reference;
  return j;
}

}  // namespace otpgate
