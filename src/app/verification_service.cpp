#include "otpgate/app/verification_service.hpp"

#include "otpgate/core/code.hpp"
#include "otpgate/core/sms_encoding.hpp"
#include "otpgate/core/sms_text.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace otpgate {
namespace {

// The order's fields for {{amount}} (formatted for the SMS's locale: "49,99 €" in German),
// {{currency}}, {{payee}} and {{order_id}} (empty without an order). The amount is formatted from
// its text as sent, as before the order was typed.
TemplateValues order_values(const std::optional<Order>& order, const std::string& locale) {
  TemplateValues v;
  if (!order) return v;
  v.currency = order->currency.value_or("");
  if (order->amount) v.amount = format_amount(order->amount->text(), v.currency, locale);
  v.payee = order->payee.value_or("");
  v.order_id = order->id.value_or("");
  return v;
}

}  // namespace

errc VerificationService::not_pending_error(const VerificationRecord& r) {
  return r.status == Status::expired ? errc::verification_expired : errc::not_pending;
}

task<VerificationService::SendReport> VerificationService::send_code(const Brand& brand,
                                                                     const VerificationRecord& r,
                                                                     std::size_t first) {
  std::string locale;
  const Purpose purpose = r.id.purpose();
  const Template* tpl = brand.template_for(r.locale, locale, purpose);
  if (r.id.empty() || !tpl) co_return SendReport{};
  const OtpCode code = derive_code(d_.keys, r.code_format, r.id);
  TemplateValues values = order_values(r.order, locale);
  values.code = code.reveal();
  values.brand = brand.display_name;
  values.ttl_minutes = std::to_string(minutes_valid_after_send(r));
  // A support call's code is read aloud to the agent: no line lets a browser or app fill it in.
  // The caller's own text (CAMARA send-code) is sent as the caller wrote it.
  std::string text = !r.message_text.empty() ? fill_code(r.message_text, code.reveal())
                     : purpose == Purpose::support_call
                         ? tpl->render(values)
                         : compose_sms(tpl->render(values), code.reveal(), brand.webotp_domain,
                                       brand.webotp_embedded_domain, brand.android_app_hash);
  SendReport report;
  if (const auto analysis = analyze_sms(text)) {
    report.segments = analysis->segments;
    // Event::encoding's words ("gsm7", "ucs2", as the template API spells them), not the
    // display names to_string gives ("GSM-7").
    report.encoding = analysis->encoding == SmsEncoding::gsm7 ? "gsm7" : "ucs2";
  }
  const SmsMessage msg{r.phone.e164(), brand.sender_id, Secret<std::string>(std::move(text)),
                       r.brand, r.id.str()};
  report.dispatch = co_await d_.dispatcher.send(brand.delivery, brand.gateways, first, msg);
  co_return report;
}

NewVerification VerificationService::draft(const CreateCommand& cmd, const std::string& binding,
                                           std::int64_t now) {
  const Brand& brand = *cmd.brand;
  const std::string tag = phone_tag(d_.keys, brand.id.str(), cmd.phone.e164());
  const VerificationId id = new_verification_id(d_.random, tag, cmd.purpose);
  // A request counts as running until its first send is recorded (claim_ms).
  NewVerification v{.tag = tag,
                    .retention_ms = d_.retention_ms,
                    .phone_rates = phone_rates(brand),
                    .in_flight_ms = claim_ms(brand)};
  VerificationRecord& r = v.record;
  r.id = id;
  r.brand = brand.id.str();
  r.phone = cmd.phone;
  r.country = cmd.country;
  brand.template_for(cmd.locale, r.locale, cmd.purpose);
  r.code_format = brand.code.format;
  r.code_mac = code_mac(d_.keys, id, derive_code(d_.keys, r.code_format, id).reveal(), binding);
  r.order_bound = binding.empty() ? 0 : 1;
  r.created_ms = r.last_send_ms = now;
  r.expires_ms = now + brand.code.ttl.count();
  r.max_attempts = brand.code.max_attempts;
  r.sends = 1;
  r.max_sends = brand.code.max_sends;
  r.resend_cooldown_ms = brand.code.resend_cooldown.count();
  r.delivery_status = DeliveryStatus::queued;
  r.auto_resend = brand.delivery.resend_on_undelivered ? 1 : 0;
  r.lock_max_failed = brand.lock.max_failed_checks;
  r.lock_window_ms = brand.lock.window.count();
  r.lock_ms = brand.lock.duration.count();
  r.lock_max_ms = brand.lock.max_duration.count();
  r.order = cmd.order;
  r.metadata_json = cmd.metadata_json;
  r.message_text = cmd.message_text;
  if (!cmd.idempotency_key.empty()) {
    // Keys and bodies are MACed: the store never holds a caller's raw idempotency key or body.
    // A support call's keys are their own ("\n" cannot follow the brand id in a checkout's,
    // keys being visible ASCII): a shop reusing an agent's key learns nothing of the call.
    const std::string scope = brand.id.str() + (cmd.purpose == Purpose::support_call ? "\n" : "|");
    v.idempotency_key = to_hex(d_.keys.mac(KeyPurpose::idempotency, scope + cmd.idempotency_key));
    v.request_fingerprint = to_hex(d_.keys.mac(KeyPurpose::idempotency, cmd.body));
  }
  return v;
}

