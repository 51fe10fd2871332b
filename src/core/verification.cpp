#include "otpgate/core/verification.hpp"

#include <algorithm>
#include <array>

namespace otpgate {
namespace {

constexpr std::array<std::string_view, 6> status_names = {"pending", "approved",  "failed",
                                                          "expired", "cancelled", "send_failed"};

// Every transition out of pending goes through here so finished_ms is always set.
void finish(VerificationRecord& r, Status s, std::int64_t now_ms) {
  r.status = s;
  r.finished_ms = now_ms;
}

// Shared guard of check, resend and cancel: only a pending, unexpired record may change.
// Returns false (after marking expiry) when the caller must stop.
bool still_pending(VerificationRecord& r, std::int64_t now_ms, bool& expired) {
  expired = false;
  if (r.status != Status::pending) return false;
  if (now_ms >= r.expires_ms) {
    finish(r, Status::expired, now_ms);
    expired = true;
    return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(Status s) {
  return status_names[static_cast<std::size_t>(s)];
}

std::optional<Status> status_from_string(std::string_view s) {
  for (std::size_t i = 0; i < status_names.size(); ++i)
    if (status_names[i] == s) return static_cast<Status>(i);
  return std::nullopt;
}

Status effective_status(const VerificationRecord& r, std::int64_t now_ms) {
  if (r.status == Status::pending && now_ms >= r.expires_ms) return Status::expired;
  return r.status;
}

int attempts_left(const VerificationRecord& r) {
  return std::max(0, r.max_attempts - r.attempts_used);
}

int sends_left(const VerificationRecord& r) {
  return std::max(0, r.max_sends - r.sends);
}

std::int64_t resend_available_ms(const VerificationRecord& r) {
  return r.last_send_ms + r.resend_cooldown_ms;
}

std::optional<std::int64_t> next_resend_ms(const VerificationRecord& r, std::int64_t now_ms) {
  if (effective_status(r, now_ms) != Status::pending || r.sends >= r.max_sends) return std::nullopt;
  const std::int64_t at = resend_available_ms(r);
  if (std::max(now_ms, at) > r.expires_ms - min_resend_validity_ms) return std::nullopt;
  return at;
}

std::int64_t minutes_valid_after_send(const VerificationRecord& r) {
  return std::max<std::int64_t>(1, (r.expires_ms - r.last_send_ms + 59'999) / 60'000);
}

CheckResult apply_check(VerificationRecord& r, bool code_matches, std::int64_t now_ms) {
  bool expired = false;
  if (!still_pending(r, now_ms, expired))
    return expired ? CheckResult::expired : CheckResult::not_pending;
  r.attempts_used += 1;
  if (code_matches) {
    finish(r, Status::approved, now_ms);
    return CheckResult::approved;
  }
  if (r.attempts_used >= r.max_attempts) {
    finish(r, Status::failed, now_ms);
    return CheckResult::failed;
  }
  return CheckResult::wrong;
}

ResendResult apply_resend(VerificationRecord& r, std::int64_t now_ms,
                          std::int64_t& retry_after_ms) {
  bool expired = false;
  if (!still_pending(r, now_ms, expired))
    return expired ? ResendResult::expired : ResendResult::not_pending;
  if (r.sends >= r.max_sends) return ResendResult::limit_reached;
  if (std::max(now_ms, resend_available_ms(r)) > r.expires_ms - min_resend_validity_ms)
    return ResendResult::too_late;
  if (now_ms < resend_available_ms(r)) {
    retry_after_ms = resend_available_ms(r) - now_ms;
    return ResendResult::too_soon;
  }
  r.sends += 1;
  r.last_send_ms = now_ms;
  return ResendResult::sent;
}

ResendResult take_over_resend(VerificationRecord& r, std::int64_t now_ms) {
  bool expired = false;
  if (!still_pending(r, now_ms, expired))
    return expired ? ResendResult::expired : ResendResult::not_pending;
  if (now_ms > r.expires_ms - min_resend_validity_ms) return ResendResult::too_late;
  return ResendResult::sent;
}

CancelResult apply_cancel(VerificationRecord& r, std::int64_t now_ms) {
  bool expired = false;
  if (!still_pending(r, now_ms, expired))
    return expired ? CancelResult::expired : CancelResult::not_pending;
  finish(r, Status::cancelled, now_ms);
  return CancelResult::cancelled;
}

}  // namespace otpgate
