#include "otpgate/core/errc.hpp"

#include <string>

namespace otpgate {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "otpgate"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "ok";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::unauthenticated:
        return "unauthenticated";
      case errc::permission_denied:
        return "permission denied";
      case errc::not_found:
        return "not found";
      case errc::code_invalid:
        return "code invalid";
      case errc::verification_failed:
        return "verification failed";
      case errc::verification_expired:
        return "verification expired";
      case errc::not_pending:
        return "verification not pending";
      case errc::resend_too_soon:
        return "resend too soon";
      case errc::send_limit_reached:
        return "send limit reached";
      case errc::too_many_requests:
        return "too many requests";
      case errc::phone_blocked:
        return "phone number blocked";
      case errc::phone_not_allowed:
        return "phone number not allowed";
      case errc::phone_recently_swapped:
        return "phone number recently swapped";
      case errc::identity_mismatch:
        return "identity mismatch";
      case errc::signal_unavailable:
        return "network signal unavailable";
      case errc::idempotency_in_flight:
        return "idempotency key in use by a request still running";
      case errc::idempotency_conflict:
        return "idempotency key reused with another body";
      case errc::sms_delivery_failed:
        return "sms delivery failed";
      case errc::template_invalid:
        return "template invalid";
      case errc::precondition_failed:
        return "precondition failed";
      case errc::precondition_required:
        return "precondition required";
      case errc::store_unavailable:
        return "store unavailable";
      case errc::store_timeout:
        return "store timeout";
      case errc::store_protocol:
        return "store protocol error";
      case errc::gateway_error:
        return "gateway error";
      case errc::gateway_timeout:
        return "gateway timeout";
      case errc::gateway_unreachable:
        return "gateway unreachable";
      case errc::internal:
        return "internal error";
    }
    return "unknown otpgate error";
  }
};

}  // namespace

const boost::system::error_category& otpgate_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace otpgate
