// The CAMARA adapter (signals/camara_signals.hpp) against the fake operator, on a real
// io_context and the real CurlMulti; the operator's state runs on a clock the test moves.
#pragma once

#include "otpgate/gateways/curl_multi.hpp"
#include "otpgate/signals/camara_signals.hpp"
#include "support/fake_operator.hpp"
#include "support/fakes/clock.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <string>

namespace otpgate::test {

inline constexpr const char* test_operator = "op-test";

inline signals::OperatorConfig operator_config(const FakeOperator& fake) {
  signals::OperatorConfig c;
  c.id = test_operator;
  c.base_url = fake.base_url();
  c.token_url = fake.token_url();
  c.client_id = fake.options().client_id;
  c.client_secret = Secret<std::string>(fake.options().client_secret);
  c.client_secret_env = "TEST_OPERATOR_SECRET";
  c.timeout = std::chrono::milliseconds(1'000);
  c.cache = std::chrono::milliseconds(0);
  c.circuit = CircuitPolicy{.failures = 3, .open_for = std::chrono::milliseconds(500)};
  return c;
}

// One io thread's adapter on a shared operator state.
struct SignalsRig {
  explicit SignalsRig(const signals::OperatorConfig& config)
      : shared(signals::OperatorCatalog{{config.id, config}}, clock) {}

  signals::OperatorState& op() { return *shared.find(test_operator); }

  SignalAnswers ask(const SignalQuery& q) { return run_sync(ioc, adapter.query(q)); }

  SimSwapAnswer sim_swap(const std::string& phone, int max_age = 240) {
    SignalQuery q{.phone_e164 = phone};
    q.sim_swap = SignalQuery::SimSwap{test_operator, max_age};
    const SignalAnswers a = ask(q);
    REQUIRE(a.sim_swap.has_value());
    CHECK_FALSE(a.kyc.has_value());
    return *a.sim_swap;
  }

  KycAnswer kyc(const std::string& phone, Customer customer) {
    SignalQuery q{.phone_e164 = phone};
    q.kyc = SignalQuery::Kyc{test_operator, std::move(customer)};
    const SignalAnswers a = ask(q);
    REQUIRE(a.kyc.has_value());
    CHECK_FALSE(a.sim_swap.has_value());
    return *a.kyc;
  }

  FakeClock clock{1'700'000'000'000};
  signals::SignalsShared shared;
  boost::asio::io_context ioc;
  gateways::CurlMulti http{ioc};
  signals::CamaraSignals adapter{http, shared};
};

inline Customer erika(std::string family_name = "Mustermann") {
  return Customer{{{KycField::given_name, "Erika"},
                   {KycField::family_name, std::move(family_name)},
                   {KycField::email, "erika@example.com"},
                   {KycField::locality, "berlin"}}};
}

}  // namespace otpgate::test
