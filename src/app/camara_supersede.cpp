// VerificationService::supersede_camara, apart from the create it follows: one store call.
#include "otpgate/app/verification_service.hpp"

namespace otpgate {

task<result<camara::Superseded>> VerificationService::supersede_camara(
    const VerificationRecord& r) {
  auto out = co_await d_.store.supersede_camara(r, d_.clock.now_ms());
  co_return out;
}

}  // namespace otpgate
