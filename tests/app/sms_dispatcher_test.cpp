// SmsDispatcher (src/app/sms_dispatcher.cpp) on scripted gateways and the core's circuit
// breakers: the order, retries of transient failures only, failover, skipping an open circuit,
// and every permitted send reported to its circuit. (Timing against real timers:
// tests/integration/app/sms_dispatcher_test.cpp.)
#include "otpgate/app/sms_dispatcher.hpp"

#include "support/fakes/clock.hpp"
#include "support/fakes/random.hpp"
#include "support/fakes/sms_gateway.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::test;

namespace {

struct DispatchWorld {
  boost::asio::io_context ioc;
  FakeClock clock{1'000'000};
  SeededRandom random{7};
  FakeGateways gateways;
  SmsDispatcher dispatcher{gateways.instances, gateways.circuits, clock, random};
  DeliveryPolicy policy{.retries = 2, .backoff = milliseconds(1), .max_backoff = milliseconds(1)};
  SmsMessage message{.to = "+4915112345678", .text = Secret<std::string>(std::string("code 1"))};

  DispatchResult send(const std::vector<std::string>& order, std::size_t first = 0) {
    return run_sync(ioc, dispatcher.send(policy, order, first, message));
  }
};

}  // namespace

TEST_CASE("the first gateway that accepts ends the send", "[app][dispatch]") {
  DispatchWorld w;
  w.gateways.add("a", {accepted("a-1")});
  w.gateways.add("b", {accepted("b-1")});
  const DispatchResult r = w.send({"a", "b"});
  CHECK(r.accepted);
  CHECK(r.gateway == "a");
  CHECK(r.message_id == "a-1");
  CHECK(r.attempts == 1);
  CHECK(w.gateways["b"].sent.empty());
  CHECK(w.gateways.circuit("a").results == std::vector<SendOutcome>{SendOutcome::accepted});
}

TEST_CASE("transient failures are retried up to the policy's retries, then the next gateway",
          "[app][dispatch]") {
  DispatchWorld w;
  w.gateways.add("a", {transient()});
  w.gateways.add("b", {transient(), accepted("b-1")});
  const DispatchResult r = w.send({"a", "b"});
  CHECK(r.accepted);
  CHECK(r.gateway == "b");
  CHECK(w.gateways["a"].sent.size() == 3);  // 1 + 2 retries
  CHECK(w.gateways["b"].sent.size() == 2);
  CHECK(r.attempts == 5);
  CHECK(w.gateways.circuit("a").results.size() == 3);
}

TEST_CASE("a permanent failure is not retried", "[app][dispatch]") {
  DispatchWorld w;
  w.gateways.add("a", {permanent()});
  const DispatchResult r = w.send({"a"});
  CHECK_FALSE(r.accepted);
  CHECK(r.gateway == "a");
  CHECK(w.gateways["a"].sent.size() == 1);
}

TEST_CASE("a send may start further down the order, and unknown gateways are passed over",
          "[app][dispatch]") {
  DispatchWorld w;
  w.gateways.add("a", {accepted("a-1")});
  w.gateways.add("b", {accepted("b-1")});
  const DispatchResult r = w.send({"a", "missing", "b"}, 1);
  CHECK(r.gateway == "b");
  CHECK(w.gateways["a"].sent.empty());
}

TEST_CASE("an open circuit skips its gateway until it lets a probe through", "[app][dispatch]") {
  DispatchWorld w;
  const CircuitPolicy opens_at_two{.failures = 2, .open_for = milliseconds(30'000)};
  w.gateways.add("a", {transient(), transient(), accepted("a-1")}, opens_at_two);
  w.gateways.add("b", {accepted("b-1")});
  w.policy.retries = 1;
  CHECK(w.send({"a", "b"}).gateway == "b");  // a failed twice: open
  CHECK(w.gateways.circuit("a").breaker.state(w.clock.now_ms()) == CircuitBreaker::State::open);
  CHECK(w.send({"a", "b"}).gateway == "b");
  CHECK(w.gateways["a"].sent.size() == 2);  // skipped, not tried
  w.clock.advance(30'000);
  const DispatchResult probe = w.send({"a", "b"});
  CHECK(probe.gateway == "a");
  CHECK(probe.accepted);
  CHECK(w.gateways.circuit("a").breaker.state(w.clock.now_ms()) == CircuitBreaker::State::closed);
}
