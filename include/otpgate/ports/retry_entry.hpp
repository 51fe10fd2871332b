// The Idempotency-Key of a mutating request as a store keeps it (docs/api.md, "Retries"): the
// script that performs the change judges the key (judge_retry, core/idempotency.hpp), records
// its outcome under it, and answers a retry of the same request with it.
#pragma once

#include <cstdint>
#include <string>

namespace otpgate {

// Both are MACs (app/retry_entry.hpp); an empty key: the request had none.
struct RetryEntry {
  std::string key;          // MAC of the key with its scope (the caller, the brand, the target)
  std::string fingerprint;  // MAC of the parsed request
  bool empty() const { return key.empty(); }
};

// How long a template save's, rollback's or unlock's entry is kept: those targets have no
// lifetime of their own (a verification's entries live as long as its record), and a client
// retries within minutes; a day also covers a client that retries after an outage.
inline constexpr std::int64_t admin_retry_ttl_ms = 86'400'000;

}  // namespace otpgate
