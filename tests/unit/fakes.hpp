// Deterministic fakes for the core's ports (include/otpgate/ports/), shared by the unit
// tests. No I/O: the clock only moves when a test moves it, randomness comes from a fixed seed.
#pragma once

#include "otpgate/core/types.hpp"
#include "otpgate/crypto/openssl.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/random.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <random>
#include <span>
#include <string>

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

// A seeded (reproducible, not cryptographic) Random.
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

// The real OpenSSL keyring: HMAC-SHA256 is deterministic for a fixed secret.
inline crypto::OpensslKeyring keyring(std::string secret = std::string(64, 'k')) {
  return crypto::OpensslKeyring(Secret<std::string>(std::move(secret)));
}

// A JSON file of the repository (brands, schema), parsed.
inline nlohmann::json read_repo_json(const std::string& relative) {
  std::ifstream in(std::string(OTPGATE_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

}  // namespace otpgate::test
