// The Random port's fake: a seeded (reproducible, not cryptographic) generator.
#pragma once

#include "otpgate/ports/random.hpp"

#include <cstdint>
#include <random>
#include <span>

namespace otpgate::test {

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) b = static_cast<std::uint8_t>(engine_() & 0xFFU);
  }
  std::uint8_t byte() { return static_cast<std::uint8_t>(engine_() & 0xFFU); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace otpgate::test
