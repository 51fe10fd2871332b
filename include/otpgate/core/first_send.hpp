// A create's first send as pure rules: who may hand it to a gateway, and when a send nobody
// handed over counts as failed. A timeout cannot tell whether Redis ran a create, so a create
// can leave a pending verification whose SMS was never sent; its idempotent retry finishes it
// (claim_first_send), and otherwise it ends send_failed at its deadline (apply_send_deadline).
// The Redis store runs the same rules in lua/_first_send.lua (create.lua, send_deadline.lua);
// tests/integration/store/redis/redis_store_first_send_test.cpp compares them step by step.
#pragma once

#include "otpgate/core/verification.hpp"

#include <cstdint>

namespace otpgate {

// Pending, and no send recorded yet (delivery queued): the only state a first send can leave.
bool awaits_first_send(const VerificationRecord& r);

// What a retry of the create (the same Idempotency-Key and body) finds.
enum class FirstSendVerdict {
  settled,    // the send was recorded, or the verification ended: answer it as it is
  in_flight,  // someone's claim on the send still runs (until due_ms): try again later
  claimed,    // the retry takes the send over: due_ms is now now + claim_ms
  failed,     // unsent, and too little of the code's validity is left to send it: send_failed
};

// The claim on an unsent first send. due_ms: until when the current claimant (the create, or
// an earlier retry) may still hand the SMS to a gateway; a claim lasts claim_ms (the brand's
// delivery deadline and a margin). A code with less than min_resend_validity_ms left is not
// sent any more: the verification ends send_failed, as at its deadline.
FirstSendVerdict claim_first_send(VerificationRecord& r, std::int64_t& due_ms, std::int64_t now_ms,
                                  std::int64_t claim_ms);

// After the last claim on an unsent send runs out, how long a retry may still take it over
// before the send's deadline ends it: a shop retrying every second (IDEMPOTENCY_KEY_IN_USE's
// Retry-After) finds it still to be sent.
inline constexpr std::int64_t unsent_retry_window_ms = 5'000;

// A claimant's release of its claim: its request answered without handing the SMS to a gateway
// (a Redis call timed out before or after the claim), so the claim ends now and the next retry
// takes the send over at once. Only the claim's holder releases it (the store checks that).
// True when the claim changed (unsent, and running until after now_ms).
bool release_first_send(const VerificationRecord& r, std::int64_t& due_ms, std::int64_t now_ms);

// The deadline of a first send whose claim runs until due_ms.
inline constexpr std::int64_t send_deadline_ms(std::int64_t due_ms) {
  return due_ms + unsent_retry_window_ms;
}

// The deadline of an unsent first send: once send_deadline_ms(due_ms) has passed with nobody
// claiming it, the verification is send_failed (delivery failed). True when this call made the
// change.
bool apply_send_deadline(VerificationRecord& r, std::int64_t due_ms, std::int64_t now_ms);

}  // namespace otpgate
