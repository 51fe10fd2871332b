// Synchronous ports of the pure core: time, randomness and keyed hashing. Production versions
// live in adapters (system clock, OpenSSL); tests inject fakes so every rule is deterministic.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace otpgate {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() const = 0;
};

class Random {
 public:
  virtual ~Random() = default;
  // Fills out with cryptographically strong random bytes (OpenSSL RAND_bytes in production).
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

using Digest = std::array<std::uint8_t, 32>;

// What a derived key is for; each purpose has its own key, derived from the server secret, so a
// value computed for one purpose is useless for another.
enum class KeyPurpose { phone_tag, code_derivation, code_check, idempotency, rate_limit };

class Keyring {
 public:
  virtual ~Keyring() = default;
  // HMAC-SHA256 under the key for this purpose.
  virtual Digest mac(KeyPurpose purpose, std::string_view data) const = 0;
};

}  // namespace otpgate
