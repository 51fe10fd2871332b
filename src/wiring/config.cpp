#include "otpgate/wiring/config.hpp"

#include "otpgate/core/json_schema.hpp"
#include "otpgate/core/strict_json.hpp"
#include "otpgate/core/template_lint.hpp"
#include "otpgate/wiring/operators_config.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

namespace otpgate {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

long long env_number(const char* name, long long fallback, long long min, long long max) {
  const std::string v = env_or(name, "");
  if (v.empty()) return fallback;
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used == v.size() && n >= min && n <= max) return n;
  } catch (const std::exception&) {
  }
  throw ConfigError(std::string(name) + ": must be a whole number from " + std::to_string(min) +
                    " to " + std::to_string(max) + ", got '" + v + "'");
}

std::pair<std::string, unsigned short> host_port(const char* name, const std::string& value) {
  // "host:port" or "[v6]:port".
  const auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw ConfigError(std::string(name) + ": must be host:port, got '" + value + "'");
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    const int port = std::stoi(value.substr(colon + 1));
    if (port >= 0 && port <= 65535) return {host, static_cast<unsigned short>(port)};
  } catch (const std::exception&) {
  }
  throw ConfigError(std::string(name) + ": invalid port in '" + value + "'");
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ConfigError(p.string() + ": cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json read_json(const fs::path& p) {
  return parse_config_json(read_file(p), p.string());
}

Secret<std::string> load_secret() {
  std::string s = env_or("OTPGATE_SECRET", "");
  const std::string file = env_or("OTPGATE_SECRET_FILE", "");
  if (s.empty() && !file.empty()) {
    s = read_file(file);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  }
  if (s.size() < 32)
    throw ConfigError(
        "OTPGATE_SECRET or OTPGATE_SECRET_FILE: a server secret of at least 32 characters is "
        "required (e.g. 64 hex digits from `openssl rand -hex 32`)");
  return Secret<std::string>(std::move(s));
}

// The file name of a purpose's template in each locale folder.
std::string template_file(Purpose purpose) {
  return purpose == Purpose::support_call ? "support_call.txt" : "verification.txt";
}

std::map<std::string, Template> load_templates(const fs::path& root, const std::string& where,
                                               Purpose purpose) {
  std::map<std::string, Template> out;
  if (!fs::is_directory(root)) return out;
  for (const auto& dir : fs::directory_iterator(root)) {
    const fs::path file = dir.path() / template_file(purpose);
    if (!dir.is_directory() || !fs::exists(file)) continue;
    std::string text = read_file(file);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    std::string error;
    auto t = Template::parse(text, error);
    if (!t) throw ConfigError(file.string() + ": " + error + " (" + where + ")");
    out.insert_or_assign(dir.path().filename().string(), std::move(*t));
  }
  return out;
}

bool is_wildcard_host(const std::string& host) {
  return host == "0.0.0.0" || host == "::";
}

