// Whether a send may go out: the phone's rate limits (in the create's or the resend's own
// script), then the brand-wide part in one call on the brand's slot: the client IP,
// number range and brand limits and the SMS pumping watch. Refusals become 429 answers with
// their events here.
#include "otpgate/app/verification_service.hpp"
#include "otpgate/core/code.hpp"
#include "otpgate/core/rate_limit.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>

namespace otpgate {
namespace {

// The public sentence for a denied limit: which limit in words, never a number or an address.
std::string limit_message(LimitScope scope) {
  switch (scope) {
    case LimitScope::phone:
      return "Too many SMS were requested for this phone number; retry after Retry-After "
             "seconds.";
    case LimitScope::ip:
      return "Too many verifications were started from this client IP; retry after Retry-After "
             "seconds.";
    case LimitScope::prefix:
      return "Too many SMS were requested for numbers of this number range; retry after "
             "Retry-After seconds.";
    case LimitScope::brand:
      break;
  }
  return "This brand has requested too many SMS; retry after Retry-After seconds.";
}

}  // namespace

std::vector<Rate> VerificationService::phone_rates(const Brand& brand) {
  std::vector<Rate> rates;
  for (const Rate& r : {brand.limits.phone_per_10_minutes, brand.limits.phone_per_day})
    if (r.enabled()) rates.push_back(r);
  return rates;
}

SendAdmission VerificationService::brand_admission(const Brand& brand, const VerificationRecord& r,
                                                   const std::string& client_ip) const {
  const RateLimitPolicy& p = brand.limits;
  SendAdmission a{.brand = r.brand};
  if (!client_ip.empty() && p.ip_per_hour.enabled())
    a.subjects.push_back(
        RateSubject{.scope = LimitScope::ip,
                    .brand = r.brand,
                    .id = to_hex(d_.keys.mac(KeyPurpose::rate_limit, r.brand + "|" + client_ip)),
                    .rates = {p.ip_per_hour}});
  if (p.prefix_per_hour.enabled())
    a.subjects.push_back(RateSubject{.scope = LimitScope::prefix,
                                     .brand = r.brand,
                                     .id = destination_prefix(r.phone.e164(), p.prefix_digits),
                                     .rates = {p.prefix_per_hour}});
  if (p.brand_per_minute.enabled())
    a.subjects.push_back(
        RateSubject{.scope = LimitScope::brand, .brand = r.brand, .rates = {p.brand_per_minute}});
  if (brand.pumping.enabled() && !brand.pumping.safelisted(r.phone.e164())) {
    a.pumping = true;
    a.prefix_digits = p.prefix_digits;
    a.prefix = destination_prefix(r.phone.e164(), p.prefix_digits);
    a.policy = brand.pumping;
  }
  return a;
}

Answer VerificationService::limited(const VerificationRecord& r, LimitScope scope,
                                    std::int64_t retry_after_ms) {
  Event e{.type = EventType::rate_limited,
          .brand = r.brand,
          .verification_id = r.sends > 1 ? r.id.str() : std::string(),
          .phone_masked = r.phone.masked(),
          .country = r.country,
          .at_ms = d_.clock.now_ms(),
          .metadata_json = r.metadata_json,
          .limit = std::string(to_string(scope))};
  d_.events.publish(e);
  return Answer{.error = errc::too_many_requests,
                .retry_after_ms = retry_after_ms,
                .message = limit_message(scope),
                .limit = std::string(to_string(scope)),
                .brand = r.brand};
}

Answer VerificationService::refused_by(const SendAdmission& a, const VerificationRecord& r,
                                       const AdmissionVerdict& v) {
  using K = AdmissionVerdict::kind;
  if (v.what == K::limited) return limited(r, v.scope, v.retry_after_ms);
  Event e{.type = EventType::prefix_blocked,
          .brand = r.brand,
          .phone_masked = r.phone.masked(),
          .country = r.country,
          .at_ms = d_.clock.now_ms(),
          .prefix = a.prefix};
  if (v.what == K::tripped) {
    log::write(log::level::warn, "sms pumping suspected: destination prefix blocked",
               {{"brand", r.brand}, {"prefix", a.prefix}, {"blocked_ms", v.retry_after_ms}});
    d_.events.publish(e);
  }
  e.type = EventType::rate_limited;
  e.verification_id = r.sends > 1 ? r.id.str() : std::string();
  e.metadata_json = r.metadata_json;
  e.limit = "prefix_anomaly";
  e.prefix.clear();
  d_.events.publish(e);
  return Answer{.error = errc::too_many_requests,
                .retry_after_ms = v.retry_after_ms,
                .message =
                    "SMS to numbers of this number range are paused after unusual traffic; "
                    "retry after Retry-After seconds.",
                .limit = "prefix_anomaly",
                .brand = r.brand};
}

task<Answer> VerificationService::admit_resend(const Brand& brand, const VerificationId& id,
                                               const ResendOutcome& claimed,
                                               const std::vector<Rate>& phone_rates,
                                               const HeldClaim& claim) {
  const SendAdmission a = brand_admission(brand, claimed.record, std::string());
  auto admitted = co_await d_.limits.admit_send(a, d_.clock.now_ms());
  if (admitted && admitted.value().what == AdmissionVerdict::kind::allowed) co_return Answer{};
  // Unknown under a key: the brand may have counted it, and the retry sends it (the claim is
  // released for it).
  if (!admitted && !claim.empty()) {
    co_await release_later(claim);
    co_return error_answer(to_errc(admitted.error()));
  }
  // Refused (or unknown, without a key): the resend will not be sent, so its claim and the
  // phone's token go back, and a retry is judged anew.
  auto undone = co_await d_.store.undo_resend(id, claimed, phone_rates);
  if (!undone)
    log::write(log::level::warn, "refused resend not taken back",
               {{"brand", claimed.record.brand}});
  if (!admitted) co_return error_answer(to_errc(admitted.error()));
  co_await settle(claim, claimed.record.brand);
  co_return refused_by(a, claimed.record, admitted.value());
}

}  // namespace otpgate
