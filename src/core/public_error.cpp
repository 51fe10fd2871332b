#include "otpgate/core/public_error.hpp"

namespace otpgate {

PublicError public_error(errc e) {
  switch (e) {
    case errc::ok:
      return {200, "OK", "ok"};
    case errc::invalid_argument:
      return {400, "INVALID_ARGUMENT", "The request has an invalid or missing field."};
    case errc::unauthenticated:
      return {401, "UNAUTHENTICATED", "A valid API key is required: Authorization: Bearer <key>."};
    case errc::permission_denied:
      return {403, "PERMISSION_DENIED", "This API key may not do this for this brand."};
    case errc::not_found:
      return {404, "NOT_FOUND", "No such verification."};
    case errc::code_invalid:
      return {422, "CODE_INVALID", "The code is not correct."};
    case errc::verification_failed:
      return {422, "VERIFICATION_FAILED",
              "The code is not correct and no attempts are left; start a new verification."};
    case errc::verification_expired:
      return {410, "VERIFICATION_EXPIRED", "The verification has expired."};
    case errc::not_pending:
      return {409, "VERIFICATION_NOT_PENDING", "The verification is no longer pending."};
    case errc::resend_too_soon:
      return {429, "RESEND_TOO_SOON", "A resend is not allowed yet; see Retry-After."};
    case errc::send_limit_reached:
      return {429, "SEND_LIMIT_REACHED", "No more sends are allowed for this verification."};
    case errc::too_many_requests:
      return {429, "TOO_MANY_REQUESTS", "Too many SMS were requested; see Retry-After."};
    case errc::phone_blocked:
      return {403, "PHONE_NUMBER_BLOCKED",
              "The phone number is temporarily locked after too many failed checks."};
    case errc::phone_not_allowed:
      return {403, "PHONE_NUMBER_NOT_ALLOWED", "This brand does not send to this phone number."};
    case errc::phone_recently_swapped:
      return {403, "PHONE_NUMBER_RECENTLY_SWAPPED",
              "The SIM card of this phone number was changed recently; no code is sent to it."};
    case errc::identity_mismatch:
      return {403, "IDENTITY_MISMATCH",
              "The customer data does not match the mobile operator's records for this number."};
    case errc::signal_unavailable:
      return {503, "NETWORK_SIGNAL_UNAVAILABLE",
              "The mobile operator's check could not be made and this brand requires it; retry "
              "later."};
    case errc::idempotency_conflict:
      return {409, "IDEMPOTENCY_KEY_REUSED",
              "This Idempotency-Key was used with a different request body."};
    case errc::idempotency_in_flight:
      return {409, "IDEMPOTENCY_KEY_IN_USE",
              "A request with this Idempotency-Key is still running; retry after Retry-After "
              "seconds."};
    case errc::sms_delivery_failed:
      return {502, "SMS_DELIVERY_FAILED", "No SMS gateway accepted the message."};
    case errc::template_invalid:
      return {422, "TEMPLATE_INVALID", "The template has problems; see problems."};
    case errc::precondition_failed:
      return {412, "PRECONDITION_FAILED",
              "The template changed since you read it (If-Match is stale); read it again."};
    case errc::precondition_required:
      return {428, "PRECONDITION_REQUIRED",
              "Send If-Match with the ETag you read (or * to overwrite whatever is current)."};
    case errc::store_unavailable:
    case errc::store_timeout:
    case errc::store_protocol:
      return {503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable; retry later."};
    case errc::gateway_error:
    case errc::gateway_timeout:
    case errc::gateway_unreachable:
    case errc::internal:
      break;
  }
  return {500, "INTERNAL", "Internal error."};
}

}  // namespace otpgate
