#include "otpgate/wiring/operators_config.hpp"

#include "otpgate/wiring/config.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace otpgate {
namespace {

using json = nlohmann::json;

// A field's problem: "<file>: field /operators/<id>/<name>: <reason>".
struct Where {
  const std::string& file;
  std::string pointer;
  [[noreturn]] void fail(const std::string& field, const std::string& reason) const {
    throw ConfigError(file + ": field " + pointer + (field.empty() ? "" : "/" + field) + ": " +
                      reason);
  }
};

const std::set<std::string> known_fields = {"base_url",          "token_url", "client_id",
                                            "client_secret_env", "scope",     "timeout_ms",
                                            "cache_ms",          "circuit"};

std::string text(const json& o, const Where& at, const std::string& field, bool required) {
  if (!o.contains(field)) {
    if (required) at.fail(field, "is required");
    return "";
  }
  if (!o[field].is_string() || o[field].get_ref<const std::string&>().empty())
    at.fail(field, "must be a non-empty string");
  return o[field].get<std::string>();
}

// http(s)://host[:port][/path], without a query, fragment or credentials; a trailing '/' goes.
std::string url(const json& o, const Where& at, const std::string& field) {
  static const std::regex shape(R"(^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[^?#@\s]*)?$)");
  std::string u = text(o, at, field, true);
  if (!std::regex_match(u, shape))
    at.fail(field, "must be an http:// or https:// URL without credentials, query or fragment");
  while (u.back() == '/') u.pop_back();
  return u;
}

long long number(const json& o, const Where& at, const std::string& field, long long fallback,
                 long long min, long long max) {
  if (!o.contains(field)) return fallback;
  const json& v = o[field];
  if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max)
    at.fail(field,
            "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return v.get<long long>();
}

CircuitPolicy circuit(const json& o, const Where& parent) {
  CircuitPolicy p{.failures = 5, .open_for = std::chrono::milliseconds(30'000)};
  if (!o.contains("circuit")) return p;
  const json& c = o["circuit"];
  const Where at{parent.file, parent.pointer + "/circuit"};
  if (!c.is_object()) parent.fail("circuit", "must be an object");
  for (const auto& [k, v] : c.items())
    if (k != "failures" && k != "open_ms") at.fail(k, "unknown field");
  p.failures = static_cast<int>(number(c, at, "failures", p.failures, 1, 1000));
  p.open_for = std::chrono::milliseconds(number(c, at, "open_ms", 30'000, 100, 3'600'000));
  return p;
}

Secret<std::string> secret(const json& o, const Where& at, const gateways::EnvLookup& env,
                           std::string& name) {
  static const std::regex env_name("^[A-Za-z_][A-Za-z0-9_]*$");
  name = text(o, at, "client_secret_env", true);
  if (!std::regex_match(name, env_name))
    at.fail("client_secret_env", "must name an environment variable ([A-Za-z_][A-Za-z0-9_]*)");
  const auto value = env(name);
  // The variable's name, never its value, goes into the message.
  if (!value || value->empty()) at.fail("client_secret_env", name + " is not set or empty");
  return Secret<std::string>(*value);
}

signals::OperatorConfig one_operator(const std::string& id, const json& o, const Where& at,
                                     const gateways::EnvLookup& env) {
  static const std::regex id_shape("^[a-z0-9][a-z0-9-]{0,31}$");
  if (!std::regex_match(id, id_shape)) at.fail("", "operator ids are [a-z0-9-], 1-32 characters");
  if (!o.is_object()) at.fail("", "must be an object");
  for (const auto& [k, v] : o.items())
    if (!known_fields.count(k)) at.fail(k, "unknown field");
  signals::OperatorConfig c;
  c.id = id;
  c.base_url = url(o, at, "base_url");
  c.token_url = url(o, at, "token_url");
  c.client_id = text(o, at, "client_id", true);
  c.client_secret = secret(o, at, env, c.client_secret_env);
  c.scope = text(o, at, "scope", false);
  c.timeout = std::chrono::milliseconds(number(o, at, "timeout_ms", 2'000, 50, 60'000));
  c.cache = std::chrono::milliseconds(number(o, at, "cache_ms", 60'000, 0, 3'600'000));
  c.circuit = circuit(o, at);
  return c;
}

}  // namespace

signals::OperatorCatalog parse_operators(const json& doc, const std::string& file,
                                         const gateways::EnvLookup& env) {
  const Where root{file, ""};
  if (!doc.is_object() || doc.size() != 1 || !doc.contains("operators") ||
      !doc["operators"].is_object())
    root.fail("", "must be an object with one key, \"operators\", an object");
  signals::OperatorCatalog out;
  for (const auto& [id, o] : doc["operators"].items())
    out.emplace(id, one_operator(id, o, Where{file, "/operators/" + id}, env));
  return out;
}

signals::OperatorCatalog load_operators(const std::string& file, const gateways::EnvLookup& env) {
  if (file.empty()) return {};
  std::ifstream in(file);
  if (!in) throw ConfigError(file + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_operators(parse_config_json(ss.str(), file), file, env);
}

void check_signal_operators(const BrandCatalog& brands, const signals::OperatorCatalog& operators,
                            const std::string& operators_file) {
  const std::string known =
      operators_file.empty() ? "no OTPGATE_OPERATORS_FILE is set" : "not in " + operators_file;
  for (const auto& [id, b] : brands) {
    const std::pair<const char*, const std::string*> named[] = {
        {"sim_swap", b.signals.sim_swap ? &b.signals.sim_swap->operator_id : nullptr},
        {"kyc", b.signals.kyc ? &b.signals.kyc->operator_id : nullptr}};
    for (const auto& [signal, op] : named)
      if (op && !operators.count(*op))
        throw ConfigError("brand " + id + ": signals/" + signal + "/operator: operator '" + *op +
                          "' is unknown (" + known + ")");
  }
}

}  // namespace otpgate
