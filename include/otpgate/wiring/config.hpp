// Start-up configuration: the environment, the brand files and the API keys file, parsed once
// into immutable values. Every problem throws ConfigError with a message a person can act on
// (file, field, reason); main prints it and exits non-zero.
#pragma once

#include "otpgate/core/api_keys.hpp"
#include "otpgate/core/brand.hpp"
#include "otpgate/gateways/curl_multi.hpp"
#include "otpgate/gateways/registry.hpp"
#include "otpgate/http/server.hpp"
#include "otpgate/redis/connection.hpp"
#include "otpgate/signals/operators.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace otpgate {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct AppConfig {
  // OTPGATE_LISTEN (or "off"), OTPGATE_THREADS, OTPGATE_*_TIMEOUT_MS, and the HTTPS listener:
  // OTPGATE_TLS_LISTEN, OTPGATE_TLS_CERT_FILE, OTPGATE_TLS_KEY_FILE (all or none; the files are
  // loaded and checked by config_from_env).
  http::ServerConfig server;
  // OTPGATE_METRICS_LISTEN: a listener of its own for /metrics (unset: /metrics is served on the
  // main listener). Same timeouts and limits as `server`, one thread.
  std::optional<http::ServerConfig> metrics_server;
  redis::Config redis;         // OTPGATE_REDIS (host:port), OTPGATE_REDIS_PASSWORD
  Secret<std::string> secret;  // OTPGATE_SECRET or OTPGATE_SECRET_FILE
  std::string brands_dir = "brands";
  std::string templates_dir = "templates";
  std::string api_keys_file = "config/api-keys.json";
  // OTPGATE_CONSOLE_DIR: the web console's built files, served under /console/ (read at
  // start-up; missing: the console is not built, a warning).
  std::string console_dir = "web/dist";
  gateways::GatewaySettings gateways;      // OTPGATE_SMS_OUTBOX
  std::string gateways_file;               // OTPGATE_GATEWAYS_FILE ("" = only file and log)
  // OTPGATE_OPERATORS_FILE ("" = none): the operators of the network signals, parsed with their
  // client secrets from the environment (wiring/operators_config.hpp, docs/signals.md).
  std::string operators_file;
  signals::OperatorCatalog operators;
  std::int64_t retention_ms = 86'400'000;  // OTPGATE_RETENTION_SECONDS
  std::size_t events_max_len = 1'000'000;  // OTPGATE_EVENTS_MAX_LEN, per brand stream
  // OTPGATE_EVENTS_RETENTION_HOURS: a brand's stream drops entries older than this, and an idle
  // brand's stream expires this long after its last event.
  std::chrono::milliseconds events_retention{std::chrono::hours(48)};
  // OTPGATE_GATEWAY_MAX_CONNECTIONS, OTPGATE_GATEWAY_IDLE_TIMEOUT_MS: each io thread's
  // connection pool to the gateways.
  gateways::PoolLimits gateway_pool;
  std::int64_t alert_period_ms = 60'000;  // OTPGATE_ALERT_INTERVAL_MS: anomaly evaluation
  // OTPGATE_ANALYTICS=off: events are appended without their counters (to measure what the
  // counters cost; the stats then show nothing new).
  bool analytics_counters = true;
  log::level log_level = log::level::info;  // OTPGATE_LOG_LEVEL: debug, info, warn, error
  // OTPGATE_LOG_REPEAT_INTERVAL_MS: the window of the repeated-line limits (util/log_limit.hpp).
  std::chrono::milliseconds log_repeat_interval{10'000};
};

// Reads the OTPGATE_* environment variables (see docs/configuration.md).
AppConfig config_from_env();

// A configuration file's JSON text, parsed strictly (core/strict_json.hpp): not JSON, or a key
// twice in one object, is a ConfigError naming the file (and the key).
nlohmann::json parse_config_json(const std::string& text, const std::string& file);

// The SMS gateways: file and log, plus those of the gateways file (docs/gateways.md) when one is
// named, with ${NAME} references resolved from env.
gateways::GatewayCatalog load_gateway_catalog(const std::string& file,
                                              const gateways::EnvLookup& env);

// Loads brands/<id>/brand.json for every folder in brands_dir, validates each against
// brands_dir/schema.json, and attaches templates (templates_dir/<locale>/verification.txt,
// overridden by brands_dir/<id>/templates/<locale>/verification.txt). Every gateway a brand
// names must be in `gateways` (only file and log when null).
BrandCatalog load_brands(const std::string& brands_dir, const std::string& templates_dir,
                         const gateways::GatewayCatalog* gateways = nullptr);

ApiKeyRegistry load_api_keys(const std::string& file, const BrandCatalog& brands);

}  // namespace otpgate
