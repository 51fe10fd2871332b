// Port: the API keys as a caller presents them. Production: crypto/key_directory.hpp, which
// looks the key's SHA-256 up in the configured ApiKeyRegistry (core/api_keys.hpp).
#pragma once

#include "otpgate/core/api_keys.hpp"

#include <string_view>

namespace otpgate {

class KeyDirectory {
 public:
  virtual ~KeyDirectory() = default;
  // The key a caller presented (the secret itself), or nullptr when no such key is configured.
  virtual const ApiKey* find(std::string_view presented) const = 0;
};

}  // namespace otpgate
