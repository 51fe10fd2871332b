// The adapter when the operator fails: deadlines, the circuit breaker, the cache, overlapping
// calls, what its logs leave out, and the requests it sends checked against the specs.
#include "signals_fixture.hpp"
#include "support/captured_stderr.hpp"

#include "otpgate/util/log_limit.hpp"

#include <unistd.h>

#include <chrono>

namespace {

using namespace otpgate;
using namespace otpgate::test;
using E = FakeOperator::Endpoint;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

TEST_CASE("signals: a hang times out within the deadline", "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  auto config = operator_config(fake);
  config.timeout = milliseconds(300);
  SignalsRig rig(config);
  fake.fail(E::sim_swap, {.hang = true});
  const auto start = steady::now();
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::timeout);
  // Bounded, not measured: a missing deadline would wait for run_sync's 10 s.
  CHECK(steady::now() - start < milliseconds(2'000));
  // A hanging token endpoint too: the fetch counts inside the same deadline.
  fake.expire_tokens();
  rig.op().tokens.drop("tok-1");
  fake.fail(E::token, {.hang = true});
  const auto again = steady::now();
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::timeout);
  CHECK(steady::now() - again < milliseconds(2'000));
}

TEST_CASE("signals: a 500 is an operator error and a 401 after a fresh token unauthorized",
          "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  fake.fail(E::kyc, {.status = 500});
  CHECK(rig.kyc("+4915112300002", erika()).failure == SignalFailure::operator_error);
  fake.fail(E::sim_swap, {.status = 401}, 2);
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::unauthorized);
  CHECK(fake.calls(E::token) == 2);     // the first, then one fresh one after the 401
  CHECK(fake.calls(E::sim_swap) == 2);  // the call and its one retry
  fake.fail(E::token, {.status = 503});
  rig.op().tokens.drop("tok-2");
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::operator_error);
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: an operator nobody listens at is unreachable", "[signals]") {
  FakeOperator fake;
  auto config = operator_config(fake);
  config.base_url = config.token_url = "http://127.0.0.1:1";
  SignalsRig rig(config);
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::unreachable);
}

