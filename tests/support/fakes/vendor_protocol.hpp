// Shared fakes for the vendor protocol tests: an EnvLookup over a fixed map and a gateway
// definition as the catalog would build it.
#pragma once

#include "otpgate/gateways/protocol.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

namespace otpgate::test {

inline gateways::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline gateways::GatewayDefinition gateway_definition(std::string name, std::string type,
                                                      nlohmann::json settings) {
  gateways::GatewayDefinition d;
  d.name = std::move(name);
  d.type = std::move(type);
  d.settings = std::move(settings);
  return d;
}

// The SMS every vendor test sends.
inline SmsMessage sms(std::string to, std::string text, std::string verification_id) {
  SmsMessage m;
  m.to = std::move(to);
  m.sender_id = "Acme";
  m.text = Secret<std::string>(std::move(text));
  m.brand = "acme";
  m.verification_id = std::move(verification_id);
  return m;
}

inline gateways::HttpResponse http_response(int status, std::string body,
                                            gateways::Fields headers = {}) {
  gateways::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// The message of the std::invalid_argument a protocol factory throws for this definition.
template <class Factory>
std::string factory_error(Factory make, const gateways::GatewayDefinition& d,
                          const gateways::EnvLookup& env) {
  try {
    make(d, env);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("no configuration error");
  return "";
}

}  // namespace otpgate::test
