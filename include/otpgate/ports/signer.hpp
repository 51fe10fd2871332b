// Port: HMAC-SHA256 under a key the caller holds (the signature of the alert webhooks, whose
// secret is the brand's). Production: crypto::OpensslSigner.
#pragma once

#include <string>
#include <string_view>

namespace otpgate {

class Signer {
 public:
  virtual ~Signer() = default;
  // Lower-case hex of HMAC-SHA256(key, data).
  virtual std::string hmac_sha256_hex(std::string_view key, std::string_view data) const = 0;
};

}  // namespace otpgate