TEST_CASE("signals: the circuit opens after N failures and closes after a good trial",
          "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));  // 3 failures, open 500 ms
  fake.fail(E::sim_swap, {.status = 502}, -1);
  for (int i = 0; i < 3; ++i)
    CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::operator_error);
  CHECK(fake.calls(E::sim_swap) == 3);
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::circuit_open);
  CHECK(rig.kyc("+4915112300002", erika()).failure == SignalFailure::circuit_open);
  CHECK(fake.calls(E::sim_swap) == 3);  // not called while open
  CHECK(fake.calls(E::kyc) == 0);
  fake.clear_faults();
  rig.clock.advance(500);
  CHECK_FALSE(rig.sim_swap("+4915112300002").failure);  // the half-open trial
  CHECK(rig.op().circuit.state(rig.clock.now_ms()) == CircuitBreaker::State::closed);
  CHECK_FALSE(rig.kyc("+4915112300002", erika()).failure);
  CHECK(fake.calls(E::sim_swap) == 4);
  CHECK(fake.calls(E::kyc) == 1);
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: a failed trial opens the circuit again and rejections do not count",
          "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  for (int i = 0; i < 5; ++i)  // an unknown number: the operator answers, it is healthy
    CHECK(rig.sim_swap("+4915199999999").failure == SignalFailure::rejected);
  CHECK(rig.op().circuit.state(rig.clock.now_ms()) == CircuitBreaker::State::closed);
  fake.fail(E::sim_swap, {.status = 500}, 4);
  for (int i = 0; i < 3; ++i) CHECK(rig.sim_swap("+4915112300002").failure);
  rig.clock.advance(500);
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::operator_error);  // trial
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::circuit_open);
  CHECK(fake.calls(E::sim_swap) == 9);
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: answers are cached per number and customer and failures are not", "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  auto config = operator_config(fake);
  config.cache = milliseconds(60'000);
  SignalsRig rig(config);
  fake.fail(E::sim_swap, {.status = 500});
  CHECK(rig.sim_swap("+4915112300001").failure == SignalFailure::operator_error);
  CHECK(rig.sim_swap("+4915112300001").swapped);  // the failure was not kept
  CHECK(rig.sim_swap("+4915112300001").swapped);  // this answer was
  CHECK(fake.calls(E::sim_swap) == 2);
  CHECK(rig.sim_swap("+4915112300001", 1).swapped == false);  // another maxAge: asked
  CHECK(fake.calls(E::sim_swap) == 3);
  CHECK(rig.kyc("+4915112300002", erika()).fields[1].match == KycMatch::yes);
  CHECK(rig.kyc("+4915112300002", erika()).fields[1].match == KycMatch::yes);
  CHECK(fake.calls(E::kyc) == 1);
  CHECK(rig.kyc("+4915112300002", erika("Musterfrau")).fields[1].match == KycMatch::no);
  CHECK(fake.calls(E::kyc) == 2);  // another customer: asked
  rig.clock.advance(60'000);
  CHECK(rig.sim_swap("+4915112300001").swapped);
  CHECK(fake.calls(E::sim_swap) == 4);  // expired: asked again
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: the two calls of one query overlap", "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  fake.set_delay(E::sim_swap, milliseconds(200));
  fake.set_delay(E::kyc, milliseconds(200));
  SignalsRig rig(operator_config(fake));
  SignalQuery q{.phone_e164 = "+4915112300002"};
  q.sim_swap = SignalQuery::SimSwap{test_operator, 240};
  q.kyc = SignalQuery::Kyc{test_operator, erika()};
  const SignalAnswers a = rig.ask(q);
  CHECK_FALSE(a.sim_swap->failure);
  CHECK_FALSE(a.kyc->failure);
  // Both requests were received before either was answered.
  CHECK(fake.server().max_concurrent() == 2);
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: log lines name the operator and a masked number and no customer data",
          "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  log::set_repeat_interval(milliseconds(100));
  ::usleep(150'000);  // a fresh window of the limited failure lines
  const std::string logs = captured_stderr([&] {
    fake.fail(E::kyc, {.status = 500});
    CHECK(rig.kyc("+4915112300002", erika()).failure == SignalFailure::operator_error);
    fake.fail(E::kyc, {.status = 401}, 2);
    CHECK(rig.kyc("+4915112300002", erika()).failure == SignalFailure::unauthorized);
    CHECK_FALSE(rig.kyc("+4915112300002", erika()).failure);
  });
  log::set_repeat_interval(milliseconds(10'000));
  CHECK(logs.find("network signal failed") != std::string::npos);
  CHECK(logs.find("+49151*****002") != std::string::npos);
  for (const char* secret : {"Erika", "Mustermann", "erika@example.com", "berlin", "+4915112300002",
                             "tok-", "operator-secret"})
    CHECK(logs.find(secret) == std::string::npos);
}

TEST_CASE("signals: the fake operator reports a request that breaks the spec", "[signals]") {
  FakeOperator fake;
  boost::asio::io_context ioc;
  gateways::CurlMulti http(ioc);
  const HttpRequest bad{.url = fake.base_url() + "/sim-swap/v2/check",
                        .headers = {{"Content-Type", "application/json"}},
                        .body = R"({"phoneNumber":"0151123","maxAge":0})"};
  const auto answer = run_sync(ioc, http.perform(bad, HttpTimeouts{}));
  REQUIRE(answer);
  CHECK(answer.value().status == 401);  // no token: refused, but checked first
  const auto problems = fake.request_problems();
  CAPTURE(problems);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].find("$.maxAge: 0 is less than 1") != std::string::npos);
  CHECK(problems[1].find("$.phoneNumber: \"0151123\" does not match") != std::string::npos);
}

}  // namespace
