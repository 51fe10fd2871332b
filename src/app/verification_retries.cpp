// The verification service's part of retries with an Idempotency-Key (docs/api.md, "Retries"):
// the store's entry for a key, a replay's answer and events. The store records and replays
// outcomes; these only name and answer them (a resend's claim: send_claims.cpp).
#include "otpgate/app/verification_service.hpp"

#include "otpgate/app/retry_entry.hpp"

namespace otpgate {

RetryEntry VerificationService::retry_entry(const RetryKey& retry, const std::string& brand,
                                            const VerificationId& id,
                                            const std::string& request) const {
  const RetryScope scope{.owner = retry.owner, .brand = brand, .target = id.str()};
  return otpgate::retry_entry(d_.keys, scope, retry.key, request);
}

void VerificationService::emit_check(const CheckOutcome& o) {
  const int attempt = o.record.attempts_used;
  switch (o.result) {
    case CheckResult::approved:
      emit(EventType::checked_right, o.record, attempt);
      emit(EventType::approved, o.record, attempt);
      break;
    case CheckResult::wrong:
    case CheckResult::failed:
      emit(EventType::checked_wrong, o.record, attempt);
      if (o.lock_ms > 0) emit(EventType::locked, o.record, attempt);
      if (o.result == CheckResult::failed) emit(EventType::failed, o.record, attempt);
      break;
    case CheckResult::expired:
      emit(EventType::expired, o.record);
      break;
    case CheckResult::not_pending:
      break;
  }
}

Answer VerificationService::replayed_resend(const ResendOutcome& o) {
  Answer a;
  if (o.send_failed) {
    a = Answer{.error = errc::sms_delivery_failed, .record = o.record};
  } else if (o.result == ResendResult::sent) {
    a = Answer{.record = o.record};
  } else if (o.result == ResendResult::expired) {
    // Its expired event was emitted by the first request.
    a = Answer{.error = errc::verification_expired, .record = o.record};
  } else {
    a = refused_resend(o);  // too late, no sends left, not pending: no events
  }
  a.replayed = true;
  return a;
}

}  // namespace otpgate