// OTPGATE_TLS_LISTEN, OTPGATE_TLS_CERT_FILE and OTPGATE_TLS_KEY_FILE: all three or none. The
// files are loaded here, so a bad certificate or key stops start-up like any other config error.
std::optional<http::TlsListenerConfig> tls_listener_from_env() {
  const std::array<std::pair<const char*, std::string>, 3> vars = {
      {{"OTPGATE_TLS_LISTEN", env_or("OTPGATE_TLS_LISTEN", "")},
       {"OTPGATE_TLS_CERT_FILE", env_or("OTPGATE_TLS_CERT_FILE", "")},
       {"OTPGATE_TLS_KEY_FILE", env_or("OTPGATE_TLS_KEY_FILE", "")}}};
  std::string missing;
  std::size_t set = 0;
  for (const auto& [name, value] : vars) {
    if (!value.empty())
      ++set;
    else
      missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  if (set == 0) return std::nullopt;
  if (!missing.empty())
    throw ConfigError(
        "OTPGATE_TLS_LISTEN, OTPGATE_TLS_CERT_FILE and OTPGATE_TLS_KEY_FILE must be set together "
        "(or none of them); missing: " +
        missing);
  http::TlsListenerConfig tls;
  std::tie(tls.address, tls.port) = host_port("OTPGATE_TLS_LISTEN", vars[0].second);
  try {
    tls.context = http::TlsContext::from_pem_files(vars[1].second, vars[2].second);
  } catch (const http::TlsError& e) {
    const bool key = e.file == http::TlsError::file_kind::private_key;
    throw ConfigError(std::string(key ? "OTPGATE_TLS_KEY_FILE" : "OTPGATE_TLS_CERT_FILE") + ": " +
                      e.what());
  }
  return tls;
}

// OTPGATE_LISTEN: host:port, or "off" for TLS only.
void plain_listener_from_env(http::ServerConfig& server) {
  const std::string listen = env_or("OTPGATE_LISTEN", "127.0.0.1:8080");
  if (listen == "off") {
    if (!server.tls)
      throw ConfigError(
          "OTPGATE_LISTEN: 'off' needs the TLS listener (OTPGATE_TLS_LISTEN, "
          "OTPGATE_TLS_CERT_FILE, OTPGATE_TLS_KEY_FILE); without it nothing would listen");
    server.plain = false;
    return;
  }
  std::tie(server.address, server.port) = host_port("OTPGATE_LISTEN", listen);
  // SO_REUSEPORT would let both listeners bind the same port, each getting half the clients.
  const auto& tls = server.tls;
  if (tls && server.port != 0 && server.port == tls->port &&
      (server.address == tls->address || is_wildcard_host(server.address) ||
       is_wildcard_host(tls->address)))
    throw ConfigError("OTPGATE_TLS_LISTEN: must not use the port of OTPGATE_LISTEN ('" + listen +
                      "')");
}

// OTPGATE_METRICS_LISTEN: host:port of a listener that serves only /metrics (the main listener
// then answers 404 there), or unset. One io thread: a scrape every few seconds needs no more.
std::optional<http::ServerConfig> metrics_listener_from_env(const http::ServerConfig& main) {
  const std::string listen = env_or("OTPGATE_METRICS_LISTEN", "");
  if (listen.empty()) return std::nullopt;
  http::ServerConfig m = main;
  m.tls.reset();
  m.plain = true;
  m.threads = 1;
  std::tie(m.address, m.port) = host_port("OTPGATE_METRICS_LISTEN", listen);
  const auto overlaps = [&](const std::string& address, unsigned short port) {
    return m.port != 0 && m.port == port &&
           (m.address == address || is_wildcard_host(m.address) || is_wildcard_host(address));
  };
  // SO_REUSEPORT would let the listeners share the port, each getting some of the other's clients.
  if ((main.plain && overlaps(main.address, main.port)) ||
      (main.tls && overlaps(main.tls->address, main.tls->port)))
    throw ConfigError("OTPGATE_METRICS_LISTEN: must not use the port of another listener ('" +
                      listen + "')");
  return m;
}

// Every template the brand can send (one per listed locale and purpose) must pass the lint
// under the brand's policy: a PSD2 brand's text shows amount and payee, the segment cap holds, ...
// A failing text the brand wrote stops start-up. A default support_call text that does not fit
// the brand (its cap, its name's length) is left out instead, logged: a brand that never uses
// support calls must not fail to start over a text it did not choose.
void lint_brand_templates(Brand& b, Purpose purpose, const fs::path& brand_dir,
                          const fs::path& defaults) {
  const bool checkout = purpose == Purpose::checkout;
  auto& texts = checkout ? b.templates : b.support_call_templates;
  for (const auto& locale : b.locales) {
    const auto t = texts.find(locale);
    if (t == texts.end()) continue;
    const LintReport report =
        lint_template(t->second.text(), locale, b, sample_values(b, locale), purpose);
    if (report.ok()) continue;
    // Brand managers' saved texts are checkout texts; support_call texts come from files only.
    const bool own = checkout
                         ? b.template_sources.at(locale) == "brand"
                         : fs::exists(brand_dir / "templates" / locale / template_file(purpose));
    const fs::path file =
        (own ? brand_dir / "templates" : defaults) / locale / template_file(purpose);
    for (const auto& p : report.problems) {
      if (p.severity != LintSeverity::error) continue;
      if (!checkout && !own) {
        log::write(log::level::warn, "default support_call text left out for a brand",
                   {{"brand", b.id.str()},
                    {"locale", locale},
                    {"file", file.string()},
                    {"problem", p.code}});
        texts.erase(t);
        break;
      }
      throw ConfigError(file.string() + ": " + p.code + ": " + p.message + " (brand " + b.id.str() +
                        ")");
    }
  }
}

// The brand's templates of a purpose: the defaults, each locale overridden by the brand's
// folder. Returns the locales the brand's folder supplied.
std::vector<std::string> attach_templates(std::map<std::string, Template>& texts,
                                          const std::map<std::string, Template>& defaults,
                                          const fs::path& brand_dir, const std::string& name,
                                          Purpose purpose) {
  texts = defaults;
  std::vector<std::string> own;
  for (auto& [locale, t] : load_templates(brand_dir / "templates", "brand " + name, purpose)) {
    texts.insert_or_assign(locale, std::move(t));
    own.push_back(locale);
  }
  return own;
}

}  // namespace

