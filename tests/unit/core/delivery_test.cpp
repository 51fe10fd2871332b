// The delivery rules stepped by hand: "gateway answered 429", "timed out", "clock moved 30 s".
#include "otpgate/core/delivery.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace std::chrono_literals;

namespace {

SendAttempt transient(std::optional<milliseconds> retry_after = std::nullopt) {
  return SendAttempt{.outcome = SendOutcome::transient, .retry_after = retry_after};
}

SendAttempt permanent() {
  return SendAttempt{.outcome = SendOutcome::permanent};
}

SendAttempt accepted() {
  return SendAttempt{.outcome = SendOutcome::accepted, .message_id = "m"};
}

const DeliveryPolicy policy{.attempt_timeout = 1000ms,
                            .deadline = 5000ms,
                            .retries = 2,
                            .backoff = 100ms,
                            .max_backoff = 300ms};

}  // namespace

TEST_CASE("an accepted attempt ends the delivery", "[delivery]") {
  CHECK(decide_after_attempt(policy, accepted(), 1, 0ms, 0.5).step == NextStep::done);
}

TEST_CASE("a permanent error fails over at once, without retrying", "[delivery]") {
  const Decision d = decide_after_attempt(policy, permanent(), 1, 0ms, 0.5);
  CHECK(d.step == NextStep::next_gateway);
  CHECK(d.delay == 0ms);
}

TEST_CASE("transient errors are retried `retries` times, then the next gateway", "[delivery]") {
  CHECK(decide_after_attempt(policy, transient(), 1, 0ms, 0.5).step == NextStep::retry);
  CHECK(decide_after_attempt(policy, transient(), 2, 0ms, 0.5).step == NextStep::retry);
  CHECK(decide_after_attempt(policy, transient(), 3, 0ms, 0.5).step == NextStep::next_gateway);
  DeliveryPolicy no_retries = policy;
  no_retries.retries = 0;
  CHECK(decide_after_attempt(no_retries, transient(), 1, 0ms, 0.5).step == NextStep::next_gateway);
}

TEST_CASE("backoff doubles per retry, is capped and fully jittered", "[delivery]") {
  // jitter 0.999...: the cap itself (minus rounding); jitter 0: no wait.
  CHECK(decide_after_attempt(policy, transient(), 1, 0ms, 0.999).delay == 99ms);
  CHECK(decide_after_attempt(policy, transient(), 2, 0ms, 0.999).delay == 199ms);
  DeliveryPolicy many = policy;
  many.retries = 10;
  CHECK(decide_after_attempt(many, transient(), 5, 0ms, 0.999).delay == 299ms);  // capped at 300
  CHECK(decide_after_attempt(policy, transient(), 2, 0ms, 0.0).delay == 0ms);
  CHECK(decide_after_attempt(policy, transient(), 2, 0ms, 0.5).delay == 100ms);
}

TEST_CASE("Retry-After wins over a shorter backoff", "[delivery]") {
  const Decision d = decide_after_attempt(policy, transient(2000ms), 1, 0ms, 0.5);
  CHECK(d.step == NextStep::retry);
  CHECK(d.delay == 2000ms);
}

TEST_CASE("a wait that would cross the deadline fails over instead", "[delivery]") {
  // 2 s Retry-After at 3.5 s elapsed ends at 5.5 s > 5 s deadline.
  CHECK(decide_after_attempt(policy, transient(2000ms), 1, 3500ms, 0.5).step ==
        NextStep::next_gateway);
  CHECK(decide_after_attempt(policy, transient(2000ms), 1, 2900ms, 0.5).step == NextStep::retry);
}

TEST_CASE("the attempt timeout is cut to what is left of the deadline", "[delivery]") {
  CHECK(attempt_budget(policy, 0ms) == 1000ms);
  CHECK(attempt_budget(policy, 4500ms) == 500ms);
  CHECK(attempt_budget(policy, 5000ms) == 0ms);
  CHECK(attempt_budget(policy, 7000ms) == 0ms);
}

TEST_CASE("the circuit opens after consecutive transient failures", "[delivery][circuit]") {
  CircuitBreaker cb(CircuitPolicy{.failures = 3, .open_for = 30s});
  for (int i = 0; i < 2; ++i) {
    REQUIRE(cb.try_acquire(0) == Permit::granted);
    cb.on_result(SendOutcome::transient, 0);
  }
  CHECK(cb.state(0) == CircuitBreaker::State::closed);
  REQUIRE(cb.try_acquire(0) == Permit::granted);
  cb.on_result(SendOutcome::transient, 1000);
  CHECK(cb.state(1000) == CircuitBreaker::State::open);
  CHECK(cb.try_acquire(1000) == Permit::denied);
  CHECK(cb.try_acquire(30'999) == Permit::denied);
}

TEST_CASE("a success or a permanent error resets the failure count", "[delivery][circuit]") {
  CircuitBreaker cb(CircuitPolicy{.failures = 2, .open_for = 30s});
  cb.on_result(SendOutcome::transient, 0);
  cb.on_result(SendOutcome::accepted, 0);
  cb.on_result(SendOutcome::transient, 0);
  CHECK(cb.state(0) == CircuitBreaker::State::closed);
  cb.on_result(SendOutcome::permanent, 0);
  cb.on_result(SendOutcome::transient, 0);
  CHECK(cb.state(0) == CircuitBreaker::State::closed);
  cb.on_result(SendOutcome::transient, 0);
  CHECK(cb.state(0) == CircuitBreaker::State::open);
}

TEST_CASE("after open_for one probe goes through, its result decides", "[delivery][circuit]") {
  CircuitBreaker cb(CircuitPolicy{.failures = 1, .open_for = 10s});
  cb.on_result(SendOutcome::transient, 0);
  REQUIRE(cb.state(10'000) == CircuitBreaker::State::half_open);
  CHECK(cb.try_acquire(10'000) == Permit::probe);
  CHECK(cb.try_acquire(10'001) == Permit::denied);  // only one probe at a time

  SECTION("a failed probe opens the circuit again, for a fresh period") {
    cb.on_result(SendOutcome::transient, 12'000, Permit::probe);
    CHECK(cb.state(12'000) == CircuitBreaker::State::open);
    CHECK(cb.try_acquire(21'999) == Permit::denied);
    CHECK(cb.try_acquire(22'000) == Permit::probe);
  }
  SECTION("a successful probe closes it") {
    cb.on_result(SendOutcome::accepted, 12'000, Permit::probe);
    CHECK(cb.state(12'000) == CircuitBreaker::State::closed);
    CHECK(cb.try_acquire(12'000) == Permit::granted);
    CHECK(cb.try_acquire(12'000) == Permit::granted);
  }
  SECTION("a slow send granted before the circuit opened does not decide the probe") {
    cb.on_result(SendOutcome::accepted, 11'000, Permit::granted);
    CHECK(cb.state(11'000) == CircuitBreaker::State::half_open);
    CHECK(cb.try_acquire(11'000) == Permit::denied);  // the real probe is still out
    cb.on_result(SendOutcome::transient, 12'000, Permit::probe);
    CHECK(cb.state(12'000) == CircuitBreaker::State::open);
  }
}
