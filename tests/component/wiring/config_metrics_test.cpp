// OTPGATE_METRICS_LISTEN: unset serves /metrics on the main listener; host:port makes a listener
// of its own (one thread, the main listener's timeouts) that may not share another's port.
#include "otpgate/wiring/config.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

using namespace otpgate;

namespace {

using env_vars = std::map<std::string, std::optional<std::string>>;

// Sets the listeners' variables (unset when nullopt) and a valid secret; restores them after.
class listen_env {
 public:
  explicit listen_env(const env_vars& vars) {
    for (const char* name : {"OTPGATE_LISTEN", "OTPGATE_METRICS_LISTEN", "OTPGATE_TLS_LISTEN",
                             "OTPGATE_TLS_CERT_FILE", "OTPGATE_TLS_KEY_FILE", "OTPGATE_SECRET",
                             "OTPGATE_SECRET_FILE", "OTPGATE_READ_TIMEOUT_MS"}) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      ::unsetenv(name);
    }
    ::setenv("OTPGATE_SECRET", std::string(64, 'a').c_str(), 1);
    for (const auto& [name, value] : vars)
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
  }
  ~listen_env() {
    for (const auto& [name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  listen_env(const listen_env&) = delete;
  listen_env& operator=(const listen_env&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

std::string config_error() {
  try {
    (void)config_from_env();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("without OTPGATE_METRICS_LISTEN there is no metrics listener", "[unit][config]") {
  const listen_env env(env_vars{{"OTPGATE_LISTEN", "127.0.0.1:8080"}});
  CHECK(!config_from_env().metrics_server);
}

TEST_CASE("OTPGATE_METRICS_LISTEN makes a one-thread listener with the main timeouts",
          "[unit][config]") {
  const listen_env env(env_vars{{"OTPGATE_LISTEN", "127.0.0.1:8080"},
                                {"OTPGATE_METRICS_LISTEN", "0.0.0.0:9464"},
                                {"OTPGATE_READ_TIMEOUT_MS", "1234"}});
  const AppConfig c = config_from_env();
  REQUIRE(c.metrics_server);
  CHECK(c.metrics_server->address == "0.0.0.0");
  CHECK(c.metrics_server->port == 9464);
  CHECK(c.metrics_server->threads == 1);
  CHECK(c.metrics_server->plain);
  CHECK(!c.metrics_server->tls);
  CHECK(c.metrics_server->read_timeout == std::chrono::milliseconds(1234));
}

TEST_CASE("OTPGATE_METRICS_LISTEN is refused when malformed or on the main port",
          "[unit][config]") {
  {
    const listen_env env(env_vars{{"OTPGATE_METRICS_LISTEN", "no-port"}});
    CHECK(config_error().find("OTPGATE_METRICS_LISTEN") != std::string::npos);
  }
  {
    const listen_env env(
        env_vars{{"OTPGATE_LISTEN", "127.0.0.1:8080"}, {"OTPGATE_METRICS_LISTEN", "0.0.0.0:8080"}});
    const std::string error = config_error();
    CHECK(error.find("OTPGATE_METRICS_LISTEN") != std::string::npos);
    CHECK(error.find("port of another listener") != std::string::npos);
  }
  {
    // Another address, same port: two listeners, no overlap.
    const listen_env env(env_vars{{"OTPGATE_LISTEN", "127.0.0.1:8080"},
                                  {"OTPGATE_METRICS_LISTEN", "127.0.0.2:8080"}});
    CHECK(config_error().empty());
  }
}
