// A brand's validated, immutable configuration: parsed once at start-up from
// brands/<brand>/brand.json (checked against brands/schema.json) and its templates.
#pragma once

#include "otpgate/core/anomaly.hpp"
#include "otpgate/core/code.hpp"
#include "otpgate/core/delivery.hpp"
#include "otpgate/core/pumping.hpp"
#include "otpgate/core/rate_limit.hpp"
#include "otpgate/core/signals.hpp"
#include "otpgate/core/templates.hpp"
#include "otpgate/core/types.hpp"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace otpgate {

using std::chrono::milliseconds;

struct CodePolicy {
  CodeFormat format;          // length 6, digits
  milliseconds ttl{300'000};  // code valid for 5 minutes
  int max_attempts = 5;       // checks per verification
  int max_sends = 3;          // first send plus resends
  milliseconds resend_cooldown{30'000};
};

// Failed checks per phone and brand, across verifications. After max_failed_checks within
// window the phone is locked for duration, doubling with each further lock up to max_duration.
struct LockPolicy {
  int max_failed_checks = 10;
  milliseconds window{3'600'000};
  milliseconds duration{900'000};
  milliseconds max_duration{86'400'000};
};

// Rate limits (GCRA: `count` at once, then one more every period / count; count 0 = no limit).
// Sends are creates plus resends. Checked in this order on every send: phone, IP (creates with
// a client_ip only), prefix, brand; see docs/api.md "Rate limits".
struct RateLimitPolicy {
  Rate phone_per_10_minutes{5, 600'000};   // sends per phone (per brand), at least 1
  Rate phone_per_day{10, 86'400'000};      // sends per phone (per brand), at least 1
  Rate ip_per_hour{30, 3'600'000};         // creates per customer IP (per brand)
  Rate prefix_per_hour{1'000, 3'600'000};  // sends per destination prefix (per brand)
  Rate brand_per_minute{600, 60'000};      // sends of the brand
  int prefix_digits = 3;                   // digits after the country code in a prefix
};

struct Brand {
  BrandId id;
  std::string display_name;
  std::string sender_id;
  std::vector<std::string> locales;  // first is not special; default_locale is
  std::string default_locale;
  CodePolicy code;
  LockPolicy lock;
  RateLimitPolicy limits;
  PumpingPolicy pumping;                       // prefixes are limits.prefix_digits long
  AlertPolicy alerts;                          // analytics' anomaly alerts (core/anomaly.hpp)
  std::vector<std::string> allowed_countries;  // ISO 3166-1 alpha-2, upper case
  std::vector<std::string> gateways;           // failover order
  DeliveryPolicy delivery;
  bool psd2_dynamic_linking = false;
  std::string webotp_domain;           // empty: no WebOTP line
  std::string webotp_embedded_domain;  // an embedding iframe's host (a PSP), or empty
  std::string android_app_hash;        // empty: none
  // The most SMS parts the verification text may take with the lint's sample values (1-10);
  // nullopt: no cap (the lint only warns above one part).
  std::optional<int> max_segments;
  // The network signals asked before a code is sent (brand.json "signals"; docs/signals.md).
  SignalPolicy signals;
  // "verification" template per locale, brand file overriding the global default.
  std::map<std::string, Template> templates;
  // Where each of templates comes from: "default" (templates/), "brand" (the brand's folder)
  // or "api" (a brand manager's saved version).
  std::map<std::string, std::string> template_sources;
  // "support_call" template per locale (the text of a support agent's identity check), from
  // the files only: templates/<locale>/support_call.txt, overridden by the brand's folder.
  std::map<std::string, Template> support_call_templates;

  bool country_allowed(std::string_view iso2) const;
  // The template of that purpose for the first locale candidate that has one (see
  // locale_candidates); the chosen locale is written to chosen_locale.
  const Template* template_for(std::string_view locale, std::string& chosen_locale,
                               Purpose purpose = Purpose::checkout) const;
};

// All brands by id, immutable after start-up.
using BrandCatalog = std::map<std::string, Brand, std::less<>>;

// Parses a brand.json document already validated against the schema. Throws
// std::invalid_argument with "field: reason" for rules the schema cannot express
// (default_locale must be one of locales, ...).
Brand brand_from_json(const BrandId& id, const nlohmann::json& doc);

}  // namespace otpgate
