// The store's entry for a mutating request's Idempotency-Key (docs/api.md, "Retries"), the one
// rule for every route that takes the header: the key scoped to the API key that sent it, the
// brand and the target it changes, and the parsed request's fingerprint, both MACs.
#pragma once

#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/retry_entry.hpp"

#include <string>

namespace otpgate {

struct RetryScope {
  std::string owner;   // the API key's id: two keys' entries never meet
  std::string brand;   // the brand the request acts on
  std::string target;  // what it changes: a verification id, "templates/de", "subscribers/..."
};

// key: the header as sent ("" when absent: the empty entry). request: the parsed request, as
// compared for "the same request" (any text that differs when the requests differ).
RetryEntry retry_entry(const Keyring& keys, const RetryScope& scope, const std::string& key,
                       const std::string& request);

}  // namespace otpgate
