// Port: support's view of one phone within one brand (its lock, its failure count, its newest
// verifications) and the unlock. Never the raw number. Production:
// store/redis/subscriber_store.hpp.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/core/types.hpp"
#include "otpgate/ports/retry_entry.hpp"
#include "otpgate/ports/task.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace otpgate {

// How many verifications a lookup shows.
inline constexpr std::size_t subscriber_recent_shown = 10;
// The window of sends_24h.
inline constexpr std::int64_t subscriber_sends_window_ms = 86'400'000;

struct RecentVerification {
  std::string id;
  std::string status;  // as the API names it; a pending one past its expiry: "expired"
  std::int64_t created_ms = 0;
  std::string delivery_status;  // the record's delivery status ("" when none)
};

struct SubscriberState {
  std::int64_t locked_for_ms = 0;  // the lock's remaining time; 0: not locked
  bool was_locked = false;         // locked when the call began (an unlock that freed it)
  std::int64_t failed_checks = 0;  // wrong codes in the current window (reset by a lock)
  std::int64_t lock_level = 0;     // locks in a row (the next lock lasts 2^level times longer)
  // SMS sends (creates and resends, not automatic resends) of the indexed verifications created
  // in the last 24 hours that are still kept (see docs/api.md, "Support tools").
  std::int64_t sends_24h = 0;
  std::vector<RecentVerification> recent;  // newest first, at most subscriber_recent_shown
  // An unlock's retry under its Idempotency-Key: nothing was changed now; the lock fields and
  // was_locked are the first unlock's answer, `recent` and sends_24h the records of the ids it
  // listed, read now.
  bool replayed = false;
};

class SubscriberStore {
 public:
  virtual ~SubscriberStore() = default;
  // The phone's state for the brand as of now_ms (the service's clock).
  virtual task<result<SubscriberState>> lookup(const std::string& brand, const PhoneNumber& phone,
                                               std::int64_t now_ms) = 0;
  // Removes the lock and the failure count (not the lock level: see docs/api.md), then answers
  // the state as lookup does. The removal is one atomic call; with a retry entry (an
  // Idempotency-Key) the same call judges the key in the phone's slot and records the answer
  // for admin_retry_ttl_ms: the same request again changes nothing and answers the recorded
  // state (replayed), another one idempotency_conflict.
  virtual task<result<SubscriberState>> unlock(const std::string& brand, const PhoneNumber& phone,
                                               std::int64_t now_ms, const RetryEntry& retry) = 0;
};

}  // namespace otpgate
