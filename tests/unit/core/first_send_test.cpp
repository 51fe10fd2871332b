// A create's first send (core/first_send.hpp) stepped by hand: the claim of an unsent send by
// the create's retry, and the deadline of a send nobody handed over.
#include "otpgate/core/first_send.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;

namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::int64_t claim = 13'000;

// A verification a create stored at t0 whose SMS nobody has sent yet: 5 minutes to live.
VerificationRecord unsent() {
  VerificationRecord r;
  r.id = *VerificationId::parse("vf_abcdefghijklmnopqrstuvwxyz234567abcd");
  r.status = Status::pending;
  r.delivery_status = DeliveryStatus::queued;
  r.created_ms = r.last_send_ms = t0;
  r.expires_ms = t0 + 300'000;
  r.sends = 1;
  return r;
}

}  // namespace

TEST_CASE("a retry waits while the create's claim runs, then takes the send over once",
          "[unit][first-send]") {
  VerificationRecord r = unsent();
  std::int64_t due = t0 + claim;
  CHECK(claim_first_send(r, due, t0 + claim - 1, claim) == FirstSendVerdict::in_flight);
  CHECK(due == t0 + claim);
  CHECK(claim_first_send(r, due, t0 + claim, claim) == FirstSendVerdict::claimed);
  CHECK(due == t0 + 2 * claim);
  CHECK(r.status == Status::pending);
  CHECK(r.delivery_status == DeliveryStatus::queued);
  // A second retry meanwhile hears the first retry's claim.
  CHECK(claim_first_send(r, due, t0 + claim + 1, claim) == FirstSendVerdict::in_flight);
}

TEST_CASE("a sent or ended verification is not claimed: the retry answers it as it is",
          "[unit][first-send]") {
  VerificationRecord sent = unsent();
  sent.delivery_status = DeliveryStatus::accepted;
  std::int64_t due = t0;
  CHECK(claim_first_send(sent, due, t0 + claim, claim) == FirstSendVerdict::settled);
  CHECK(due == t0);
  VerificationRecord refused = unsent();
  refused.status = Status::send_failed;
  refused.delivery_status = DeliveryStatus::failed;
  CHECK(claim_first_send(refused, due, t0 + claim, claim) == FirstSendVerdict::settled);
  VerificationRecord cancelled = unsent();
  cancelled.status = Status::cancelled;
  CHECK(claim_first_send(cancelled, due, t0 + claim, claim) == FirstSendVerdict::settled);
}

TEST_CASE("a claim with under 30 s of the code left ends the verification send_failed",
          "[unit][first-send]") {
  VerificationRecord r = unsent();
  std::int64_t due = t0 + claim;
  const std::int64_t late = r.expires_ms - min_resend_validity_ms + 1;
  CHECK(claim_first_send(r, due, late, claim) == FirstSendVerdict::failed);
  CHECK(r.status == Status::send_failed);
  CHECK(r.delivery_status == DeliveryStatus::failed);
  CHECK(r.finished_ms == late);
  VerificationRecord just = unsent();
  CHECK(claim_first_send(just, due, just.expires_ms - min_resend_validity_ms, claim) ==
        FirstSendVerdict::claimed);
}

TEST_CASE("an unsent send is send_failed once its retries' window has passed, and never before",
          "[unit][first-send]") {
  VerificationRecord r = unsent();
  const std::int64_t due = t0 + claim;
  const std::int64_t deadline = send_deadline_ms(due);
  CHECK(deadline == due + unsent_retry_window_ms);
  CHECK_FALSE(apply_send_deadline(r, due, deadline - 1));
  CHECK(r.status == Status::pending);
  CHECK(apply_send_deadline(r, due, deadline));
  CHECK(r.status == Status::send_failed);
  CHECK(r.delivery_status == DeliveryStatus::failed);
  CHECK(r.finished_ms == deadline);
  CHECK_FALSE(apply_send_deadline(r, due, deadline + 1));
  CHECK(r.finished_ms == deadline);
  VerificationRecord sent = unsent();
  sent.delivery_status = DeliveryStatus::accepted;
  CHECK_FALSE(apply_send_deadline(sent, due, deadline));
  CHECK(sent.status == Status::pending);
  // Within the window a retry still takes the send over.
  VerificationRecord late = unsent();
  std::int64_t claimed_due = due;
  CHECK(claim_first_send(late, claimed_due, deadline - 1, claim) == FirstSendVerdict::claimed);
}
