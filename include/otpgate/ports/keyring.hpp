// Port: keyed hashing under the server's derived keys (phone tags, codes, idempotency keys,
// rate-limit subjects). Production: crypto::OpensslKeyring; tests inject a fixed one.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace otpgate {

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
