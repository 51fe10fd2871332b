// RateLimiter on Redis: the GCRA rate limits and the SMS pumping watch, one script call each
// (scripts::rate_limit and scripts::pumping); their keys are RedisKeys::rate and pumping_*.
#pragma once

#include "otpgate/ports/rate_limiter.hpp"
#include "otpgate/redis/connection.hpp"

namespace otpgate {

// One EVALSHA of the rate_limit script per subject, of the pumping script per watched send.
class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(redis::Connection& conn);
  task<result<RateVerdict>> admit(const RateSubject& subject, std::int64_t now_ms) override;
  task<result<PumpingOutcome>> watch_prefix(const std::string& brand, int prefix_digits,
                                            const std::string& prefix, const PumpingPolicy& policy,
                                            std::int64_t now_ms) override;

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate
