// The delivery side of a verification's state, as pure rules: the outcome of a send, a gateway's
// delivery report, and expiry. The Redis store runs the same rules in delivery.lua, report.lua
// and expire.lua; tests/integration/store/redis/redis_store_delivery_test.cpp compares them step
// by step.
#pragma once

#include "otpgate/core/delivery_status.hpp"
#include "otpgate/core/verification.hpp"

#include <cstdint>
#include <string_view>

namespace otpgate {

// A send's outcome: the accepting gateway and its message id, or a refusal. A refused first send
// ends a pending verification (send_failed); a refused resend leaves the earlier send's delivery
// state alone (that SMS may still arrive, and its report must still match).
void apply_send_outcome(VerificationRecord& r, std::string_view gateway, bool accepted,
                        bool first_send, std::string_view message_id, std::int64_t now_ms);

struct DeliveryReportFacts {
  std::string_view gateway;
  std::string_view message_id;  // "" when the vendor's report has none: matches any
  DeliveryStatus status = DeliveryStatus::accepted;
};

enum class ReportVerdict { applied, stale };

// Applies a report about r's latest send. Stale (r unchanged): another gateway's or another
// message's report, the state r already has, or "accepted" after a final state (reports arrive
// out of order). The first "delivered" sets delivered_ms. resend_claimed: an undelivered or
// failed SMS of a pending, unexpired verification whose brand asked for the one automatic
// resend (auto_resend 1, then 2), unless the phone is locked.
ReportVerdict apply_report(VerificationRecord& r, const DeliveryReportFacts& report,
                           bool phone_locked, std::int64_t now_ms, bool& resend_claimed);

// Marks a pending record past its expiry as expired; true when this call made the change.
bool apply_expiry(VerificationRecord& r, std::int64_t now_ms);

}  // namespace otpgate