task<Answer> VerificationService::deliver(const Brand& brand, const VerificationRecord& r,
                                          bool first_send, const HeldClaim& claim) {
  if (r.id.empty()) co_return error_answer(errc::internal);
  if (!claim_covers_send(brand, claim)) {
    // Redis was slow before the send: a retry may take the send over before this one could be
    // recorded, so this request sends nothing and answers as a timeout; its retry sends.
    co_await release_later(claim);
    co_return error_answer(errc::store_timeout);
  }
  const SendReport report = co_await send_code(brand, r, 0);
  const DispatchResult& sent = report.dispatch;
  // Named arguments: g++ 12 destroys temporaries of a conditional inside a co_await
  // expression twice (see docs/architecture.md, "coroutine rules").
  const DeliveryUpdate update{
      .gateway = sent.gateway,
      .message_id = sent.message_id,
      .accepted = sent.accepted,
      .first_send = first_send,
      .idempotency_key = claim.create ? claim.create->idempotency_key : claim.entry.key,
      .resend_claim = claim.holder};
  // Counted until its record is in: a stop that ends this frame meanwhile logs it.
  if (sent.accepted) ++unrecorded_;
  auto after = co_await d_.store.record_delivery(r, update, d_.clock.now_ms());
  if (sent.accepted) --unrecorded_;
  const EventType ok_event = first_send ? EventType::sent : EventType::resent;
  if (!after) {
    // Sent: recorded when Redis answers again (the claim stays until then, so no retry sends
    // the code twice). Not sent: the claim is given back, and the retry may send it now.
    if (sent.accepted) {
      // Without a claim no retry takes the send over: recorded for as long as a claim's
      // recording would be, past the 16 attempts a release makes.
      const std::int64_t until =
          claim.until_ms > 0 ? claim.until_ms : d_.clock.now_ms() + claim_record_ms;
      const UnrecordedSend unrecorded{r, update, ok_event, report, until};
      co_await record_later(unrecorded);
    } else if (first_send) {
      // A keyless create's own claim (in_flight_ms) ends at its creation plus claim_ms.
      const std::int64_t until =
          claim.until_ms > 0 ? claim.until_ms : r.created_ms + claim_ms(brand);
      co_await settle_failed_first_send_later(r, claim, until);
    } else {
      co_await release_later(claim);
    }
    co_return error_answer(to_errc(after.error()));
  }
  emit_recorded_send(r, sent.accepted ? ok_event : EventType::send_failed, after.value(), report,
                     first_send);
  if (first_send) co_await forget_first_send_later(r.id);
  if (!sent.accepted) co_return error_answer(errc::sms_delivery_failed, after.value());
  co_return Answer{.record = after.value()};
}

