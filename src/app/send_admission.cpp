// Whether a send may go out: the brand's rate limits, narrowest first, then the SMS pumping
// watch (VerificationService::admit_send and watch_for_pumping).
#include "otpgate/app/verification_service.hpp"
#include "otpgate/core/code.hpp"
#include "otpgate/core/rate_limit.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>

namespace otpgate {
namespace {

Answer failure(errc e) {
  return Answer{.error = e};
}

std::string masked(const std::string& e164) {
  auto p = PhoneNumber::parse_e164(e164);
  return p ? p->masked() : std::string("invalid");
}

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

task<Answer> VerificationService::admit_send(const Brand& brand, const std::string& tag,
                                             const VerificationRecord& r,
                                             const std::string& client_ip) {
  const RateLimitPolicy& p = brand.limits;
  std::vector<RateSubject> subjects;
  subjects.push_back(RateSubject{.scope = LimitScope::phone,
                                 .brand = r.brand,
                                 .id = tag,
                                 .rates = {p.phone_per_10_minutes, p.phone_per_day}});
  if (!client_ip.empty() && p.ip_per_hour.enabled())
    subjects.push_back(
        RateSubject{.scope = LimitScope::ip,
                    .brand = r.brand,
                    .id = to_hex(d_.keys.mac(KeyPurpose::rate_limit, r.brand + "|" + client_ip)),
                    .rates = {p.ip_per_hour}});
  if (p.prefix_per_hour.enabled())
    subjects.push_back(RateSubject{.scope = LimitScope::prefix,
                                   .brand = r.brand,
                                   .id = destination_prefix(r.phone, p.prefix_digits),
                                   .rates = {p.prefix_per_hour}});
  if (p.brand_per_minute.enabled())
    subjects.push_back(
        RateSubject{.scope = LimitScope::brand, .brand = r.brand, .rates = {p.brand_per_minute}});
  for (const RateSubject& s : subjects) {
    const std::int64_t now = d_.clock.now_ms();
    auto verdict = co_await d_.limits.admit(s, now);
    if (!verdict) co_return failure(to_errc(verdict.error()));
    if (verdict.value().allowed) continue;
    Event e{.type = EventType::rate_limited,
            .brand = r.brand,
            .verification_id = r.sends > 1 ? r.id : std::string(),
            .phone_masked = masked(r.phone),
            .country = r.country,
            .at_ms = now,
            .metadata_json = r.metadata_json,
            .limit = std::string(to_string(s.scope))};
    d_.events.publish(e);
    co_return Answer{.error = errc::too_many_requests,
                     .retry_after_ms = verdict.value().retry_after_ms,
                     .message = limit_message(s.scope),
                     .limit = std::string(to_string(s.scope))};
  }
  co_return co_await watch_for_pumping(brand, r);
}

task<Answer> VerificationService::watch_for_pumping(const Brand& brand,
                                                    const VerificationRecord& r) {
  if (!brand.pumping.enabled() || brand.pumping.safelisted(r.phone)) co_return Answer{};
  const std::string prefix = destination_prefix(r.phone, brand.limits.prefix_digits);
  const std::int64_t now = d_.clock.now_ms();
  const int digits = brand.limits.prefix_digits;
  auto watched = co_await d_.limits.watch_prefix(r.brand, digits, prefix, brand.pumping, now);
  if (!watched) co_return failure(to_errc(watched.error()));
  const PumpingOutcome& outcome = watched.value();
  if (outcome.verdict == PumpingVerdict::allowed) co_return Answer{};
  Event e{.type = EventType::prefix_blocked,
          .brand = r.brand,
          .phone_masked = masked(r.phone),
          .country = r.country,
          .at_ms = now,
          .prefix = prefix};
  if (outcome.verdict == PumpingVerdict::tripped) {
    log::write(log::level::warn, "sms pumping suspected: destination prefix blocked",
               {{"brand", r.brand}, {"prefix", prefix}, {"blocked_ms", outcome.retry_after_ms}});
    d_.events.publish(e);
  }
  e.type = EventType::rate_limited;
  e.verification_id = r.sends > 1 ? r.id : std::string();
  e.metadata_json = r.metadata_json;
  e.limit = "prefix_anomaly";
  e.prefix.clear();
  d_.events.publish(e);
  co_return Answer{.error = errc::too_many_requests,
                   .retry_after_ms = outcome.retry_after_ms,
                   .message =
                       "SMS to numbers of this number range are paused after unusual "
                       "traffic; retry after Retry-After seconds.",
                   .limit = "prefix_anomaly"};
}

}  // namespace otpgate
