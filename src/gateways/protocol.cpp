#include "otpgate/gateways/protocol.hpp"

#include <algorithm>
#include <stdexcept>

namespace otpgate::gateways {
namespace {

std::string resolve(const GatewayDefinition& d, const std::string& key, const std::string& value,
                    const EnvLookup& env) {
  if (value.size() < 4 || value.rfind("${", 0) != 0 || value.back() != '}') return value;
  const std::string name = value.substr(2, value.size() - 3);
  auto v = env(name);
  if (!v || v->empty())
    throw std::invalid_argument("/gateways/" + d.name + "/" + key + ": environment variable " +
                                name + " is not set");
  return *v;
}

}  // namespace

std::string_view to_string(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::accepted:
      return "accepted";
    case DeliveryStatus::delivered:
      return "delivered";
    case DeliveryStatus::undelivered:
      return "undelivered";
    case DeliveryStatus::failed:
      return "failed";
  }
  return "accepted";
}

std::string required_string(const GatewayDefinition& d, const std::string& key,
                            const EnvLookup& env) {
  const auto it = d.settings.find(key);
  if (it == d.settings.end() || !it->is_string() || it->get<std::string>().empty())
    throw std::invalid_argument("/gateways/" + d.name + "/" + key +
                                ": is required and must be a non-empty string");
  return resolve(d, key, it->get<std::string>(), env);
}

Secret<std::string> required_secret(const GatewayDefinition& d, const std::string& key,
                                    const EnvLookup& env) {
  return Secret<std::string>(required_string(d, key, env));
}

std::string optional_string(const GatewayDefinition& d, const std::string& key,
                            const std::string& fallback, const EnvLookup& env) {
  const auto it = d.settings.find(key);
  if (it == d.settings.end()) return fallback;
  if (!it->is_string())
    throw std::invalid_argument("/gateways/" + d.name + "/" + key + ": must be a string");
  return resolve(d, key, it->get<std::string>(), env);
}

void refuse_unknown_settings(const GatewayDefinition& d,
                             std::initializer_list<const char*> allowed) {
  for (auto it = d.settings.begin(); it != d.settings.end(); ++it) {
    const bool known =
        std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; });
    if (!known)
      throw std::invalid_argument("/gateways/" + d.name + "/" + it.key() +
                                  ": unknown setting for a " + d.type + " gateway");
  }
}

std::string header_of(const Fields& headers, std::string_view lower_name) {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return "";
}

SendAttempt classify_http_failure(const HttpResponse& r, std::int64_t now_ms) {
  SendAttempt a;
  a.reason = "http " + std::to_string(r.status);
  const bool transient = r.status == 408 || r.status == 425 || r.status == 429 || r.status >= 500;
  a.outcome = transient ? SendOutcome::transient : SendOutcome::permanent;
  if (transient) a.retry_after = parse_retry_after(r.header("retry-after"), now_ms);
  return a;
}

}  // namespace otpgate::gateways
