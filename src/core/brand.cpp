#include "otpgate/core/brand.hpp"

#include "otpgate/core/ascii.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace otpgate {
namespace {

using json = nlohmann::json;

milliseconds seconds_field(const json& obj, const char* name, milliseconds fallback) {
  if (!obj.contains(name)) return fallback;
  return milliseconds(obj[name].get<long long>() * 1000);
}

CodePolicy code_policy_from(const json& c) {
  CodePolicy p;
  p.format.length = c.value("length", p.format.length);
  p.format.alphabet = c.value("alphabet", std::string("digits")) == "alphanumeric"
                          ? CodeAlphabet::alphanumeric
                          : CodeAlphabet::digits;
  p.ttl = seconds_field(c, "ttl_seconds", p.ttl);
  p.max_attempts = c.value("max_attempts", p.max_attempts);
  p.max_sends = c.value("max_sends", p.max_sends);
  p.resend_cooldown = seconds_field(c, "resend_cooldown_seconds", p.resend_cooldown);
  return p;
}

LockPolicy lock_policy_from(const json& l) {
  LockPolicy p;
  p.max_failed_checks = l.value("max_failed_checks", p.max_failed_checks);
  p.window = seconds_field(l, "window_seconds", p.window);
  p.duration = seconds_field(l, "duration_seconds", p.duration);
  p.max_duration = seconds_field(l, "max_duration_seconds", p.max_duration);
  if (p.max_duration < p.duration)
    throw std::invalid_argument("/lock/max_duration_seconds: must not be below duration_seconds");
  return p;
}

DeliveryPolicy delivery_policy_from(const json& d) {
  DeliveryPolicy p;
  p.attempt_timeout = milliseconds(d.value("attempt_timeout_ms", p.attempt_timeout.count()));
  p.deadline = milliseconds(d.value("deadline_ms", p.deadline.count()));
  p.retries = d.value("retries", p.retries);
  p.backoff = milliseconds(d.value("backoff_ms", p.backoff.count()));
  p.max_backoff = milliseconds(d.value("max_backoff_ms", p.max_backoff.count()));
  p.resend_on_undelivered = d.value("resend_on_undelivered", p.resend_on_undelivered);
  if (p.deadline < p.attempt_timeout)
    throw std::invalid_argument("/delivery/deadline_ms: must not be below attempt_timeout_ms");
  if (p.max_backoff < p.backoff)
    throw std::invalid_argument("/delivery/max_backoff_ms: must not be below backoff_ms");
  return p;
}

SignalAction action_field(const json& obj, SignalAction fallback) {
  if (!obj.contains("action")) return fallback;
  return obj["action"] == "flag" ? SignalAction::flag : SignalAction::block;
}

SignalOnError on_error_field(const json& obj) {
  return obj.value("on_error", std::string("allow")) == "deny" ? SignalOnError::deny
                                                                : SignalOnError::allow;
}

// "signals" (validated by the schema: operator ids, enums, ranges).
SignalPolicy signal_policy_from(const json& s) {
  SignalPolicy p;
  if (s.contains("sim_swap")) {
    const json& o = s["sim_swap"];
    p.sim_swap = SimSwapPolicy{.operator_id = o.at("operator").get<std::string>(),
                               .max_age_hours = o.value("max_age_hours", 240),
                               .action = action_field(o, SignalAction::block),
                               .on_error = on_error_field(o)};
  }
  if (s.contains("kyc")) {
    const json& o = s["kyc"];
    KycPolicy k{.operator_id = o.at("operator").get<std::string>(),
                .min_matches = o.value("min_matches", 0),
                .action = action_field(o, SignalAction::flag),
                .on_error = on_error_field(o)};
    for (const auto& name : o.value("must_match", json::array()))
      if (const auto f = kyc_field_named(name.get<std::string>())) k.must_match.push_back(*f);
    p.kyc = std::move(k);
  }
  return p;
}

Rate rate_field(const json& obj, const char* name, Rate fallback) {
  if (obj.contains(name)) fallback.count = obj[name].get<int>();
  return fallback;
}

RateLimitPolicy limits_policy_from(const json& l) {
  RateLimitPolicy p;
  p.phone_per_10_minutes = rate_field(l, "phone_sends_per_10_minutes", p.phone_per_10_minutes);
  p.phone_per_day = rate_field(l, "phone_sends_per_day", p.phone_per_day);
  p.ip_per_hour = rate_field(l, "ip_creates_per_hour", p.ip_per_hour);
  p.prefix_per_hour = rate_field(l, "prefix_sends_per_hour", p.prefix_per_hour);
  p.brand_per_minute = rate_field(l, "brand_sends_per_minute", p.brand_per_minute);
  p.prefix_digits = l.value("prefix_digits", p.prefix_digits);
  if (p.phone_per_10_minutes.count < 1 || p.phone_per_day.count < 1)
    throw std::invalid_argument("/limits: the phone limits cannot be switched off");
  return p;
}

PumpingPolicy pumping_policy_from(const json& j) {
  PumpingPolicy p;
  p.factor = j.value("factor", p.factor);
  p.min_sends = j.value("min_sends", p.min_sends);
  p.window = milliseconds(j.value("window_minutes", p.window.count() / 60'000) * 60'000);
  p.baseline = milliseconds(j.value("baseline_hours", p.baseline.count() / 3'600'000) * 3'600'000);
  p.block = milliseconds(j.value("block_minutes", p.block.count() / 60'000) * 60'000);
  p.safelist = j.value("safelist", p.safelist);
  if (p.baseline <= p.window)
    throw std::invalid_argument("/pumping/baseline_hours: must be longer than window_minutes");
  // A prefix's growth cannot exceed baseline / window, so a factor near that never blocks; a
  // factor of 1 or less would block traffic that merely keeps its level.
  if (p.enabled() && (p.factor <= 1 || p.factor > p.max_factor()))
    throw std::invalid_argument(
        "/pumping/factor: must be 0 (off) or above 1 and at most baseline / (2 x window) = " +
        std::to_string(p.max_factor()) + " with these windows (a larger one never blocks)");
  for (const auto& entry : p.safelist)
    if (!is_safelist_entry(entry))
      throw std::invalid_argument("/pumping/safelist: '" + entry +
                                  "' is not a number or prefix in E.164 form (+ and digits)");
  return p;
}

AlertPolicy alert_policy_from(const json& j) {
  AlertPolicy p;
  p.enabled = j.value("enabled", p.enabled);
  p.factor = j.value("factor", p.factor);
  p.min_events = j.value("min_events", p.min_events);
  p.window_minutes = j.value("window_minutes", p.window_minutes);
  p.baseline_days = j.value("baseline_days", p.baseline_days);
  p.floor_per_1000 = j.value("floor_per_1000", p.floor_per_1000);
  if (j.contains("webhook")) {
    p.webhook_url = j["webhook"].at("url").get<std::string>();
    p.webhook_secret_env = j["webhook"].at("secret_env").get<std::string>();
  }
  return p;
}

}  // namespace

bool Brand::country_allowed(std::string_view iso2) const {
  return std::find(allowed_countries.begin(), allowed_countries.end(), iso2) !=
         allowed_countries.end();
}

const Template* Brand::template_for(std::string_view locale, std::string& chosen_locale,
                                    Purpose purpose) const {
  const auto& texts = purpose == Purpose::support_call ? support_call_templates : templates;
  // BCP 47 tags are case-insensitive ("DE-at" is "de-AT"); a brand writes only in its locales.
  for (const auto& candidate : locale_candidates(locale, default_locale)) {
    const auto listed = std::find_if(locales.begin(), locales.end(), [&](const std::string& l) {
      return iequals_ascii(l, candidate);
    });
    if (listed == locales.end()) continue;
    if (auto it = texts.find(*listed); it != texts.end()) {
      chosen_locale = *listed;
      return &it->second;
    }
  }
  return nullptr;
}

Brand brand_from_json(const BrandId& id, const json& doc) {
  Brand b{.id = id};
  b.display_name = doc.at("display_name").get<std::string>();
  b.sender_id = doc.at("sender_id").get<std::string>();
  b.locales = doc.at("locales").get<std::vector<std::string>>();
  b.default_locale = doc.at("default_locale").get<std::string>();
  if (std::find(b.locales.begin(), b.locales.end(), b.default_locale) == b.locales.end())
    throw std::invalid_argument("/default_locale: must be one of /locales");
  for (const auto& l : b.locales)
    if (!is_bcp47(l)) throw std::invalid_argument("/locales: " + l + " is not a BCP 47 tag");
  b.code = code_policy_from(doc.value("code", json::object()));
  b.lock = lock_policy_from(doc.value("lock", json::object()));
  b.limits = limits_policy_from(doc.value("limits", json::object()));
  b.pumping = pumping_policy_from(doc.value("pumping", json::object()));
  b.alerts = alert_policy_from(doc.value("alerts", json::object()));
  b.allowed_countries = doc.at("allowed_countries").get<std::vector<std::string>>();
  b.gateways = doc.at("gateways").get<std::vector<std::string>>();
  b.delivery = delivery_policy_from(doc.value("delivery", json::object()));
  b.psd2_dynamic_linking = doc.value("psd2_dynamic_linking", false);
  b.webotp_domain = doc.value("webotp_domain", std::string());
  b.webotp_embedded_domain = doc.value("webotp_embedded_domain", std::string());
  if (!b.webotp_embedded_domain.empty() && b.webotp_domain.empty())
    throw std::invalid_argument("/webotp_embedded_domain: needs webotp_domain");
  b.android_app_hash = doc.value("android_app_hash", std::string());
  if (doc.contains("max_segments")) b.max_segments = doc["max_segments"].get<int>();
  b.signals = signal_policy_from(doc.value("signals", json::object()));
  return b;
}

}  // namespace otpgate
