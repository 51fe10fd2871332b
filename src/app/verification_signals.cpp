// The network signals of a create (core/signals.hpp, docs/signals.md): VerificationService asks
// the operator what the brand's policy names, before anything is stored or sent.
#include "otpgate/app/verification_service.hpp"
#include "otpgate/core/code.hpp"

namespace otpgate {

SendAdmission VerificationService::probe_admission(const CreateCommand& cmd,
                                                   const NewVerification& v) const {
  const std::string& brand = v.record.brand;
  SendAdmission a{.brand = brand};
  // Counted apart from the sends' limits, on the brand's slot.
  if (!v.phone_rates.empty())
    a.subjects.push_back(RateSubject{.scope = LimitScope::phone,
                                     .brand = brand,
                                     .id = v.tag,
                                     .rates = v.phone_rates,
                                     .probe = true});
  const Rate& ip_rate = cmd.brand->limits.ip_per_hour;
  if (!cmd.client_ip.empty() && ip_rate.enabled())
    a.subjects.push_back(RateSubject{
        .scope = LimitScope::ip,
        .brand = brand,
        .id = to_hex(d_.keys.mac(KeyPurpose::rate_limit, brand + "|signals|" + cmd.client_ip)),
        .rates = {ip_rate}});
  return a;
}

task<VerificationService::SignalGate> VerificationService::screen(const CreateCommand& cmd,
                                                                  const NewVerification& v) {
  const SignalPolicy& policy = cmd.brand->signals;
  const auto query =
      policy.empty() ? std::nullopt : signal_query(policy, cmd.phone.e164(), cmd.customer);
  if (!query) co_return SignalGate{};
  // A known Idempotency-Key: its first request was asked, and the store answers this one from
  // it (a replay, a conflict, a request still running). Asking again could only contradict it.
  if (!v.idempotency_key.empty()) {
    auto known = co_await d_.store.idempotency_known(v);
    if (!known) co_return SignalGate{.refused = error_answer(to_errc(known.error()))};
    if (known.value()) co_return SignalGate{};
  }
  // Each question costs a token of the probe budget, refused creates included: the answers are
  // an oracle of the subscriber's data otherwise.
  const SendAdmission probe = probe_admission(cmd, v);
  if (!probe.subjects.empty()) {
    auto admitted = co_await d_.limits.admit_send(probe, d_.clock.now_ms());
    if (!admitted) co_return SignalGate{.refused = error_answer(to_errc(admitted.error()))};
    if (admitted.value().what != AdmissionVerdict::kind::allowed)
      co_return SignalGate{.refused = refused_by(probe, v.record, admitted.value())};
  }
  // Without an operators file nothing can be asked: each signal fails, and on_error decides
  // (wiring refuses a brand naming an unknown operator, so this is a brand reloaded meanwhile).
  // (No conditional around the co_await: g++ 12, docs/architecture.md "coroutine rules".)
  SignalAnswers answers = unanswered(*query, SignalFailure::not_configured);
  if (d_.signals) answers = co_await d_.signals->query(*query);
  const SignalVerdict verdict = decide_signals(policy, answers);
  if (verdict.refuse) {
    emit_refused(cmd, verdict.reason, &verdict.results);
    co_return SignalGate{.refused = error_answer(*verdict.refuse)};
  }
  if (verdict.results.empty()) co_return SignalGate{};
  co_return SignalGate{.results = verdict.results};
}

}  // namespace otpgate
