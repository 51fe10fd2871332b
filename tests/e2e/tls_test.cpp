// The real binary with the HTTPS listener: a checkout over TLS (libcurl trusting only the test's
// certificate), the plain port beside it, TLS only with OTPGATE_LISTEN=off, and start-up
// refusing an unusable key file.
#include "e2e_helpers.hpp"

#include "support/tls_test_cert.hpp"

#include <sstream>
#include <thread>

using namespace otpgate::test;

namespace {

// The "otpgate listening" line of the log (null when there is none).
nlohmann::json listening_line(const std::string& log) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.value("msg", "") == "otpgate listening") return j;
  }
  return nullptr;
}

struct tls_instance {
  TestCertificate cert;
  unsigned short tls_port = free_loopback_port();

  OtpgateOptions options() const {
    OtpgateOptions o;
    o.env["OTPGATE_TLS_LISTEN"] = "127.0.0.1:" + std::to_string(tls_port);
    o.env["OTPGATE_TLS_CERT_FILE"] = cert.cert_file();
    o.env["OTPGATE_TLS_KEY_FILE"] = cert.key_file();
    return o;
  }
  std::string url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(tls_port) + path;
  }
  HttpResponse post(const std::string& path, const nlohmann::json& body) const {
    const Headers h = {bearer(shop_key()), {"Content-Type", "application/json"}};
    return https_request("POST", url(path), cert.cert_file(), h, body.dump());
  }
  HttpResponse get(const std::string& path) const {
    return https_request("GET", url(path), cert.cert_file(), {bearer(shop_key())});
  }
};

}  // namespace

TEST_CASE("https: a checkout over TLS while the plain port keeps serving", "[e2e][tls]") {
  tls_instance t;
  OtpgateProcess p(t.options());  // healthy on the plain port
  const std::string phone = fresh_phone();
  const auto created = t.post("/v1/verifications", {{"phone_number", phone}});
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string code = code_from_outbox(p, id);
  REQUIRE(code.size() == 6);

  const auto checked = t.post("/v1/verifications/" + id + "/check", {{"code", code}});
  REQUIRE(checked.status == 200);
  CHECK(checked.json()["status"] == "approved");

  // The plain listener serves the same data.
  const auto plain = http_get(p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
  REQUIRE(plain.status == 200);
  CHECK(plain.json()["status"] == "approved");
  // Plain HTTP on the TLS port gets no answer.
  CHECK(http_get("http://127.0.0.1:" + std::to_string(t.tls_port) + "/healthz").status == 0);

  const std::string log = p.log_text();
  CHECK(log.find("\"tls\":true") != std::string::npos);  // the access lines of the TLS requests
  const auto listening = listening_line(log);
  REQUIRE(listening.is_object());
  CHECK(listening["tls_port"] == t.tls_port);
  CHECK(listening["port"] == p.port());
  CHECK(log.find(code) == std::string::npos);
  CHECK(log.find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE("https: OTPGATE_LISTEN=off serves TLS only", "[e2e][tls]") {
  tls_instance t;
  auto o = t.options();
  o.env["OTPGATE_LISTEN"] = "off";
  o.wait_healthy = false;  // OtpgateProcess would poll a plain port
  OtpgateProcess p(o);
  HttpResponse health;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (p.running() && std::chrono::steady_clock::now() < deadline) {
    health = t.get("/healthz");
    if (health.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(p.log_tail());
  REQUIRE(health.status == 200);
  const auto listening = listening_line(p.log_text());
  REQUIRE(listening.is_object());
  CHECK(listening["tls_port"] == t.tls_port);
  CHECK_FALSE(listening.contains("port"));  // no plain listener
}

TEST_CASE("https: a missing key file stops start-up with a message naming it", "[e2e][tls]") {
  tls_instance t;
  auto o = t.options();
  const std::string missing = t.cert.dir() + "/missing-key.pem";
  o.env["OTPGATE_TLS_KEY_FILE"] = missing;
  o.wait_healthy = false;
  OtpgateProcess p(o);
  const auto status = p.wait_exit(std::chrono::seconds(10));
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  const std::string log = p.log_text();
  CHECK(log.find("configuration error: OTPGATE_TLS_KEY_FILE: " + missing) != std::string::npos);
}
