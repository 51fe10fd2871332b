// The generic gateway's settings, parsed and checked once into an immutable value: the
// configuration side of generic_protocol.cpp (which builds requests and reads reports from it).
// The settings are documented in generic_protocol.hpp.
#pragma once

#include "otpgate/gateways/protocol.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace otpgate::gateways::generic {

using nlohmann::json;
using Pointer = json::json_pointer;

// One piece of a body template: literal text or one of the four placeholders.
enum class Slot { literal, to, text, sender, reference };
struct Piece {
  Slot slot = Slot::literal;
  std::string literal;
};
using Template = std::vector<Piece>;

using BodyField = std::pair<std::string, Template>;  // field name, value

struct ReportConfig {
  std::string signature_header;  // lower-cased, as InboundReport's header names
  Secret<std::string> secret;
  std::optional<Pointer> reference, message_id, status;
  std::map<std::string, DeliveryStatus> statuses;
};

struct GenericConfig {
  std::string method;
  std::string url;
  Fields headers;
  bool form = false;
  std::vector<BodyField> body;
  std::vector<int> success_status;
  std::optional<Pointer> message_id;
  std::optional<ReportConfig> report;
};

// Parses and checks d's settings, "${NAME}" replaced from env. Throws std::invalid_argument
// naming the setting and the rule, never a value (values may be credentials).
GenericConfig parse_config(const GatewayDefinition& d, const EnvLookup& env);

// ASCII lower case (header names).
std::string lower(std::string s);

}  // namespace otpgate::gateways::generic
