// Port: randomness. Production: crypto::OpensslRandom (RAND_bytes); tests inject scripted bytes.
#pragma once

#include <cstdint>
#include <span>

namespace otpgate {

class Random {
 public:
  virtual ~Random() = default;
  // Fills out with cryptographically strong random bytes (OpenSSL RAND_bytes in production).
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

}  // namespace otpgate