task<Answer> VerificationService::create(const CreateCommand& cmd) {
  if (!cmd.brand->country_allowed(cmd.country)) {
    emit_refused(cmd, "country");
    co_return error_answer(errc::phone_not_allowed);
  }
  if (!cmd.sms_line) {
    emit_refused(cmd, "line_type");
    Answer refused = error_answer(errc::phone_not_allowed);
    refused.message = "This phone number is not a mobile number; codes are sent to mobiles only.";
    co_return refused;
  }
  std::string binding;
  if (cmd.brand->psd2_dynamic_linking && cmd.purpose == Purpose::checkout) {
    // The HTTP edge names the missing field; this guards every other caller (a route without an
    // order, such as CAMARA send-code) from issuing a code that is not bound to a payment.
    // A support call's code authorises no payment, so it is never bound.
    auto bound = cmd.order ? psd2_binding(*cmd.order) : std::nullopt;
    if (!bound) co_return error_answer(errc::permission_denied);
    binding = std::move(*bound);
  }
  const std::int64_t now = d_.clock.now_ms();
  NewVerification v = draft(cmd, binding, now);
  // The operator's network, last of the refusals (it costs a call): a refusal stores and sends
  // nothing; a create let through keeps what the signals said.
  const SignalGate gate = co_await screen(cmd, v);
  if (gate.refused) co_return *gate.refused;
  if (gate.results) v.record.signals = gate.results;
  // The phone's slot first (replay, lock, the phone's limits, the record), then the brand's
  // (IP, range and brand limits, the pumping watch) for a create the phone's slot stored: the
  // brand's budgets and the pumping watch count only sends that go out. When the brand's slot
  // refuses, the create is taken back (the record, its idempotency entry, the phone's token).
  // When its answer is lost (a timeout), the create stays as it is, unsent: its retry sends it
  // with the tokens already taken, or it ends send_failed at its deadline (docs/architecture.md,
  // "A create's faults").
  HeldClaim claim;
  if (!v.idempotency_key.empty()) {
    claim.create = v;
    claim.until_ms = now + claim_ms(*cmd.brand);
  }
  auto created = co_await d_.store.create(v, now);
  if (!created) {
    // A timeout: the create may have run, and this request holds its claim, unused.
    if (to_errc(created.error()) == errc::store_timeout) co_await release_later(claim);
    co_return error_answer(to_errc(created.error()));
  }
  // Only a created record keeps the index entry the create noted for its draft: a replay, a
  // claim of an earlier create's send, a refusal stored nothing under the draft's id.
  if (created.value().what != CreateOutcome::kind::created)
    co_await forget_first_send_later(v.record.id);
  if (created.value().what == CreateOutcome::kind::created) {
    const SendAdmission brand_part = brand_admission(*cmd.brand, v.record, cmd.client_ip);
    auto admitted = co_await d_.limits.admit_send(brand_part, now);
    if (!admitted) {
      co_await release_later(claim);
      co_return error_answer(to_errc(admitted.error()));
    }
    if (admitted.value().what != AdmissionVerdict::kind::allowed) {
      auto undone = co_await d_.store.undo_create(v, now);
      if (!undone)
        log::write(log::level::warn, "refused create not undone", {{"brand", v.record.brand}});
      co_return refused_by(brand_part, v.record, admitted.value());
    }
  }
  Answer a = co_await answer_created(*cmd.brand, v, created.value(), claim);
  co_return a;
}

