#include "otpgate/core/signals.hpp"

#include "otpgate/core/template_lint.hpp"
#include "otpgate/core/utf8.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace otpgate {
namespace {

using enum KycField;

constexpr std::array<KycFieldInfo, 16> field_table = {{
    {name, "name", "name", true},
    {given_name, "given_name", "givenName", true},
    {family_name, "family_name", "familyName", true},
    {middle_names, "middle_names", "middleNames", true},
    {family_name_at_birth, "family_name_at_birth", "familyNameAtBirth", true},
    {address, "address", "address", true},
    {street_name, "street_name", "streetName", true},
    {street_number, "street_number", "streetNumber", true},
    {house_number_extension, "house_number_extension", "houseNumberExtension", false},
    {postal_code, "postal_code", "postalCode", false},
    {region, "region", "region", true},
    {locality, "locality", "locality", true},
    {country, "country", "country", false},
    {birthdate, "birthdate", "birthdate", false},
    {email, "email", "email", true},
    {gender, "gender", "gender", false},
}};

std::optional<KycMatch> match_named(std::string_view s) {
  if (s == "true") return KycMatch::yes;
  if (s == "false") return KycMatch::no;
  if (s == "not_available") return KycMatch::not_available;
  return std::nullopt;
}

std::optional<SignalOutcome> outcome_named(std::string_view s) {
  for (SignalOutcome o : {SignalOutcome::clear, SignalOutcome::swapped, SignalOutcome::match,
                          SignalOutcome::mismatch, SignalOutcome::error})
    if (to_string(o) == s) return o;
  return std::nullopt;
}

// The KYC policy is met: every must_match field answered "true" (a field the request did not
// give cannot), and at least min_matches fields did.
bool kyc_met(const KycPolicy& p, const std::vector<KycFieldResult>& fields) {
  const auto yes = [&](KycField f) {
    return std::any_of(fields.begin(), fields.end(), [&](const KycFieldResult& r) {
      return r.field == f && r.match == KycMatch::yes;
    });
  };
  if (!std::all_of(p.must_match.begin(), p.must_match.end(), yes)) return false;
  const auto matches = std::count_if(fields.begin(), fields.end(), [](const KycFieldResult& r) {
    return r.match == KycMatch::yes;
  });
  return matches >= p.min_matches;
}

// One signal's failed policy: refuse (block), or flag. The first refusal stands.
void fail_policy(SignalVerdict& v, SignalAction action, errc e, std::string_view reason) {
  if (action == SignalAction::flag) {
    v.results.flagged = true;
  } else if (!v.refuse) {
    v.refuse = e;
    v.reason = std::string(reason);
  }
}

void no_answer(SignalVerdict& v, SignalOnError on_error) {
  if (on_error == SignalOnError::deny && !v.refuse) {
    v.refuse = errc::signal_unavailable;
    v.reason = "signal_error";
  }
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// YYYY-MM-DD, a day that exists (1900-2099: a customer's birthdate).
bool calendar_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  const auto y = s.substr(0, 4), m = s.substr(5, 2), d = s.substr(8, 2);
  if (!digits(y) || !digits(m) || !digits(d)) return false;
  const int year = std::stoi(std::string(y)), month = std::stoi(std::string(m)),
            day = std::stoi(std::string(d));
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return day <= days[static_cast<std::size_t>(month - 1)] + (month == 2 && leap ? 1 : 0);
}

// local@domain: one @, both sides non-empty, a dot inside the domain, no spaces.
bool email_address(std::string_view s) {
  const auto at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
    return false;
  const auto domain = s.substr(at + 1);
  const auto dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         s.find(' ') == std::string_view::npos;
}

}  // namespace

