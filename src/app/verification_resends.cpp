// VerificationService's resends (defined apart from the other use cases, as send_claims.cpp
// and verification_events.cpp are): the customer's, under the resend rule and the phone's and
// brand's limits, and the automatic one a delivery report claims after an undelivered SMS.
#include "otpgate/app/verification_service.hpp"

#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace otpgate {

task<Answer> VerificationService::resend(const VerificationId& id, const std::string& brand,
                                         const RetryKey& retry) {
  // The phone's limits depend on the verification's brand: an all-brands key reads it first.
  std::string owner = brand;
  if (owner == "*") {
    auto found = co_await d_.store.get(id);
    if (!found) co_return error_answer(to_errc(found.error()));
    if (!found.value()) co_return error_answer(errc::not_found);
    owner = found.value()->brand;
  }
  const auto brands = d_.brands.current();  // kept for the send
  const auto b = brands->find(owner);
  if (b == brands->end()) co_return error_answer(errc::not_found);
  const std::vector<Rate> rates = phone_rates(b->second);
  const RetryEntry entry = retry_entry(retry, brand, id, "resend");
  const SendHold hold = resend_hold(b->second, entry);
  const std::int64_t now = d_.clock.now_ms();
  const HeldClaim claim{.id = id,
                        .entry = entry,
                        .holder = hold.holder,
                        .until_ms = hold.holder.empty() ? 0 : now + hold.claim_ms};
  auto out = co_await d_.store.resend(id, owner, rates, now, entry, hold);
  if (!out) {
    // A timeout: the claim may have been recorded, held by this request, unused.
    if (to_errc(out.error()) == errc::store_timeout) co_await release_later(claim);
    co_return error_answer(to_errc(out.error()));
  }
  auto& o = out.value();
  if (o.blocked)
    co_return Answer{
        .error = errc::phone_blocked, .retry_after_ms = o.retry_after_ms, .brand = owner};
  if (o.in_flight) co_return Answer{.error = errc::idempotency_in_flight, .retry_after_ms = 1'000};
  if (o.limited) {
    // The event names the resend that was refused, as apply_resend would have counted it.
    VerificationRecord attempted = o.record;
    std::int64_t wait = 0;
    apply_resend(attempted, d_.clock.now_ms(), wait);
    co_return limited(attempted, LimitScope::phone, o.retry_after_ms);
  }
  if (o.replayed) co_return replayed_resend(o);
  if (o.result != ResendResult::sent) co_return refused_resend(o);
  // A claim an earlier request left unsent: counted and admitted then (or its admission's
  // answer was lost), so it is sent as it is.
  if (!o.taken_over) {
    const Answer admitted = co_await admit_resend(b->second, id, o, rates, claim);
    if (admitted.error != errc::ok) co_return admitted;
  }
  Answer a = co_await deliver(b->second, o.record, false, claim);
  co_return a;
}

Answer VerificationService::refused_resend(const ResendOutcome& o) {
  switch (o.result) {
    case ResendResult::too_soon:
      return Answer{
          .error = errc::resend_too_soon, .record = o.record, .retry_after_ms = o.retry_after_ms};
    case ResendResult::too_late:
      return Answer{.error = errc::send_limit_reached,
                    .record = o.record,
                    .message =
                        "Less than 30 seconds of this code's validity would be left; "
                        "start a new verification instead."};
    case ResendResult::expired:
      emit(EventType::expired, o.record);
      return error_answer(errc::verification_expired, o.record);
    case ResendResult::not_pending:
      return error_answer(not_pending_error(o.record), o.record);
    case ResendResult::limit_reached:
    case ResendResult::sent:
      break;
  }
  return error_answer(errc::send_limit_reached, o.record);
}

task<errc> VerificationService::apply_report(const VerificationId& id, const ReportUpdate& report) {
  const std::int64_t now = d_.clock.now_ms();
  auto out = co_await d_.store.apply_report(id, report, now);
  if (!out) co_return to_errc(out.error());
  const ReportOutcome& o = out.value();
  if (o.what == ReportOutcome::kind::applied && report.status != DeliveryStatus::accepted) {
    const bool delivered = report.status == DeliveryStatus::delivered;
    Event e = event_of(delivered ? EventType::delivered : EventType::undelivered, o.record);
    // The report belongs to the last send (the store matched its gateway and message id).
    e.latency_ms = std::max<std::int64_t>(0, now - o.record.last_send_ms);
    e.first_delivery = delivered && o.record.delivered_ms == now;
    d_.events.publish(e);
  }
  if (o.resend_claimed) co_await resend_after_undelivered(o.record);
  co_return errc::ok;
}

task<void> VerificationService::resend_after_undelivered(const VerificationRecord& r) {
  const auto brands = d_.brands.current();  // kept for the send
  const auto brand = brands->find(r.brand);
  if (brand == brands->end() || r.id.empty()) co_return;
  const auto& order = brand->second.gateways;
  const auto failed_at = std::find(order.begin(), order.end(), r.gateway);
  const std::size_t next = failed_at == order.end()
                               ? order.size()
                               : static_cast<std::size_t>(failed_at - order.begin()) + 1;
  if (next >= order.size()) {
    log::write(log::level::info, "no gateway left for the automatic resend",
               {{"verification_id", r.id.str()}, {"gateway", r.gateway}});
    co_return;
  }
  const SendReport report = co_await send_code(brand->second, r, next);
  const DispatchResult& sent = report.dispatch;
  const DeliveryUpdate update{
      .gateway = sent.gateway, .message_id = sent.message_id, .accepted = sent.accepted};
  auto after = co_await d_.store.record_delivery(r, update, d_.clock.now_ms());
  if (after && sent.accepted) emit_send(EventType::resent, after.value(), report);
}

}  // namespace otpgate