task<Answer> VerificationService::answer_created(const Brand& brand, const NewVerification& v,
                                                 const CreateOutcome& created,
                                                 const HeldClaim& claim) {
  switch (created.what) {
    case CreateOutcome::kind::blocked:
      co_return Answer{.error = errc::phone_blocked, .retry_after_ms = created.retry_after_ms};
    case CreateOutcome::kind::idempotency_conflict:
      co_return error_answer(errc::idempotency_conflict);
    case CreateOutcome::kind::claimed: {
      // An earlier request stored this verification and never sent it: its first send (and
      // its created event) is this retry's, under the key.
      Answer a = co_await deliver(brand, created.record, true, claim);
      co_return a;
    }
    case CreateOutcome::kind::replayed: {
      if (created.send_failed_now) emit_unsent_failed(created.record);
      const errc e =
          created.record.status == Status::send_failed ? errc::sms_delivery_failed : errc::ok;
      co_return Answer{.error = e, .record = created.record, .replayed = true};
    }
    case CreateOutcome::kind::in_flight:
      co_return Answer{.error = errc::idempotency_in_flight, .retry_after_ms = 1'000};
    case CreateOutcome::kind::limited:
      co_return limited(v.record, LimitScope::phone, created.retry_after_ms);
    case CreateOutcome::kind::created:
      break;
  }
  Answer a = co_await deliver(brand, v.record, true, claim);
  co_return a;
}

task<Answer> VerificationService::get(const VerificationId& id, const std::string& brand) {
  auto found = co_await d_.store.get(id);
  if (!found) co_return error_answer(to_errc(found.error()));
  if (!found.value() || (brand != "*" && found.value()->brand != brand))
    co_return error_answer(errc::not_found);
  VerificationRecord r = std::move(*found.value());
  const std::int64_t now = d_.clock.now_ms();
  if (r.status == Status::pending && effective_status(r, now) == Status::expired) {
    // First reader after expiry records it, so the expired event is emitted exactly once.
    auto changed = co_await d_.store.mark_expired(id, now);
    if (changed && changed.value()) emit(EventType::expired, r);
    r.status = Status::expired;
  }
  co_return Answer{.record = std::move(r)};
}

task<Answer> VerificationService::check(const VerificationId& id, const std::string& brand,
                                        const std::string& code) {
  const OrderTerms none;
  const RetryKey no_key;  // named: no temporaries in a co_await expression (g++ 12)
  Answer a = co_await check(id, brand, code, none, no_key);
  co_return a;
}

task<Answer> VerificationService::check(const VerificationId& id, const std::string& brand,
                                        const std::string& code, const OrderTerms& order,
                                        const RetryKey& retry) {
  // The MAC binds the code to this id, so the check needs no read before the one script call.
  // Whether the verification is also bound to its order is known only to the record: both MACs
  // go to the script, which compares the one the record asks for (presented_mac).
  // Upper-casing is the alphanumeric normalisation and leaves digit codes unchanged.
  const CodeFormat any_alphanumeric{.alphabet = CodeAlphabet::alphanumeric};
  const std::string typed = normalise_code(any_alphanumeric, code);
  const std::string mac = code_mac(d_.keys, id, typed, "");
  const auto binding = psd2_binding(order);
  const std::string bound_mac =
      code_mac(d_.keys, id, typed, binding ? *binding : psd2_unmatchable_binding);
  // The parsed request: the code as normalised and the order's binding, which both MACs carry.
  const RetryEntry entry = retry_entry(retry, brand, id, "check\n" + mac + "\n" + bound_mac);
  const std::int64_t now = d_.clock.now_ms();
  auto out = co_await d_.store.check(id, brand, mac, bound_mac, now, entry);
  if (!out) co_return error_answer(to_errc(out.error()));
  auto& o = out.value();
  if (o.blocked) co_return Answer{.error = errc::phone_blocked, .retry_after_ms = o.retry_after_ms};
  // A replay answers as the first request did; its events were emitted then.
  if (!o.replayed) emit_check(o);
  Answer a = answer_check(o);
  a.replayed = o.replayed;
  co_return a;
}

Answer VerificationService::answer_check(const CheckOutcome& o) {
  switch (o.result) {
    case CheckResult::approved:
      return Answer{.record = o.record};
    case CheckResult::wrong:
      return Answer{.error = errc::code_invalid,
                    .record = o.record,
                    .attempts_left = attempts_left(o.record)};
    case CheckResult::failed:
      return error_answer(errc::verification_failed, o.record);
    case CheckResult::expired:
      return error_answer(errc::verification_expired, o.record);
    case CheckResult::not_pending:
      return error_answer(not_pending_error(o.record), o.record);
  }
  return error_answer(errc::internal);
}

task<Answer> VerificationService::cancel(const VerificationId& id, const std::string& brand,
                                         const RetryKey& retry) {
  const RetryEntry entry = retry_entry(retry, brand, id, "cancel");
  auto out = co_await d_.store.cancel(id, brand, d_.clock.now_ms(), entry);
  if (!out) co_return error_answer(to_errc(out.error()));
  auto& o = out.value();
  Answer a;
  switch (o.result) {
    case CancelResult::cancelled:
      if (!o.replayed) emit(EventType::cancelled, o.record);
      a = Answer{.record = o.record};
      break;
    case CancelResult::expired:
      if (!o.replayed) emit(EventType::expired, o.record);
      a = error_answer(errc::verification_expired, o.record);
      break;
    case CancelResult::not_pending:
      a = error_answer(not_pending_error(o.record), o.record);
      break;
  }
  a.replayed = o.replayed;
  co_return a;
}

}  // namespace otpgate
