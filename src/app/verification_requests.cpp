#include "otpgate/app/verification_requests.hpp"

#include "otpgate/app/retry_entry.hpp"
#include "otpgate/core/idempotency.hpp"
#include "otpgate/core/public_error.hpp"
#include "otpgate/util/log.hpp"

namespace otpgate {
namespace {

Answer refused(errc e, std::string message, std::string field = {}) {
  return Answer{.error = e, .message = std::move(message), .field = std::move(field)};
}

// The Idempotency-Key header's refusal, for every request that takes one.
std::optional<Answer> bad_idempotency_key(const std::optional<std::string>& key) {
  if (!key || valid_idempotency_key(*key)) return std::nullopt;
  return refused(errc::invalid_argument,
                 "Header Idempotency-Key must be 1 to 255 visible ASCII characters.",
                 "Idempotency-Key");
}

// An action's key as the service takes it: the caller's own.
RetryKey retry_key(const Caller& caller, const std::optional<std::string>& key) {
  return RetryKey{.key = key.value_or(""), .owner = caller.key_id};
}

// The brand a create is for: the key's own, or the body's for an all-brands key.
std::optional<Answer> resolve_brand(const Caller& caller, const StartRequest& request,
                                    std::string& brand) {
  brand = caller.brand == "*" ? request.brand : caller.brand;
  if (brand.empty())
    return refused(errc::invalid_argument, "Field 'brand' is required with an all-brands key.",
                   "brand");
  if (!request.brand.empty() && request.brand != brand)
    return refused(errc::permission_denied, "This API key is not valid for that brand.");
  return std::nullopt;
}

// What the brand requires of a request before anything is sent: a support_call text for a
// support call, the order's amount, currency and payee for a PSD2 brand's checkout.
std::optional<Answer> brand_preconditions(const Brand& brand, const StartRequest& request) {
  std::string support_locale;
  if (request.purpose == Purpose::support_call &&
      !brand.template_for(request.locale, support_locale, Purpose::support_call))
    return refused(errc::invalid_argument,
                   "This brand has no support_call SMS text for its languages, so it offers no "
                   "support calls.",
                   "purpose");
  if (brand.psd2_dynamic_linking && request.camara)
    return refused(errc::permission_denied,
                   "This brand requires PSD2 dynamic linking (a code bound to an order), and "
                   "send-code cannot carry an order: use POST /v1/verifications.");
  if (brand.psd2_dynamic_linking && request.purpose == Purpose::checkout)
    if (const auto term = missing_psd2_term(request.order)) {
      const std::string field = "order." + std::string(*term);
      return refused(errc::invalid_argument,
                     "Field '" + field +
                         "' is required: this brand requires PSD2 dynamic linking (the code is "
                         "bound to the order's amount, currency and payee).",
                     field);
    }
  return std::nullopt;
}

}  // namespace

std::variant<CreateCommand, Answer> VerificationRequests::admit(const Caller& caller,
                                                                const StartRequest& request,
                                                                const BrandCatalog& brands) const {
  std::string brand_id;
  if (auto bad = resolve_brand(caller, request, brand_id)) return std::move(*bad);
  const auto brand = brands.find(brand_id);
  if (brand == brands.end()) return refused(errc::invalid_argument, "Unknown brand.", "brand");
  if (auto bad = brand_preconditions(brand->second, request)) return std::move(*bad);
  const auto phone = d_.phones.parse(request.phone_number);
  if (!phone)
    return refused(errc::invalid_argument,
                   "Field 'phone_number' must be a valid E.164 number such as +4915112345678.",
                   "phone_number");
  if (auto bad = bad_idempotency_key(request.idempotency_key)) return std::move(*bad);
  return CreateCommand{.brand = &brand->second,
                       .phone = phone->number,
                       .country = phone->country,
                       .sms_line = receives_codes(phone->line_type),
                       .client_ip = request.client_ip,
                       .locale = request.locale,
                       .order = request.order,
                       .metadata_json = request.metadata.is_null() ? "" : request.metadata.dump(),
                       .idempotency_key = request.idempotency_key.value_or(""),
                       .body = request.fingerprint,
                       .purpose = request.purpose,
                       .message_text = request.message_text,
                       .customer = request.customer};
}

task<Answer> VerificationRequests::start(const Caller& caller, const StartRequest& request) {
  const auto brands = d_.brands.current();  // kept until the create has answered
  auto admitted = admit(caller, request, *brands);
  if (auto* bad = std::get_if<Answer>(&admitted)) co_return std::move(*bad);
  const CreateCommand& cmd = std::get<CreateCommand>(admitted);
  Answer a = co_await d_.service.create(cmd);
  if (request.camara && a.error == errc::ok && a.record) {
    // Sent: from here on the phone's earlier send-code of the brand answers expired. When this
    // call fails, the caller hears the store's error (the earlier code may still be valid).
    auto superseded = co_await d_.service.supersede_camara(*a.record);
    if (!superseded) a = Answer{.error = to_errc(superseded.error()), .brand = a.record->brand};
  }
  if (caller.support) {
    const SupportAction what{.action = request.purpose == Purpose::support_call
                                           ? "support_call.start"
                                           : "verification.create",
                             .brand = cmd.brand->id.str(),
                             .target = cmd.phone.masked(),
                             .verification = a.record ? a.record->id.str() : std::string(),
                             .reason = request.reason};
    co_await audit(caller, what, a);
  }
  co_return a;
}

task<Answer> VerificationRequests::get(const Caller& caller, const VerificationId& id) {
  if (!visible(caller, id)) co_return refused(errc::not_found, "No such verification.");
  const Answer a = co_await d_.service.get(id, caller.brand);
  co_return a;
}

task<Answer> VerificationRequests::check(const Caller& caller, const VerificationId& id,
                                         const std::string& code, const OrderTerms& order,
                                         const std::optional<std::string>& idempotency_key) {
  if (!visible(caller, id)) co_return refused(errc::not_found, "No such verification.");
  if (auto bad = bad_idempotency_key(idempotency_key)) co_return std::move(*bad);
  const RetryKey retry = retry_key(caller, idempotency_key);
  const Answer a = co_await d_.service.check(id, caller.brand, code, order, retry);
  co_await audit_on(caller, id, "check", a, retry);
  co_return a;
}

task<Answer> VerificationRequests::resend(const Caller& caller, const VerificationId& id,
                                          const std::optional<std::string>& idempotency_key) {
  if (!visible(caller, id)) co_return refused(errc::not_found, "No such verification.");
  if (auto bad = bad_idempotency_key(idempotency_key)) co_return std::move(*bad);
  const RetryKey retry = retry_key(caller, idempotency_key);
  const Answer a = co_await d_.service.resend(id, caller.brand, retry);
  co_await audit_on(caller, id, "resend", a, retry);
  co_return a;
}

task<Answer> VerificationRequests::cancel(const Caller& caller, const VerificationId& id,
                                          const std::optional<std::string>& idempotency_key) {
  if (!visible(caller, id)) co_return refused(errc::not_found, "No such verification.");
  if (auto bad = bad_idempotency_key(idempotency_key)) co_return std::move(*bad);
  const RetryKey retry = retry_key(caller, idempotency_key);
  const Answer a = co_await d_.service.cancel(id, caller.brand, retry);
  co_await audit_on(caller, id, "cancel", a, retry);
  co_return a;
}

task<void> VerificationRequests::audit_on(const Caller& caller, const VerificationId& id,
                                          std::string_view verb, const Answer& a,
                                          const RetryKey& retry) {
  if (!caller.support) co_return;
  SupportAction what{
      .action =
          std::string(id.purpose() == Purpose::support_call ? "support_call." : "verification.") +
          std::string(verb),
      .verification = id.str(),
      .idempotency_key = retry.key};
  if (a.record) {
    what.brand = a.record->brand;
    what.target = a.record->phone.masked();
  } else {
    // Refused without a record (a locked phone, a limit, not found): the verification's brand
    // when the refusal knew it, else the key's. A "*" key's action refused before its brand was
    // known names no brand, so there is no brand log to write to.
    what.brand = !a.brand.empty() ? a.brand : caller.brand == "*" ? std::string() : caller.brand;
  }
  co_await audit(caller, what, a);
}

task<void> VerificationRequests::audit(const Caller& caller, const SupportAction& what,
                                       const Answer& a) {
  const std::string outcome =
      a.error == errc::ok ? std::string("ok") : std::string(public_error(a.error).code);
  std::vector<std::pair<std::string, std::string>> entry = {
      {"action", what.action}, {"actor", caller.key_id},
      {"target", what.target}, {"verification", what.verification},
      {"outcome", outcome},    {"at", std::to_string(d_.clock.now_ms())}};
  if (!what.reason.empty()) entry.emplace_back("reason", what.reason);
  result<std::string> logged = errc::not_found;
  if (!what.brand.empty() && what.idempotency_key.empty()) {
    logged = co_await d_.audit.append(what.brand, entry);
  } else if (!what.brand.empty()) {
    // A retry under the same Idempotency-Key that is answered the same (a replay) adds no
    // second entry: one entry per key and outcome (a 503 and its retry's approval are two).
    const RetryScope scope{
        .owner = caller.key_id,
        .brand = what.brand,
        .target = "audit/" + what.verification + "/" + what.action + "/" + outcome};
    auto once = co_await d_.audit.append_once(
        what.brand, entry, retry_entry(d_.keys, scope, what.idempotency_key, what.action));
    logged = once ? result<std::string>(once.value().id) : result<std::string>(once.error());
  }
  // The action is done and its answer must reach the caller; the error log keeps the entry
  // (all but the reason, which is free text).
  if (!logged)
    log::write(log::level::error, "audit entry not written",
               {{"brand", what.brand},
                {"action", what.action},
                {"actor", caller.key_id},
                {"target", what.target},
                {"verification", what.verification},
                {"outcome", outcome},
                {"error", what.brand.empty() ? std::string("no brand: an all-brands key")
                                             : logged.error().message()}});
}

}  // namespace otpgate
