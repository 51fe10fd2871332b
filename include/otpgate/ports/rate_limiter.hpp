// Port: the rate limits (GCRA, core/rate_limit.hpp) and the SMS pumping watch
// (core/pumping.hpp), each decision atomic however many processes share the store.
// Production: store/redis/redis_limiter.hpp.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/core/pumping.hpp"
#include "otpgate/core/rate_limit.hpp"
#include "otpgate/ports/task.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate {

// What a rate limit counts (brand policy, core/brand.hpp RateLimitPolicy).
enum class LimitScope { phone, ip, prefix, brand };

inline std::string_view to_string(LimitScope s) {
  switch (s) {
    case LimitScope::phone:
      return "phone";
    case LimitScope::ip:
      return "ip";
    case LimitScope::prefix:
      return "prefix";
    case LimitScope::brand:
      break;
  }
  return "brand";
}

struct RateSubject {
  LimitScope scope = LimitScope::phone;
  std::string brand;
  // phone: the phone's hash tag; ip: a hex MAC of brand|ip (never the IP); prefix: the
  // destination prefix ("+49151"); brand: "".
  std::string id;
  std::vector<Rate> rates;  // enabled ones only; one event counts against all of them
  // A phone's probe budget (network signals asked before a create, docs/signals.md): counted on
  // the brand's slot, apart from the phone's sends, which the create counts on the phone's slot.
  bool probe = false;
};

// The brand-wide part of admitting one send (ip, prefix and brand limits, the pumping watch),
// checked in one call on the brand's slot, all or nothing.
struct SendAdmission {
  std::string brand;
  std::vector<RateSubject> subjects;  // ip, prefix, brand: narrowest first; phone is not here
  bool pumping = false;               // watch the destination prefix (policy below)
  int prefix_digits = 0;
  std::string prefix;  // "+49151"
  PumpingPolicy policy;
};

struct AdmissionVerdict {
  enum class kind {
    allowed,  // every limit took its token and the pumping watch counted the send
    limited,  // `scope`'s limit denied: nothing was taken
    tripped,  // this send started a block of the prefix
    blocked,  // the prefix is blocked
  } what = kind::allowed;
  LimitScope scope = LimitScope::brand;  // limited: the first scope that denied
  std::int64_t retry_after_ms = 0;
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Admits one send against every rate of every subject (GCRA, core/rate_limit.hpp gcra_admit)
  // and, when a.pumping, counts it to its destination prefix ("+49151", prefix_digits after the
  // country code) against the pumping policy (core/pumping.hpp pumping_admit): atomically, all
  // or nothing (a refusal takes no token and counts nothing).
  virtual task<result<AdmissionVerdict>> admit_send(const SendAdmission& a,
                                                    std::int64_t now_ms) = 0;
};

}  // namespace otpgate
