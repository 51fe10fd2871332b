// RateLimiter on Redis: a send's brand-wide admission, the GCRA rate limits and the SMS pumping
// watch, in one call (scripts::admit_brand); their keys are RedisKeys::rate and pumping_*. (The
// phone's tokens are taken and given back by the create, resend and undo scripts, in the phone's
// slot.)
#pragma once

#include "otpgate/ports/rate_limiter.hpp"
#include "otpgate/redis/connection.hpp"

namespace otpgate {

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(redis::Connection& conn);
  task<result<AdmissionVerdict>> admit_send(const SendAdmission& a, std::int64_t now_ms) override;

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate
