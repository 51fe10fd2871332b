// OTPGATE_OPERATORS_FILE in the real binary: a good file starts otpgate with each operator's
// circuit exported; a secret that is not set stops start-up naming the field and the variable.
#include "support/fake_operator.hpp"
#include "support/http_client.hpp"
#include "support/otpgate_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {

using namespace otpgate::test;

// A temp dir for the operators file, removed at the end.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/otpgate-ops-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// An operators file in dir naming the fake operator.
std::string operators_file(const std::string& dir, const FakeOperator& fake) {
  const std::string path = dir + "/operators.json";
  std::ofstream(path) << nlohmann::json{{"operators",
                                         {{"fake-op",
                                           {{"base_url", fake.base_url()},
                                            {"token_url", fake.token_url()},
                                            {"client_id", fake.options().client_id},
                                            {"client_secret_env", "E2E_OPERATOR_SECRET"}}}}}};
  return path;
}

TEST_CASE("otpgate starts with an operators file and exports its circuit", "[e2e][signals]") {
  FakeOperator fake;
  TempDir tmp;
  OtpgateProcess p({.env = {{"OTPGATE_OPERATORS_FILE", operators_file(tmp.path, fake)},
                            {"E2E_OPERATOR_SECRET", fake.options().client_secret}}});
  const auto metrics = http_get(p.base_url() + "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("otpgate_signal_circuit_state{operator=\"fake-op\"} 0") !=
        std::string::npos);
  CHECK(p.log_text().find(fake.options().client_secret) == std::string::npos);
}

TEST_CASE("an operator whose secret is not set stops start-up", "[e2e][signals]") {
  FakeOperator fake;
  TempDir tmp;
  OtpgateProcess p({.env = {{"OTPGATE_OPERATORS_FILE", operators_file(tmp.path, fake)}},
                    .unset = {"E2E_OPERATOR_SECRET"},
                    .wait_healthy = false});
  const auto status = p.wait_exit();
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  CHECK(p.log_text().find("/operators/fake-op/client_secret_env: E2E_OPERATOR_SECRET is not "
                          "set or empty") != std::string::npos);
}

}  // namespace
