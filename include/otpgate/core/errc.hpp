// One error vocabulary for otpgate. Adapters map hiredis/curl/OpenSSL failures onto these once;
// the HTTP edge (src/api/errors.cpp) maps each to a status and a public code.
#pragma once

#include <boost/outcome/result.hpp>
#include <boost/system/error_code.hpp>

namespace otpgate {

enum class errc {
  ok = 0,
  // Request validation
  invalid_argument = 1,  // a field is missing, has the wrong type or an invalid value
  unauthenticated,       // no API key or an unknown one
  permission_denied,     // key lacks the role or the brand
  not_found,             // unknown verification id
  // Verification lifecycle
  code_invalid,           // wrong code, attempts remain
  verification_failed,    // wrong code, last attempt used
  verification_expired,   // past expires_at
  not_pending,            // approved, failed, cancelled, send_failed
  resend_too_soon,        // inside the resend cooldown
  send_limit_reached,     // max sends used
  too_many_requests,      // a rate limit (phone, IP, prefix, brand) denied a send
  phone_blocked,          // the phone is locked for this brand
  phone_not_allowed,      // country or line type outside the brand's policy
  // Network signals (core/signals.hpp): the brand's policy refused the create before any SMS
  phone_recently_swapped,  // the number's SIM changed within the brand's window
  identity_mismatch,       // the customer data did not match the subscriber (KYC Match)
  signal_unavailable,      // the operator gave no answer and the policy says on_error: deny
  idempotency_conflict,   // same Idempotency-Key, different body
  idempotency_in_flight,  // same Idempotency-Key while the first request is still running
  sms_delivery_failed,    // no gateway accepted the SMS
  // Brand management
  template_invalid,       // a template text failed the lint (the problems go with it)
  precondition_failed,    // If-Match names a version that is no longer current
  precondition_required,  // a change without If-Match
  // Infrastructure
  store_unavailable,    // Redis not connected
  store_timeout,        // Redis did not answer within the command deadline
  store_protocol,       // Redis answered something the adapter did not expect
  gateway_error,        // one gateway refused or failed an SMS
  gateway_timeout,      // a gateway did not answer within the attempt's deadline
  gateway_unreachable,  // connecting to a gateway failed, or it reset the connection
  internal,             // a bug: never shown to callers beyond "internal error"
};

const boost::system::error_category& otpgate_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), otpgate_category()};
}

// The otpgate errc behind an error code; errc::internal for codes of any other category.
inline errc to_errc(const boost::system::error_code& ec) noexcept {
  return ec.category() == otpgate_category() ? static_cast<errc>(ec.value()) : errc::internal;
}

// Boost 1.74 has no boost::system::result; Boost.Outcome's result is the same idea.
template <class T>
using result = boost::outcome_v2::result<T, boost::system::error_code>;

inline auto success() {
  return boost::outcome_v2::success();
}

}  // namespace otpgate

namespace boost::system {
template <>
struct is_error_code_enum<otpgate::errc> : std::true_type {};
}  // namespace boost::system
