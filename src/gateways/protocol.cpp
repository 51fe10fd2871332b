#include "otpgate/gateways/protocol.hpp"

#include <algorithm>
#include <cctype>
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

void require_http_url(const GatewayDefinition& d, const std::string& key, const std::string& url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    throw std::invalid_argument("/gateways/" + d.name + "/" + key + ": must be an http(s) URL");
}

std::string base_url_setting(const GatewayDefinition& d, const std::string& fallback,
                             const EnvLookup& env) {
  std::string url = optional_string(d, "base_url", fallback, env);
  require_http_url(d, "base_url", url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string first_of(const Fields& fields, std::string_view key) {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return "";
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string log_token(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() == 48) break;
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-') out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string string_member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

HttpRequest json_post(std::string url, std::string authorization, const nlohmann::json& body) {
  HttpRequest req;
  req.method = "POST";
  req.url = std::move(url);
  req.headers = {{"Authorization", std::move(authorization)},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json"}};
  req.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return req;
}

std::optional<SendAttempt> accepted_with_id(const HttpResponse& r, const nlohmann::json& body,
                                            std::string_view what) {
  if (r.status < 200 || r.status >= 300) return std::nullopt;
  const std::string id = string_member(body, "id");
  if (!id.empty()) return SendAttempt{.outcome = SendOutcome::accepted, .message_id = id};
  return SendAttempt{
      .outcome = SendOutcome::transient,
      .reason = "http " + std::to_string(r.status) + " without " + std::string(what)};
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
