#include "otpgate/core/verification_delivery.hpp"

namespace otpgate {

void apply_send_outcome(VerificationRecord& r, std::string_view gateway, bool accepted,
                        bool first_send, std::string_view message_id, std::int64_t now_ms) {
  if (!accepted && !first_send) return;
  r.gateway = std::string(gateway);
  r.delivery_status = accepted ? DeliveryStatus::accepted : DeliveryStatus::failed;
  r.message_id = std::string(message_id);
  if (!accepted && r.status == Status::pending) {
    r.status = Status::send_failed;
    r.finished_ms = now_ms;
  }
}

ReportVerdict apply_report(VerificationRecord& r, const DeliveryReportFacts& report,
                           bool phone_locked, std::int64_t now_ms, bool& resend_claimed) {
  using D = DeliveryStatus;
  resend_claimed = false;
  const D status = report.status;
  const bool stale =
      r.gateway != report.gateway ||
      (!report.message_id.empty() && r.message_id != report.message_id) ||
      r.delivery_status == status ||
      (status == D::accepted && r.delivery_status != D::accepted && r.delivery_status != D::queued);
  if (stale) return ReportVerdict::stale;
  r.delivery_status = status;
  if (status == D::delivered && r.delivered_ms == 0) r.delivered_ms = now_ms;
  if ((status == D::undelivered || status == D::failed) && r.status == Status::pending &&
      now_ms < r.expires_ms && r.auto_resend == 1 && !phone_locked) {
    r.auto_resend = 2;
    resend_claimed = true;
  }
  return ReportVerdict::applied;
}

bool apply_expiry(VerificationRecord& r, std::int64_t now_ms) {
  if (r.status != Status::pending || now_ms < r.expires_ms) return false;
  r.status = Status::expired;
  r.finished_ms = now_ms;
  return true;
}

}  // namespace otpgate
