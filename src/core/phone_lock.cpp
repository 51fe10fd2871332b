#include "otpgate/core/phone_lock.hpp"

#include <algorithm>

namespace otpgate {
namespace {

// A key past its expiry is gone: its count starts again.
void expire(std::int64_t& value, std::int64_t& expire_ms, std::int64_t now_ms) {
  if (expire_ms != 0 && now_ms >= expire_ms) value = expire_ms = 0;
}

}  // namespace

bool phone_locked(const PhoneLockState& s, std::int64_t now_ms) {
  return now_ms < s.locked_until_ms;
}

std::int64_t count_wrong_code(PhoneLockState& s, const LockPolicy& policy, std::int64_t now_ms) {
  expire(s.failures, s.failures_expire_ms, now_ms);
  expire(s.level, s.level_expire_ms, now_ms);
  // The window starts at the first wrong code: later ones do not extend it.
  if (++s.failures == 1) s.failures_expire_ms = now_ms + policy.window.count();
  if (s.failures < policy.max_failed_checks) return 0;
  ++s.level;
  s.level_expire_ms = now_ms + policy.max_duration.count();
  // Doubling per lock in a row, capped (the shift is bounded: the cap is reached long before).
  const std::int64_t first = policy.duration.count();
  const std::int64_t longest = policy.max_duration.count();
  std::int64_t lock = first;
  for (std::int64_t i = 1; i < s.level && lock < longest; ++i) lock *= 2;
  lock = std::min(lock, longest);
  s.locked_until_ms = now_ms + lock;
  s.failures = s.failures_expire_ms = 0;
  return lock;
}

}  // namespace otpgate
