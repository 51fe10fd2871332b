// The KeyDirectory port over the configured keys: a presented key is looked up by its SHA-256,
// the only form in which keys are stored (core/api_keys.hpp).
#pragma once

#include "otpgate/crypto/openssl.hpp"
#include "otpgate/ports/key_directory.hpp"

namespace otpgate::crypto {

class HashedKeyDirectory final : public KeyDirectory {
 public:
  explicit HashedKeyDirectory(const ApiKeyRegistry& keys) : keys_(keys) {}
  const ApiKey* find(std::string_view presented) const override {
    return keys_.find(sha256_hex(presented));
  }

 private:
  const ApiKeyRegistry& keys_;
};

}  // namespace otpgate::crypto