json parse_config_json(const std::string& text, const std::string& file) {
  StrictJson parsed = parse_strict_json(text);
  if (parsed.duplicate_key)
    throw ConfigError(file + ": the key '" + *parsed.duplicate_key + "' appears twice");
  if (parsed.value.is_discarded()) throw ConfigError(file + ": is not valid JSON");
  return std::move(parsed.value);
}

AppConfig config_from_env() {
  AppConfig c;
  c.server.tls = tls_listener_from_env();
  plain_listener_from_env(c.server);
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  c.server.threads = static_cast<unsigned>(env_number("OTPGATE_THREADS", cores, 1, 256));
  c.server.read_timeout = milliseconds(env_number("OTPGATE_READ_TIMEOUT_MS", 10'000, 50, 600'000));
  c.server.idle_timeout =
      milliseconds(env_number("OTPGATE_IDLE_TIMEOUT_MS", 30'000, 50, 3'600'000));
  c.server.shutdown_grace =
      milliseconds(env_number("OTPGATE_SHUTDOWN_GRACE_MS", 10'000, 0, 600'000));
  c.metrics_server = metrics_listener_from_env(c.server);
  auto [rhost, rport] = host_port("OTPGATE_REDIS", env_or("OTPGATE_REDIS", "127.0.0.1:6379"));
  c.redis.host = rhost;
  c.redis.port = rport;
  c.redis.password = env_or("OTPGATE_REDIS_PASSWORD", "");
  c.redis.command_timeout = milliseconds(env_number("OTPGATE_REDIS_TIMEOUT_MS", 1000, 10, 60'000));
  c.redis.drain_window = milliseconds(env_number("OTPGATE_REDIS_DRAIN_MS", 5000, 0, 600'000));
  c.secret = load_secret();
  c.brands_dir = env_or("OTPGATE_BRANDS_DIR", c.brands_dir);
  c.templates_dir = env_or("OTPGATE_TEMPLATES_DIR", c.templates_dir);
  c.api_keys_file = env_or("OTPGATE_API_KEYS_FILE", c.api_keys_file);
  c.console_dir = env_or("OTPGATE_CONSOLE_DIR", c.console_dir);
  c.gateways.outbox_path = env_or("OTPGATE_SMS_OUTBOX", c.gateways.outbox_path);
  c.gateways_file = env_or("OTPGATE_GATEWAYS_FILE", "");
  c.operators_file = env_or("OTPGATE_OPERATORS_FILE", "");
  c.operators = load_operators(c.operators_file, gateways::process_env);
  c.retention_ms = env_number("OTPGATE_RETENTION_SECONDS", 86'400, 60, 2'592'000) * 1000;
  const std::string level = env_or("OTPGATE_LOG_LEVEL", "info");
  const std::map<std::string, log::level> levels = {{"debug", log::level::debug},
                                                    {"info", log::level::info},
                                                    {"warn", log::level::warn},
                                                    {"error", log::level::error}};
  if (!levels.count(level))
    throw ConfigError("OTPGATE_LOG_LEVEL: must be debug, info, warn or error, got '" + level + "'");
  c.log_level = levels.at(level);
  c.events_max_len =
      static_cast<std::size_t>(env_number("OTPGATE_EVENTS_MAX_LEN", 1'000'000, 1000, 100'000'000));
  c.events_retention =
      std::chrono::hours(env_number("OTPGATE_EVENTS_RETENTION_HOURS", 48, 1, 8760));
  c.alert_period_ms = env_number("OTPGATE_ALERT_INTERVAL_MS", 60'000, 100, 3'600'000);
  c.gateway_pool.max_host_connections =
      env_number("OTPGATE_GATEWAY_MAX_CONNECTIONS", c.gateway_pool.max_host_connections, 1, 1000);
  c.gateway_pool.idle_timeout = milliseconds(env_number(
      "OTPGATE_GATEWAY_IDLE_TIMEOUT_MS", c.gateway_pool.idle_timeout.count(), 1000, 3'600'000));
  c.log_repeat_interval =
      milliseconds(env_number("OTPGATE_LOG_REPEAT_INTERVAL_MS", 10'000, 100, 3'600'000));
  const std::string analytics = env_or("OTPGATE_ANALYTICS", "on");
  if (analytics != "on" && analytics != "off")
    throw ConfigError("OTPGATE_ANALYTICS: must be on or off, got '" + analytics + "'");
  c.analytics_counters = analytics == "on";
  return c;
}

gateways::GatewayCatalog load_gateway_catalog(const std::string& file,
                                              const gateways::EnvLookup& env) {
  const json doc = file.empty() ? json(nullptr) : read_json(file);
  try {
    return gateways::build_catalog(doc, env);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(file + ": field " + e.what());
  }
}

BrandCatalog load_brands(const std::string& brands_dir, const std::string& templates_dir,
                         const gateways::GatewayCatalog* gateways) {
  const fs::path root(brands_dir);
  const json schema = read_json(root / "schema.json");
  const auto defaults =
      load_templates(fs::path(templates_dir), "default templates", Purpose::checkout);
  const auto support_defaults =
      load_templates(fs::path(templates_dir), "default templates", Purpose::support_call);
  BrandCatalog out;
  if (!fs::is_directory(root)) throw ConfigError(brands_dir + ": is not a directory");
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    const fs::path file = dir.path() / "brand.json";
    const std::string name = dir.path().filename().string();
    const auto id = BrandId::parse(name);
    if (!id)
      throw ConfigError(dir.path().string() +
                        ": brand folder names must be 2-32 characters of "
                        "a-z, 0-9 and '-'");
    const json doc = read_json(file);
    if (auto bad = validate_against_schema(schema, doc))
      throw ConfigError(file.string() + ": field " + bad->pointer + " " + bad->reason);
    try {
      Brand b = brand_from_json(*id, doc);
      for (const auto& [locale, t] : defaults) b.template_sources[locale] = "default";
      for (const auto& locale :
           attach_templates(b.templates, defaults, dir.path(), name, Purpose::checkout))
        b.template_sources[locale] = "brand";
      attach_templates(b.support_call_templates, support_defaults, dir.path(), name,
                       Purpose::support_call);
      lint_brand_templates(b, Purpose::checkout, dir.path(), fs::path(templates_dir));
      lint_brand_templates(b, Purpose::support_call, dir.path(), fs::path(templates_dir));
      std::string chosen;
      if (!b.template_for(b.default_locale, chosen))
        throw std::invalid_argument("/default_locale: no verification template for it or \"en\"");
      for (const auto& g : b.gateways) {
        const bool local = g == "file" || g == "log";
        if (!local && (!gateways || !gateways->count(g)))
          throw std::invalid_argument("/gateways: unknown gateway " + g +
                                      " (not file, log or a gateway of OTPGATE_GATEWAYS_FILE)");
      }
      // A webhook without its signing key would only fail when an alert fires: refuse now.
      const std::string& secret_env = b.alerts.webhook_secret_env;
      if (!b.alerts.webhook_url.empty() && env_or(secret_env.c_str(), "").empty())
        throw std::invalid_argument("/alerts/webhook/secret_env: the variable " + secret_env +
                                    " (the webhook's signing key) is not set");
      out.emplace(name, std::move(b));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(file.string() + ": field " + e.what());
    }
  }
  if (out.empty()) throw ConfigError(brands_dir + ": no brand folders with a brand.json");
  return out;
}

ApiKeyRegistry load_api_keys(const std::string& file, const BrandCatalog& brands) {
  std::vector<std::string> names;
  for (const auto& [id, b] : brands) names.push_back(id);
  try {
    return ApiKeyRegistry::from_json(read_json(file), names);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(file + ": field " + e.what());
  }
}

}  // namespace otpgate
