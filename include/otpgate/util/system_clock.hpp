// The production Clock: wall-clock milliseconds (verification expiry is a wall-clock promise to
// the customer, and several otpgate processes must agree on it).
#pragma once

#include "otpgate/ports/clock.hpp"

#include <chrono>

namespace otpgate {

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

}  // namespace otpgate
