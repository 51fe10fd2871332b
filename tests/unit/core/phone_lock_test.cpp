#include "otpgate/core/phone_lock.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;

namespace {
constexpr std::int64_t t0 = 1'700'000'000'000;
const LockPolicy policy{.max_failed_checks = 3,
                        .window = std::chrono::milliseconds(60'000),
                        .duration = std::chrono::milliseconds(10'000),
                        .max_duration = std::chrono::milliseconds(35'000)};
}  // namespace

TEST_CASE("the third wrong code in the window locks, each lock in a row doubles, capped",
          "[unit][lock]") {
  PhoneLockState s;
  CHECK(count_wrong_code(s, policy, t0) == 0);
  CHECK(count_wrong_code(s, policy, t0 + 1) == 0);
  CHECK(count_wrong_code(s, policy, t0 + 2) == 10'000);
  CHECK(phone_locked(s, t0 + 10'001));
  CHECK_FALSE(phone_locked(s, t0 + 10'002));
  CHECK(s.failures == 0);  // a lock starts a new count
  for (int i = 0; i < 2; ++i) CHECK(count_wrong_code(s, policy, t0 + 20'000 + i) == 0);
  CHECK(count_wrong_code(s, policy, t0 + 20'002) == 20'000);
  for (int i = 0; i < 2; ++i) CHECK(count_wrong_code(s, policy, t0 + 50'000 + i) == 0);
  CHECK(count_wrong_code(s, policy, t0 + 50'002) == 35'000);  // 40 s, capped at 35 s
}

TEST_CASE("wrong codes outside the window, and locks long forgotten, start again", "[unit][lock]") {
  PhoneLockState s;
  CHECK(count_wrong_code(s, policy, t0) == 0);
  CHECK(count_wrong_code(s, policy, t0 + 1) == 0);
  // The window runs from the first wrong code: the third comes after it closed.
  CHECK(count_wrong_code(s, policy, t0 + 60'000) == 0);
  CHECK(s.failures == 1);
  CHECK(count_wrong_code(s, policy, t0 + 60'001) == 0);
  CHECK(count_wrong_code(s, policy, t0 + 60'002) == 10'000);
  // The lock level is remembered for max_duration after the last lock, then forgotten.
  for (int i = 0; i < 3; ++i) count_wrong_code(s, policy, t0 + 60'002 + 35'000 + i);
  CHECK(s.level == 1);
  CHECK(s.locked_until_ms == t0 + 60'002 + 35'002 + 10'000);
}
