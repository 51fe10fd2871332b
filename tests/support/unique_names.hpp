// Names no other test or test process uses, for tiers that share one Redis (and one otpgate
// per test): phone numbers, brand ids. Distinct per call and per process.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

namespace otpgate::test {

// A valid mobile number under `prefix` (a German mobile range unless told otherwise) that no
// other test uses.
inline std::string fresh_phone(const std::string& prefix = "+49151") {
  static std::atomic<unsigned> n{0};
  const unsigned v = (static_cast<unsigned>(::getpid()) * 7919U + n++ * 104729U) % 100000000U;
  std::string digits = std::to_string(v);
  digits.insert(0, 8 - digits.size(), '0');
  return prefix + digits;
}

// stem, the process id and a counter: "stem-4711-0". A valid brand id for stems of [a-z0-9-].
inline std::string unique_brand(const std::string& stem) {
  static std::atomic<unsigned> n{0};
  return stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

// unique_brand with a clock-derived suffix too, for ids that must not meet a key an earlier run
// of the same process id left in a long-lived Redis.
inline std::string unique_brand_now(const std::string& stem) {
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return unique_brand(stem) + "-" + std::to_string(now % 1'000'000);
}

}  // namespace otpgate::test
