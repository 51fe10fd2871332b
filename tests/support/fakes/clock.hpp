// The Clock port's fake, shared by every tier: the time moves only when a test moves it.
#pragma once

#include "otpgate/ports/clock.hpp"

#include <cstdint>

namespace otpgate::test {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_ms) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_; }
  void set(std::int64_t ms) { now_ = ms; }
  void advance(std::int64_t ms) { now_ += ms; }

 private:
  std::int64_t now_;
};

}  // namespace otpgate::test
