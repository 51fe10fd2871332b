#include "otpgate/signals/camara_protocol.hpp"

#include "otpgate/core/ascii.hpp"
#include "otpgate/core/form_encoding.hpp"
#include "otpgate/crypto/digest.hpp"

#include <nlohmann/json.hpp>

namespace otpgate::signals {
namespace {

using json = nlohmann::json;

HttpRequest json_post(std::string url, const json& body) {
  return HttpRequest{
      .method = "POST",
      .url = std::move(url),
      .headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
      .body = body.dump()};
}

std::optional<json> object_of(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::optional<KycMatch> match_named(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  if (s == "true") return KycMatch::yes;
  if (s == "false") return KycMatch::no;
  if (s == "not_available") return KycMatch::not_available;
  return std::nullopt;
}

// One field's result; nullopt when the answer breaks the spec.
std::optional<KycFieldResult> field_result(const json& answer, const KycFieldInfo& info) {
  KycFieldResult r{.field = info.field};
  const std::string name(info.camara);
  const auto m = answer.find(name + "Match");
  if (m == answer.end()) return r;  // not in the answer: not_available
  const auto match = match_named(*m);
  if (!match) return std::nullopt;
  r.match = *match;
  const auto s = answer.find(name + "MatchScore");
  if (s == answer.end() || !info.has_score) return r;
  if (!s->is_number_integer() || s->get<long long>() < 0 || s->get<long long>() > 99)
    return std::nullopt;
  // The spec returns a score only with a "false"; one beside another answer is ignored.
  if (r.match == KycMatch::no) r.score = static_cast<int>(s->get<long long>());
  return r;
}

}  // namespace

HttpRequest sim_swap_request(const OperatorConfig& op, const std::string& phone_e164,
                             int max_age_hours) {
  return json_post(op.base_url + "/sim-swap/v2/check",
                   json{{"phoneNumber", phone_e164}, {"maxAge", max_age_hours}});
}

HttpRequest kyc_request(const OperatorConfig& op, const std::string& phone_e164,
                        const Customer& customer) {
  json body{{"phoneNumber", phone_e164}};
  for (const auto& [field, value] : customer.fields)
    body[std::string(kyc_field_info(field).camara)] = value;
  return json_post(op.base_url + "/kyc-match/v0.4/match", body);
}

HttpRequest token_request(const OperatorConfig& op) {
  // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for Basic.
  const std::string basic =
      crypto::base64_encode(url_encode(op.client_id) + ":" + url_encode(op.client_secret.reveal()));
  FormFields form{{"grant_type", "client_credentials"}};
  if (!op.scope.empty()) form.emplace_back("scope", op.scope);
  return HttpRequest{.method = "POST",
                     .url = op.token_url,
                     .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                                 {"Accept", "application/json"},
                                 {"Authorization", "Basic " + basic}},
                     .body = form_encode(form)};
}

std::optional<SignalFailure> failure_of_status(int status) {
  if (status >= 200 && status < 300) return std::nullopt;
  if (status == 401 || status == 403) return SignalFailure::unauthorized;
  if (status >= 400 && status < 500) return SignalFailure::rejected;
  return SignalFailure::operator_error;
}

SimSwapAnswer parse_sim_swap(const std::string& body) {
  const auto j = object_of(body);
  if (!j || !j->contains("swapped") || !(*j)["swapped"].is_boolean())
    return SimSwapAnswer{.failure = SignalFailure::operator_error};
  return SimSwapAnswer{.swapped = (*j)["swapped"].get<bool>()};
}

KycAnswer parse_kyc(const std::string& body, const Customer& customer) {
  const auto j = object_of(body);
  if (!j) return KycAnswer{.failure = SignalFailure::operator_error};
  KycAnswer out;
  for (const auto& [field, value] : customer.fields) {
    auto r = field_result(*j, kyc_field_info(field));
    if (!r) return KycAnswer{.failure = SignalFailure::operator_error};
    out.fields.push_back(*r);
  }
  return out;
}

std::variant<Token, SignalFailure> parse_token(const std::string& body) {
  const auto j = object_of(body);
  if (!j) return SignalFailure::operator_error;
  const auto token = j->find("access_token");
  const auto type = j->find("token_type");
  const auto expires = j->find("expires_in");
  if (token == j->end() || !token->is_string() || token->get_ref<const std::string&>().empty() ||
      type == j->end() || !type->is_string() ||
      !iequals_ascii(type->get_ref<const std::string&>(), "bearer"))
    return SignalFailure::operator_error;
  // expires_in is RECOMMENDED (§5.1): without it the token is used for one minute.
  std::int64_t seconds = 60;
  if (expires != j->end()) {
    if (!expires->is_number_integer() || expires->get<long long>() <= 0)
      return SignalFailure::operator_error;
    seconds = expires->get<std::int64_t>();
  }
  return Token{.access_token = token->get<std::string>(), .expires_in_ms = seconds * 1000};
}

SendOutcome circuit_outcome(std::optional<SignalFailure> failure, int status) {
  if (!failure) return SendOutcome::accepted;
  if (*failure == SignalFailure::timeout || *failure == SignalFailure::unreachable || status >= 500)
    return SendOutcome::transient;
  return SendOutcome::permanent;
}

std::string customer_fingerprint(const Customer& customer) {
  std::string canonical;
  for (const auto& [field, value] : customer.fields) {
    const std::string_view name = kyc_field_info(field).camara;
    canonical += std::to_string(name.size()) + ":" + std::string(name) + "=" +
                 std::to_string(value.size()) + ":" + value + ";";
  }
  return crypto::hex_lower(crypto::digest(crypto::DigestAlgorithm::sha256, canonical));
}

}  // namespace otpgate::signals
