// Port: the time. Production: util/system_clock.hpp (wall clock); tests inject a clock they
// move by hand, so every rule that depends on time is deterministic.
#pragma once

#include <cstdint>

namespace otpgate {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() const = 0;
};

}  // namespace otpgate
