// The phone lock: wrong codes count against the phone (per brand) across its verifications;
// at the brand's threshold within its window the phone is locked, each further lock twice as
// long as the one before, up to the longest. The check script (src/store/redis/lua/check.lua)
// applies the same rule with Redis keys and TTLs;
// tests/integration/store/redis/redis_store_test.cpp compares the two step by step.
#pragma once

#include "otpgate/core/brand.hpp"

#include <cstdint>

namespace otpgate {

// What Redis keeps for one phone, with the times its keys expire (0: the key does not exist).
struct PhoneLockState {
  std::int64_t failures = 0;  // wrong codes since the first of the current window
  std::int64_t failures_expire_ms = 0;
  std::int64_t level = 0;  // locks in a row, while the last one is remembered
  std::int64_t level_expire_ms = 0;
  std::int64_t locked_until_ms = 0;
};

// True while the phone is locked: nothing is checked, created or sent for it.
bool phone_locked(const PhoneLockState& s, std::int64_t now_ms);

// Counts one wrong code at now_ms. Returns how long this failure locks the phone (0: it does
// not); a lock starts a new count.
std::int64_t count_wrong_code(PhoneLockState& s, const LockPolicy& policy, std::int64_t now_ms);

}  // namespace otpgate