std::optional<std::string> customer_value_problem(KycField f, std::string_view value) {
  const std::size_t code_points = utf8_code_points(value);
  if (code_points < 1 || code_points > 256) return "must have 1 to 256 characters";
  if (!safe_sms_value(value))
    return "must be one line of text without control or direction characters";
  switch (f) {
    case KycField::birthdate:
      if (!calendar_date(value)) return "must be a date such as \"1990-01-31\"";
      break;
    case KycField::email:
      if (value.size() > 254 || !email_address(value))
        return "must be an email address such as \"name@example.com\"";
      break;
    case KycField::country:
      if (value.size() != 2 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return "must be an ISO 3166-1 alpha-2 code such as \"DE\"";
      break;
    case KycField::gender:
      if (value != "MALE" && value != "FEMALE" && value != "OTHER")
        return "must be \"MALE\", \"FEMALE\" or \"OTHER\"";
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::span<const KycFieldInfo> kyc_fields() {
  return field_table;
}

const KycFieldInfo& kyc_field_info(KycField f) {
  return field_table[static_cast<std::size_t>(f)];
}

std::optional<KycField> kyc_field_named(std::string_view native_name) {
  for (const auto& info : field_table)
    if (info.native == native_name) return info.field;
  return std::nullopt;
}

std::string_view to_string(KycMatch m) {
  switch (m) {
    case KycMatch::yes:
      return "true";
    case KycMatch::no:
      return "false";
    case KycMatch::not_available:
      break;
  }
  return "not_available";
}

std::string_view to_string(SignalFailure f) {
  switch (f) {
    case SignalFailure::timeout:
      return "timeout";
    case SignalFailure::unreachable:
      return "unreachable";
    case SignalFailure::unauthorized:
      return "unauthorized";
    case SignalFailure::operator_error:
      return "operator_error";
    case SignalFailure::rejected:
      return "rejected";
    case SignalFailure::circuit_open:
      return "circuit_open";
    case SignalFailure::not_configured:
      break;
  }
  return "not_configured";
}

std::string_view to_string(SignalOutcome o) {
  switch (o) {
    case SignalOutcome::clear:
      return "clear";
    case SignalOutcome::swapped:
      return "swapped";
    case SignalOutcome::match:
      return "match";
    case SignalOutcome::mismatch:
      return "mismatch";
    case SignalOutcome::error:
      break;
  }
  return "error";
}

nlohmann::json signals_to_json(const SignalResults& s) {
  nlohmann::json j = nlohmann::json::object();
  if (s.sim_swap) j["sim_swap"] = {{"result", to_string(*s.sim_swap)}};
  if (s.kyc) {
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& r : s.kyc_fields) {
      nlohmann::json f = {{"match", to_string(r.match)}};
      if (r.score) f["score"] = *r.score;
      fields[std::string(kyc_field_info(r.field).native)] = std::move(f);
    }
    j["kyc"] = {{"result", to_string(*s.kyc)}, {"fields", std::move(fields)}};
  }
  j["flagged"] = s.flagged;
  return j;
}

std::optional<SignalResults> signals_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  SignalResults s;
  const auto result_of = [&](const char* key) -> std::optional<SignalOutcome> {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_object() || !it->contains("result") ||
        !(*it)["result"].is_string())
      return std::nullopt;
    return outcome_named((*it)["result"].get<std::string>());
  };
  s.sim_swap = result_of("sim_swap");
  s.kyc = result_of("kyc");
  if (s.kyc && j["kyc"].contains("fields") && j["kyc"]["fields"].is_object()) {
    for (const auto& [name, f] : j["kyc"]["fields"].items()) {
      const auto field = kyc_field_named(name);
      if (!field || !f.is_object() || !f.contains("match") || !f["match"].is_string()) continue;
      const auto match = match_named(f["match"].get<std::string>());
      if (!match) continue;
      KycFieldResult r{*field, *match, std::nullopt};
      if (f.contains("score") && f["score"].is_number_integer()) r.score = f["score"].get<int>();
      s.kyc_fields.push_back(r);
    }
  }
  s.flagged = j.value("flagged", false);
  return s;
}

std::optional<SignalQuery> signal_query(const SignalPolicy& policy, const std::string& phone_e164,
                                        std::optional<Customer> customer) {
  SignalQuery q;
  q.phone_e164 = phone_e164;
  if (policy.sim_swap)
    q.sim_swap = SignalQuery::SimSwap{policy.sim_swap->operator_id, policy.sim_swap->max_age_hours};
  if (policy.kyc && customer && !customer->empty())
    q.kyc = SignalQuery::Kyc{policy.kyc->operator_id, std::move(*customer)};
  if (!q.sim_swap && !q.kyc) return std::nullopt;
  return q;
}

SignalAnswers unanswered(const SignalQuery& q, SignalFailure f) {
  SignalAnswers a;
  if (q.sim_swap) a.sim_swap = SimSwapAnswer{.failure = f};
  if (q.kyc) a.kyc = KycAnswer{.failure = f};
  return a;
}

SignalVerdict decide_signals(const SignalPolicy& policy, const SignalAnswers& answers) {
  SignalVerdict v;
  if (policy.sim_swap && answers.sim_swap) {
    const SimSwapAnswer& a = *answers.sim_swap;
    if (a.failure) {
      v.results.sim_swap = SignalOutcome::error;
      no_answer(v, policy.sim_swap->on_error);
    } else if (a.swapped) {
      v.results.sim_swap = SignalOutcome::swapped;
      fail_policy(v, policy.sim_swap->action, errc::phone_recently_swapped, "sim_swap");
    } else {
      v.results.sim_swap = SignalOutcome::clear;
    }
  }
  if (policy.kyc && answers.kyc) {
    const KycAnswer& a = *answers.kyc;
    if (a.failure) {
      v.results.kyc = SignalOutcome::error;
      no_answer(v, policy.kyc->on_error);
    } else {
      v.results.kyc_fields = a.fields;
      if (kyc_met(*policy.kyc, a.fields)) {
        v.results.kyc = SignalOutcome::match;
      } else {
        v.results.kyc = SignalOutcome::mismatch;
        fail_policy(v, policy.kyc->action, errc::identity_mismatch, "kyc");
      }
    }
  }
  // A refused create is not flagged: it never exists.
  if (v.refuse) v.results.flagged = false;
  return v;
}

}  // namespace otpgate
