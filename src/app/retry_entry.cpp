#include "otpgate/app/retry_entry.hpp"

#include "otpgate/core/code.hpp"

namespace otpgate {

RetryEntry retry_entry(const Keyring& keys, const RetryScope& scope, const std::string& key,
                       const std::string& request) {
  if (key.empty()) return {};
  // MACs, as create's: the store never holds a caller's raw key or request. "\n" never occurs
  // in a key (visible ASCII), an id, a brand or a target, so no two scopes run into each other,
  // nor into create's entries (brand, then "|" or "\n", then the key).
  const std::string scoped =
      "retry\n" + scope.owner + "\n" + scope.brand + "\n" + scope.target + "\n" + key;
  return RetryEntry{.key = to_hex(keys.mac(KeyPurpose::idempotency, scoped)),
                    .fingerprint = to_hex(keys.mac(KeyPurpose::idempotency, request))};
}

}  // namespace otpgate
