// RateLimiter on Redis: the GCRA rate limits and the SMS pumping watch (scripts::rate_limit and
// scripts::pumping, one call each), and a send's brand-wide admission in one call
// (scripts::admit_brand); their keys are RedisKeys::rate and pumping_*. (The phone's tokens are
// taken and given back by the create, resend and undo scripts, in the phone's slot.)
#pragma once

#include "otpgate/ports/rate_limiter.hpp"
#include "otpgate/redis/connection.hpp"

namespace otpgate {

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(redis::Connection& conn);
  task<result<RateVerdict>> admit(const RateSubject& subject, std::int64_t now_ms) override;
  task<result<PumpingOutcome>> watch_prefix(const std::string& brand, int prefix_digits,
                                            const std::string& prefix, const PumpingPolicy& policy,
                                            std::int64_t now_ms) override;
  task<result<AdmissionVerdict>> admit_send(const SendAdmission& a, std::int64_t now_ms) override;

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate
