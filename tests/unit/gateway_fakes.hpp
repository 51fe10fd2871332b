// Shared fakes for the vendor protocol tests: an EnvLookup over a fixed map and a gateway
// definition as the catalog would build it.
#pragma once

#include "otpgate/gateways/protocol.hpp"

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
  if (settings.contains("report_url") && settings["report_url"].is_string())
    d.report_url = settings["report_url"].get<std::string>();
  d.settings = std::move(settings);
  return d;
}

}  // namespace otpgate::test
