// The operators whose CAMARA network APIs otpgate asks (OTPGATE_OPERATORS_FILE,
// docs/signals.md#operators): parsed once at start-up (wiring/operators_config.hpp) into these
// immutable values.
#pragma once

#include "otpgate/core/delivery.hpp"
#include "otpgate/core/types.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <string>

namespace otpgate::signals {

struct OperatorConfig {
  std::string id;         // the operators file's key, as brands name it ("telco-de")
  std::string base_url;   // the APIs' root, without a trailing slash: "https://api.telco.example"
  std::string token_url;  // the OAuth2 token endpoint (client credentials grant)
  std::string client_id;
  // The client secret, read from the environment variable client_secret_env names: never in
  // the file, never logged.
  Secret<std::string> client_secret;
  std::string client_secret_env;
  std::string scope;  // "" when the operator wants none
  // Each query's deadline: token fetch, call, and the one retry after a 401 all within it.
  std::chrono::milliseconds timeout{2'000};
  // How long an answer is reused for the same number (and customer); 0: never.
  std::chrono::milliseconds cache{60'000};
  // failures: consecutive timeouts, unreachable or 5xx that open it; open_for: how long.
  CircuitPolicy circuit{};
};

using OperatorCatalog = std::map<std::string, OperatorConfig, std::less<>>;

}  // namespace otpgate::signals
