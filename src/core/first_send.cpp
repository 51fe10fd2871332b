#include "otpgate/core/first_send.hpp"

namespace otpgate {
namespace {

void fail_unsent(VerificationRecord& r, std::int64_t now_ms) {
  r.status = Status::send_failed;
  r.delivery_status = DeliveryStatus::failed;
  r.finished_ms = now_ms;
}

}  // namespace

bool awaits_first_send(const VerificationRecord& r) {
  return r.status == Status::pending && r.delivery_status == DeliveryStatus::queued;
}

FirstSendVerdict claim_first_send(VerificationRecord& r, std::int64_t& due_ms, std::int64_t now_ms,
                                  std::int64_t claim_ms) {
  if (!awaits_first_send(r)) return FirstSendVerdict::settled;
  if (now_ms < due_ms) return FirstSendVerdict::in_flight;
  if (now_ms + min_resend_validity_ms > r.expires_ms) {
    fail_unsent(r, now_ms);
    return FirstSendVerdict::failed;
  }
  due_ms = now_ms + claim_ms;
  return FirstSendVerdict::claimed;
}

bool release_first_send(const VerificationRecord& r, std::int64_t& due_ms, std::int64_t now_ms) {
  if (!awaits_first_send(r) || due_ms <= now_ms) return false;
  due_ms = now_ms;
  return true;
}

bool apply_send_deadline(VerificationRecord& r, std::int64_t due_ms, std::int64_t now_ms) {
  if (!awaits_first_send(r) || now_ms < send_deadline_ms(due_ms)) return false;
  fail_unsent(r, now_ms);
  return true;
}

}  // namespace otpgate
