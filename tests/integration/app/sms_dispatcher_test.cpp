// The delivery rules performed: retries, Retry-After, failover order, the deadline and the
// circuit breaker, with scripted in-process gateways on a real io_context (the HTTP side of each
// vendor is tested against fake vendor servers in
// tests/integration/gateways/http_gateway_test.cpp).
#include "otpgate/app/sms_dispatcher.hpp"
#include "otpgate/crypto/openssl.hpp"
#include "otpgate/gateways/registry.hpp"

#include "support/fakes/clock.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <deque>
#include <stdexcept>

namespace {

using namespace otpgate;
using namespace std::chrono_literals;
using Clock_ = std::chrono::steady_clock;

// Answers each send with the next scripted attempt (the last one repeats), after `delay` or
// when the caller's timeout runs out, whichever is first (then "timeout", as curl would).
class ScriptedGateway final : public SmsGateway {
 public:
  ScriptedGateway(std::string name, std::deque<SendAttempt> script, milliseconds delay = 0ms)
      : name_(std::move(name)), script_(std::move(script)), delay_(delay) {}
  const std::string& name() const override { return name_; }

  task<SendAttempt> send(const SmsMessage&, milliseconds timeout) override {
    calls.push_back({Clock_::now(), timeout});
    if (throws) throw std::runtime_error("gateway adapter bug");
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
    t.expires_after(std::min(delay_, timeout));
    co_await t.async_wait(boost::asio::use_awaitable);
    if (delay_ > timeout)
      co_return SendAttempt{.outcome = SendOutcome::transient, .reason = "timeout"};
    SendAttempt a = script_.front();
    if (script_.size() > 1) script_.pop_front();
    co_return a;
  }

  struct Call {
    Clock_::time_point at;
    milliseconds timeout;
  };
  std::vector<Call> calls;
  bool throws = false;

 private:
  std::string name_;
  std::deque<SendAttempt> script_;
  milliseconds delay_;
};

SendAttempt ok() {
  return {.outcome = SendOutcome::accepted, .message_id = "m-1"};
}
SendAttempt busy(std::optional<milliseconds> after = std::nullopt) {
  return {.outcome = SendOutcome::transient, .retry_after = after, .reason = "http 503"};
}
SendAttempt bad_number() {
  return {.outcome = SendOutcome::permanent, .reason = "http 400"};
}

struct Fixture {
  boost::asio::io_context ioc;
  test::FakeClock clock{1'000'000};
  crypto::OpensslRandom random;
  gateways::GatewayCatalog catalog;
  std::map<std::string, std::unique_ptr<SmsGateway>> instances;
  SmsDispatcher dispatcher{instances, catalog, clock, random};
  DeliveryPolicy policy{.attempt_timeout = 1000ms,
                        .deadline = 3000ms,
                        .retries = 2,
                        .backoff = 10ms,
                        .max_backoff = 20ms};
  SmsMessage message{"+4915112345678", "Test", Secret<std::string>("code 123456"), "b", "vf_x"};

  ScriptedGateway& add(const std::string& name, std::deque<SendAttempt> script,
                       milliseconds delay = 0ms, CircuitPolicy circuit = {}) {
    catalog.emplace(
        name, gateways::GatewaySpec{.name = name,
                                    .type = "scripted",
                                    .circuit = std::make_unique<gateways::SharedCircuit>(circuit)});
    auto gw = std::make_unique<ScriptedGateway>(name, std::move(script), delay);
    ScriptedGateway& ref = *gw;
    instances.emplace(name, std::move(gw));
    return ref;
  }

  DispatchResult send(const std::vector<std::string>& order, std::size_t first = 0) {
    return test::run_sync(ioc, dispatcher.send(policy, order, first, message));
  }
};

}  // namespace

TEST_CASE("transient failures are retried on the same gateway", "[dispatch]") {
  Fixture f;
  auto& a = f.add("a", {busy(), busy(), ok()});
  auto& b = f.add("b", {ok()});
  const DispatchResult r = f.send({"a", "b"});
  CHECK(r.accepted);
  CHECK(r.gateway == "a");
  CHECK(r.message_id == "m-1");
  CHECK(a.calls.size() == 3);
  CHECK(b.calls.empty());
  CHECK(r.attempts == 3);
}

TEST_CASE("retries are bounded, then the next gateway in order", "[dispatch]") {
  Fixture f;
  auto& a = f.add("a", {busy()});
  auto& b = f.add("b", {busy()});
  auto& c = f.add("c", {ok()});
  const DispatchResult r = f.send({"a", "b", "c"});
  CHECK(r.accepted);
  CHECK(r.gateway == "c");
  CHECK(a.calls.size() == 3);  // 1 + retries
  CHECK(b.calls.size() == 3);
  CHECK(c.calls.size() == 1);
  REQUIRE(b.calls.front().at >= a.calls.back().at);  // order kept
}

