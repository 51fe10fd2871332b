// config_from_env and the HTTPS listener: OTPGATE_TLS_LISTEN, OTPGATE_TLS_CERT_FILE and
// OTPGATE_TLS_KEY_FILE go together, OTPGATE_LISTEN=off only with TLS, and unusable certificate or
// key files stop start-up with the variable and the file named. The files are temp files made
// per test (tests/support/tls_test_cert).
#include "support/tls_test_cert.hpp"

#include "otpgate/wiring/config.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

using namespace otpgate;
using otpgate::test::TestCertificate;

namespace {

using env_vars = std::map<std::string, std::optional<std::string>>;

// Sets exactly the variables this test is about (unset when nullopt) and restores them after.
class scoped_env {
 public:
  explicit scoped_env(const env_vars& vars) {
    for (const char* name : {"OTPGATE_LISTEN", "OTPGATE_TLS_LISTEN", "OTPGATE_TLS_CERT_FILE",
                             "OTPGATE_TLS_KEY_FILE", "OTPGATE_SECRET", "OTPGATE_SECRET_FILE"}) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      ::unsetenv(name);
    }
    ::setenv("OTPGATE_SECRET", std::string(64, 'a').c_str(), 1);
    for (const auto& [name, value] : vars) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  ~scoped_env() {
    for (const auto& [name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// The ConfigError's message, or "" when config_from_env succeeded.
std::string config_error() {
  try {
    (void)config_from_env();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("config: without the TLS variables there is no TLS listener", "[unit][config][tls]") {
  scoped_env env(env_vars{});
  const AppConfig c = config_from_env();
  CHECK_FALSE(c.server.tls.has_value());
  CHECK(c.server.plain);
  CHECK(c.server.address == "127.0.0.1");
  CHECK(c.server.port == 8080);
}

TEST_CASE("config: all three TLS variables enable the TLS listener next to the plain one",
          "[unit][config][tls]") {
  TestCertificate cert;
  scoped_env env(env_vars{{"OTPGATE_LISTEN", "127.0.0.1:9080"},
                          {"OTPGATE_TLS_LISTEN", "0.0.0.0:9443"},
                          {"OTPGATE_TLS_CERT_FILE", cert.cert_file()},
                          {"OTPGATE_TLS_KEY_FILE", cert.key_file()}});
  const AppConfig c = config_from_env();
  REQUIRE(c.server.tls.has_value());
  CHECK(c.server.tls->address == "0.0.0.0");
  CHECK(c.server.tls->port == 9443);
  CHECK(c.server.tls->context != nullptr);
  CHECK(c.server.plain);
  CHECK(c.server.port == 9080);
}

TEST_CASE("config: some but not all TLS variables name the missing ones", "[unit][config][tls]") {
  TestCertificate cert;
  {
    scoped_env env(env_vars{{"OTPGATE_TLS_LISTEN", "127.0.0.1:9443"}});
    const std::string e = config_error();
    CHECK(contains(e, "missing: OTPGATE_TLS_CERT_FILE, OTPGATE_TLS_KEY_FILE"));
  }
  {
    scoped_env env(env_vars{{"OTPGATE_TLS_CERT_FILE", cert.cert_file()},
                            {"OTPGATE_TLS_KEY_FILE", cert.key_file()}});
    const std::string e = config_error();
    CHECK(contains(e, "missing: OTPGATE_TLS_LISTEN"));
    CHECK_FALSE(contains(e, "missing: OTPGATE_TLS_LISTEN,"));
  }
  {
    scoped_env env(env_vars{{"OTPGATE_TLS_LISTEN", "127.0.0.1:9443"},
                            {"OTPGATE_TLS_KEY_FILE", cert.key_file()}});
    CHECK(contains(config_error(), "missing: OTPGATE_TLS_CERT_FILE"));
  }
}

TEST_CASE("config: OTPGATE_LISTEN=off runs TLS only, and is refused without TLS",
          "[unit][config][tls]") {
  TestCertificate cert;
  {
    scoped_env env(env_vars{{"OTPGATE_LISTEN", "off"},
                            {"OTPGATE_TLS_LISTEN", "127.0.0.1:9443"},
                            {"OTPGATE_TLS_CERT_FILE", cert.cert_file()},
                            {"OTPGATE_TLS_KEY_FILE", cert.key_file()}});
    const AppConfig c = config_from_env();
    CHECK_FALSE(c.server.plain);
    REQUIRE(c.server.tls.has_value());
    CHECK(c.server.tls->port == 9443);
  }
  {
    scoped_env env(env_vars{{"OTPGATE_LISTEN", "off"}});
    const std::string e = config_error();
    CHECK(contains(e, "OTPGATE_LISTEN"));
    CHECK(contains(e, "nothing would listen"));
  }
}

TEST_CASE("config: the TLS listener may not take the plain listener's port",
          "[unit][config][tls]") {
  TestCertificate cert;
  for (const std::string tls_host : {"127.0.0.1", "0.0.0.0"}) {
    scoped_env env(env_vars{{"OTPGATE_LISTEN", "127.0.0.1:9443"},
                            {"OTPGATE_TLS_LISTEN", tls_host + ":9443"},
                            {"OTPGATE_TLS_CERT_FILE", cert.cert_file()},
                            {"OTPGATE_TLS_KEY_FILE", cert.key_file()}});
    CHECK(contains(config_error(), "OTPGATE_TLS_LISTEN: must not use the port of OTPGATE_LISTEN"));
  }
  scoped_env env(env_vars{{"OTPGATE_TLS_LISTEN", "127.0.0.1:not-a-port"},
                          {"OTPGATE_TLS_CERT_FILE", cert.cert_file()},
                          {"OTPGATE_TLS_KEY_FILE", cert.key_file()}});
  CHECK(contains(config_error(), "OTPGATE_TLS_LISTEN: invalid port"));
}

TEST_CASE("config: an unreadable or invalid certificate names the variable and the file",
          "[unit][config][tls]") {
  TestCertificate cert;
  const std::string missing = cert.dir() + "/no-such-cert.pem";
  const std::string garbage = cert.write_file("garbage.pem", "not a certificate\n");
  for (const auto& path : {missing, garbage, cert.key_file()}) {  // a key is no certificate
    scoped_env env(env_vars{{"OTPGATE_TLS_LISTEN", "127.0.0.1:9443"},
                            {"OTPGATE_TLS_CERT_FILE", path},
                            {"OTPGATE_TLS_KEY_FILE", cert.key_file()}});
    const std::string e = config_error();
    CHECK(contains(e, "OTPGATE_TLS_CERT_FILE: " + path + ": "));
  }
}

TEST_CASE("config: a missing, invalid, encrypted or mismatched key names the file, shows no key",
          "[unit][config][tls]") {
  TestCertificate cert;
  const std::string missing = cert.dir() + "/no-such-key.pem";
  const std::string not_a_key = cert.cert_file();
  const std::string other = cert.write_unrelated_key("other-key.pem");
  // Refused, not a passphrase prompt on the terminal.
  const std::string encrypted = cert.write_encrypted_key("encrypted-key.pem");
  const std::string other_pem = file_text(other);
  const std::string own_pem = file_text(cert.key_file());
  for (const auto& path : {missing, not_a_key, other, encrypted}) {
    scoped_env env(env_vars{{"OTPGATE_TLS_LISTEN", "127.0.0.1:9443"},
                            {"OTPGATE_TLS_CERT_FILE", cert.cert_file()},
                            {"OTPGATE_TLS_KEY_FILE", path}});
    const std::string e = config_error();
    CHECK(contains(e, "OTPGATE_TLS_KEY_FILE: " + path + ": "));
    CHECK_FALSE(contains(e, "PRIVATE KEY"));
    // No line of either key's base64 body reaches the message.
    for (const auto* pem : {&other_pem, &own_pem}) {
      std::istringstream lines(*pem);
      for (std::string line; std::getline(lines, line);)
        if (line.rfind("-----", 0) != 0) CHECK_FALSE(contains(e, line.substr(0, 16)));
    }
  }
  scoped_env env(env_vars{{"OTPGATE_TLS_LISTEN", "127.0.0.1:9443"},
                          {"OTPGATE_TLS_CERT_FILE", cert.cert_file()},
                          {"OTPGATE_TLS_KEY_FILE", other}});
  CHECK(contains(config_error(), "does not belong to the certificate in " + cert.cert_file()));
}
