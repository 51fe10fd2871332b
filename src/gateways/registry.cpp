#include "otpgate/gateways/registry.hpp"

#include "file/file_gateway.hpp"
#include "generic/generic_protocol.hpp"
#include "http_gateway.hpp"
#include "log/log_gateway.hpp"
#include "messagebird/messagebird_protocol.hpp"
#include "sinch/sinch_protocol.hpp"
#include "twilio/twilio_protocol.hpp"
#include "vonage/vonage_protocol.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <stdexcept>

namespace otpgate::gateways {

const std::map<std::string, ProtocolFactory>& protocol_factories() {
  // One line per vendor.
  static const std::map<std::string, ProtocolFactory> all = {
      {"twilio", make_twilio_protocol},           {"vonage", make_vonage_protocol},
      {"messagebird", make_messagebird_protocol}, {"sinch", make_sinch_protocol},
      {"generic", make_generic_protocol},
  };
  return all;
}

namespace {

using json = nlohmann::json;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 32 || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

long long integer_in(const json& obj, const std::string& where, const char* key, long long fallback,
                     long long min, long long max) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj[key];
  if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max)
    throw std::invalid_argument(where + "/" + key + ": must be a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max));
  return v.get<long long>();
}

CircuitPolicy circuit_from(const json& settings, const std::string& where) {
  CircuitPolicy p;
  if (!settings.contains("circuit")) return p;
  const json& c = settings["circuit"];
  if (!c.is_object()) throw std::invalid_argument(where + "/circuit: must be an object");
  for (auto it = c.begin(); it != c.end(); ++it)
    if (it.key() != "failures" && it.key() != "open_seconds")
      throw std::invalid_argument(where + "/circuit/" + it.key() + ": unknown setting");
  p.failures = static_cast<int>(integer_in(c, where + "/circuit", "failures", p.failures, 1, 1000));
  p.open_for = milliseconds(
      1000 * integer_in(c, where + "/circuit", "open_seconds", p.open_for.count() / 1000, 1, 3600));
  return p;
}

GatewaySpec local_spec(const std::string& name) {
  return GatewaySpec{
      .name = name, .type = name, .circuit = std::make_unique<SharedCircuit>(CircuitPolicy{})};
}

GatewaySpec configured_spec(const std::string& name, json settings, const EnvLookup& env) {
  const std::string where = "/gateways/" + name;
  if (!valid_name(name))
    throw std::invalid_argument(where +
                                ": gateway names are 1-32 characters of a-z, 0-9, - and _"
                                ", starting with a letter");
  if (!settings.is_object()) throw std::invalid_argument(where + ": must be an object");
  if (!settings.contains("type") || !settings["type"].is_string())
    throw std::invalid_argument(where + "/type: is required (one of the vendor types)");
  GatewaySpec spec{.name = name, .type = settings["type"].get<std::string>()};
  const auto factory = protocol_factories().find(spec.type);
  if (factory == protocol_factories().end())
    throw std::invalid_argument(where + "/type: unknown gateway type " + spec.type);
  spec.connect_timeout =
      milliseconds(integer_in(settings, where, "connect_timeout_ms", 1000, 10, 30'000));
  spec.circuit = std::make_unique<SharedCircuit>(circuit_from(settings, where));
  for (const char* common : {"type", "connect_timeout_ms", "circuit"}) settings.erase(common);
  GatewayDefinition def{.name = name, .type = spec.type, .settings = settings};
  spec.report_url = optional_string(def, "report_url", "", env);
  spec.protocol = factory->second(def, env);
  return spec;
}

}  // namespace

Permit SharedCircuit::try_acquire(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  return breaker_.try_acquire(now_ms);
}

void SharedCircuit::on_result(SendOutcome outcome, std::int64_t now_ms, Permit permit) {
  std::lock_guard lock(mutex_);
  breaker_.on_result(outcome, now_ms, permit);
}

CircuitBreaker::State SharedCircuit::state(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  return breaker_.state(now_ms);
}

GatewayCatalog build_catalog(const json& doc, const EnvLookup& env) {
  GatewayCatalog out;
  for (const char* local : {"file", "log"}) out.emplace(local, local_spec(local));
  if (doc.is_null()) return out;
  if (!doc.is_object() || doc.size() != 1 || !doc.contains("gateways") ||
      !doc["gateways"].is_object())
    throw std::invalid_argument("/: must be an object with one key, \"gateways\"");
  for (const auto& [name, settings] : doc["gateways"].items()) {
    if (name == "file" || name == "log")
      throw std::invalid_argument("/gateways/" + name + ": is a built-in gateway name");
    out.emplace(name, configured_spec(name, settings, env));
  }
  return out;
}

std::map<std::string, std::unique_ptr<SmsGateway>> create(const std::vector<std::string>& names,
                                                          const GatewayCatalog& catalog,
                                                          CurlMulti& http,
                                                          const GatewaySettings& settings) {
  std::map<std::string, std::unique_ptr<SmsGateway>> out;
  for (const auto& name : names) {
    const auto it = catalog.find(name);
    if (it == catalog.end()) throw std::invalid_argument("unknown SMS gateway: " + name);
    const GatewaySpec& spec = it->second;
    if (spec.type == "file")
      out.emplace(name, make_file_gateway(settings));
    else if (spec.type == "log")
      out.emplace(name, make_log_gateway());
    else
      out.emplace(name, make_http_gateway(spec, http));
  }
  return out;
}

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

}  // namespace otpgate::gateways