TEST_CASE("a permanent error is not retried", "[dispatch]") {
  Fixture f;
  auto& a = f.add("a", {bad_number()});
  auto& b = f.add("b", {bad_number()});
  const DispatchResult r = f.send({"a", "b"});
  CHECK_FALSE(r.accepted);
  CHECK(a.calls.size() == 1);
  CHECK(b.calls.size() == 1);
}

TEST_CASE("failover can start further down the list", "[dispatch]") {
  Fixture f;
  auto& a = f.add("a", {ok()});
  auto& b = f.add("b", {ok()});
  const DispatchResult r = f.send({"a", "b"}, 1);
  CHECK(r.gateway == "b");
  CHECK(a.calls.empty());
  CHECK(b.calls.size() == 1);
}

TEST_CASE("Retry-After is waited for before the retry", "[dispatch]") {
  Fixture f;
  auto& a = f.add("a", {busy(300ms), ok()});
  const DispatchResult r = f.send({"a"});
  CHECK(r.accepted);
  REQUIRE(a.calls.size() == 2);
  // A timer never fires early: the retry cannot come sooner than the vendor asked.
  CHECK(a.calls[1].at - a.calls[0].at >= 300ms);
}

TEST_CASE("a Retry-After beyond the deadline moves on at once", "[dispatch]") {
  Fixture f;
  auto& a = f.add("a", {busy(10s)});
  f.add("b", {ok()});
  const DispatchResult r = f.send({"a", "b"});
  CHECK(r.gateway == "b");
  CHECK(a.calls.size() == 1);
}

TEST_CASE("every attempt fits in what is left of the deadline", "[dispatch]") {
  Fixture f;
  f.policy = DeliveryPolicy{.attempt_timeout = 200ms,
                            .deadline = 500ms,
                            .retries = 5,
                            .backoff = 0ms,
                            .max_backoff = 0ms};
  auto& a = f.add("a", {ok()}, 10s);  // hangs: every attempt times out
  auto& b = f.add("b", {ok()}, 10s);
  const DispatchResult r = f.send({"a", "b"});
  CHECK_FALSE(r.accepted);
  milliseconds total{0};
  for (const auto* g : {&a, &b})
    for (const auto& c : g->calls) {
      CHECK(c.timeout <= 200ms);
      total += c.timeout;
    }
  CHECK(total <= 500ms);
  CHECK(a.calls.size() >= 2);  // 200 + 200 + 100: the third is cut to the rest
}

TEST_CASE("an open circuit skips the gateway for every sender, a probe closes it",
          "[dispatch][circuit]") {
  Fixture f;
  f.policy.retries = 0;
  auto& a = f.add("a", {busy(), busy(), ok()}, 0ms, CircuitPolicy{.failures = 2, .open_for = 30s});
  auto& b = f.add("b", {ok()});
  CHECK(f.send({"a", "b"}).gateway == "b");
  CHECK(f.send({"a", "b"}).gateway == "b");
  REQUIRE(a.calls.size() == 2);
  // Open: a is not even tried (another brand listing "a" shares the breaker via the catalog).
  CHECK(f.send({"a", "b"}).gateway == "b");
  CHECK(a.calls.size() == 2);
  CHECK(b.calls.size() == 3);
  // After open_for one probe goes through; it succeeds and the circuit closes.
  f.clock.advance(30'000);
  CHECK(f.send({"a", "b"}).gateway == "a");
  CHECK(a.calls.size() == 3);
  CHECK(f.catalog.at("a").circuit->state(f.clock.now_ms()) == CircuitBreaker::State::closed);
}

TEST_CASE("a probe that never reports back still releases the circuit", "[dispatch][circuit]") {
  Fixture f;
  f.policy.retries = 0;
  auto& a = f.add("a", {busy(), ok()}, 0ms, CircuitPolicy{.failures = 1, .open_for = 10s});
  f.add("b", {ok()});
  CHECK(f.send({"a", "b"}).gateway == "b");  // a failed once: open
  f.clock.advance(10'000);
  a.throws = true;  // the probe's send throws instead of answering
  CHECK_THROWS(f.send({"a", "b"}));
  // Counted as a failure: open again, and after open_for there is a new probe (not stuck with
  // the old one "in flight" for ever).
  const auto& circuit = *f.catalog.at("a").circuit;
  CHECK(circuit.state(f.clock.now_ms()) == CircuitBreaker::State::open);
  f.clock.advance(10'000);
  a.throws = false;
  CHECK(f.send({"a", "b"}).gateway == "a");
}
