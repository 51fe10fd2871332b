// OTPGATE_OPERATORS_FILE: the operators whose network APIs the brands' signal policies name
// (docs/signals.md#operators), parsed once at start-up. Every problem throws ConfigError naming
// the file, the field and the reason.
#pragma once

#include "otpgate/core/brand.hpp"
#include "otpgate/gateways/protocol.hpp"
#include "otpgate/signals/operators.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace otpgate {

// The operators of a parsed file ({"operators": {id: {...}}}); `file` names it in errors. Each
// operator's client secret is read through env from the variable its client_secret_env names.
signals::OperatorCatalog parse_operators(const nlohmann::json& doc, const std::string& file,
                                         const gateways::EnvLookup& env);
// Reads and parses the file; an empty name is no operators.
signals::OperatorCatalog load_operators(const std::string& file, const gateways::EnvLookup& env);

// Every operator a brand's signals policy names must be in `operators`: otherwise the error
// names the brand and the operator (start-up stops, a reload is refused).
void check_signal_operators(const BrandCatalog& brands, const signals::OperatorCatalog& operators,
                            const std::string& operators_file);

}  // namespace otpgate
