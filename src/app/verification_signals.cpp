// The network signals of a create (core/signals.hpp, docs/signals.md): VerificationService asks
// the operator what the brand's policy names, before anything is stored or sent.
#include "otpgate/app/verification_service.hpp"

namespace otpgate {

task<SignalVerdict> VerificationService::ask_signals(const CreateCommand& cmd) {
  const SignalPolicy& policy = cmd.brand->signals;
  if (policy.empty()) co_return SignalVerdict{};
  const auto query = signal_query(policy, cmd.phone.e164(), cmd.customer);
  if (!query) co_return SignalVerdict{};
  // Without an operators file nothing can be asked: each signal fails, and on_error decides
  // (wiring refuses a brand naming an unknown operator, so this is a brand reloaded meanwhile).
  // (No conditional around the co_await: g++ 12, docs/architecture.md "coroutine rules".)
  SignalAnswers answers = unanswered(*query, SignalFailure::not_configured);
  if (d_.signals) answers = co_await d_.signals->query(*query);
  co_return decide_signals(policy, answers);
}

}  // namespace otpgate
