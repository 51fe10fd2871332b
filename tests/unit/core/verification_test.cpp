// The verification rules (core/verification.hpp) stepped by hand with a fake clock: expiry at
// the boundary, attempts, resend cooldown and send limit, cancel.
#include "otpgate/core/verification.hpp"
#include "support/fakes/clock.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using otpgate::test::FakeClock;

namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::int64_t ttl = 300'000;
constexpr std::int64_t cooldown = 30'000;

// A verification just created (and sent once) at t0: 3 attempts, 3 sends, 30 s cooldown.
VerificationRecord fresh() {
  VerificationRecord r;
  r.id = *VerificationId::parse("vf_abcdefghijklmnopqrstuvwxyz234567abcd");
  r.status = Status::pending;
  r.created_ms = t0;
  r.expires_ms = t0 + ttl;
  r.max_attempts = 3;
  r.sends = 1;
  r.max_sends = 3;
  r.resend_cooldown_ms = cooldown;
  r.last_send_ms = t0;
  return r;
}

}  // namespace

TEST_CASE("a check one millisecond before expiry is evaluated, and at expiry it expires",
          "[unit][rules]") {
  FakeClock clock(t0);
  VerificationRecord r = fresh();

  clock.set(r.expires_ms - 1);
  CHECK(apply_check(r, false, clock.now_ms()) == CheckResult::wrong);
  CHECK(r.status == Status::pending);
  CHECK(r.attempts_used == 1);
  CHECK(r.finished_ms == 0);

  clock.set(r.expires_ms);
  CHECK(apply_check(r, true, clock.now_ms()) == CheckResult::expired);
  CHECK(r.status == Status::expired);
  CHECK(r.finished_ms == r.expires_ms);
  CHECK(r.attempts_used == 1);  // an expired check consumes nothing

  clock.advance(1);
  CHECK(apply_check(r, true, clock.now_ms()) == CheckResult::not_pending);
  CHECK(r.finished_ms == r.expires_ms);  // the first transition's time is kept
}

TEST_CASE("a right code just before expiry approves", "[unit][rules]") {
  VerificationRecord r = fresh();
  CHECK(apply_check(r, true, r.expires_ms - 1) == CheckResult::approved);
  CHECK(r.status == Status::approved);
  CHECK(r.finished_ms == r.expires_ms - 1);
}

TEST_CASE("the attempt that exhausts max_attempts fails the verification", "[unit][rules]") {
  FakeClock clock(t0);
  VerificationRecord r = fresh();
  clock.advance(1'000);
  CHECK(apply_check(r, false, clock.now_ms()) == CheckResult::wrong);
  CHECK(attempts_left(r) == 2);
  CHECK(apply_check(r, false, clock.now_ms()) == CheckResult::wrong);
  CHECK(attempts_left(r) == 1);
  clock.advance(1'000);
  CHECK(apply_check(r, false, clock.now_ms()) == CheckResult::failed);
  CHECK(r.status == Status::failed);
  CHECK(r.finished_ms == t0 + 2'000);
  CHECK(attempts_left(r) == 0);
  // Once failed, even the right code is refused and nothing more is counted.
  CHECK(apply_check(r, true, clock.now_ms()) == CheckResult::not_pending);
  CHECK(r.status == Status::failed);
  CHECK(r.attempts_used == 3);
}

TEST_CASE("a right code after wrong ones approves and consumes an attempt", "[unit][rules]") {
  VerificationRecord r = fresh();
  CHECK(apply_check(r, false, t0 + 1) == CheckResult::wrong);
  CHECK(apply_check(r, false, t0 + 2) == CheckResult::wrong);
  CHECK(apply_check(r, true, t0 + 3) == CheckResult::approved);
  CHECK(r.status == Status::approved);
  CHECK(r.attempts_used == 3);
  CHECK(r.finished_ms == t0 + 3);

  SECTION("approved is final for check, resend and cancel") {
    std::int64_t retry = -1;
    CHECK(apply_check(r, true, t0 + 4) == CheckResult::not_pending);
    CHECK(apply_check(r, false, t0 + 4) == CheckResult::not_pending);
    CHECK(apply_resend(r, t0 + cooldown, retry) == ResendResult::not_pending);
    CHECK(apply_cancel(r, t0 + 5) == CancelResult::not_pending);
    CHECK(r.status == Status::approved);
    CHECK(r.attempts_used == 3);
    CHECK(r.sends == 1);
    CHECK(r.finished_ms == t0 + 3);
  }
}

TEST_CASE("resend waits for the cooldown and reports the exact wait", "[unit][rules]") {
  FakeClock clock(t0);
  VerificationRecord r = fresh();
  r.attempts_used = 1;
  std::int64_t retry = -1;

  clock.advance(10'000);
  CHECK(apply_resend(r, clock.now_ms(), retry) == ResendResult::too_soon);
  CHECK(retry == 20'000);
  CHECK(r.sends == 1);

  clock.set(t0 + cooldown - 1);
  CHECK(apply_resend(r, clock.now_ms(), retry) == ResendResult::too_soon);
  CHECK(retry == 1);

  clock.set(t0 + cooldown);
  CHECK(resend_available_ms(r) == clock.now_ms());
  CHECK(apply_resend(r, clock.now_ms(), retry) == ResendResult::sent);
  CHECK(r.sends == 2);
  CHECK(r.last_send_ms == t0 + cooldown);
  CHECK(resend_available_ms(r) == t0 + 2 * cooldown);
  CHECK(r.attempts_used == 1);  // resend never touches attempts
  CHECK(r.status == Status::pending);

  clock.advance(cooldown - 1);
  CHECK(apply_resend(r, clock.now_ms(), retry) == ResendResult::too_soon);
  CHECK(retry == 1);
}

TEST_CASE("the first send counts: max_sends 3 allows two resends", "[unit][rules]") {
  VerificationRecord r = fresh();
  std::int64_t retry = -1;
  CHECK(sends_left(r) == 2);
  CHECK(apply_resend(r, t0 + cooldown, retry) == ResendResult::sent);
  CHECK(apply_resend(r, t0 + 2 * cooldown, retry) == ResendResult::sent);
  CHECK(sends_left(r) == 0);
  CHECK(apply_resend(r, t0 + 3 * cooldown, retry) == ResendResult::limit_reached);
  CHECK(r.sends == 3);
  CHECK(r.last_send_ms == t0 + 2 * cooldown);
  CHECK(r.status == Status::pending);  // the code can still be checked
  CHECK(r.attempts_used == 0);
  CHECK(apply_check(r, true, t0 + 3 * cooldown) == CheckResult::approved);
}

TEST_CASE("resend and cancel at expiry expire the verification", "[unit][rules]") {
  std::int64_t retry = -1;
  VerificationRecord r = fresh();
  CHECK(apply_resend(r, r.expires_ms, retry) == ResendResult::expired);
  CHECK(r.status == Status::expired);
  CHECK(r.finished_ms == r.expires_ms);
  CHECK(r.sends == 1);

  VerificationRecord c = fresh();
  CHECK(apply_cancel(c, c.expires_ms + 5) == CancelResult::expired);
  CHECK(c.status == Status::expired);
  CHECK(c.finished_ms == c.expires_ms + 5);
}

TEST_CASE("cancel ends a pending verification once", "[unit][rules]") {
  VerificationRecord r = fresh();
  std::int64_t retry = -1;
  CHECK(apply_cancel(r, t0 + 42) == CancelResult::cancelled);
  CHECK(r.status == Status::cancelled);
  CHECK(r.finished_ms == t0 + 42);
  CHECK(apply_cancel(r, t0 + 43) == CancelResult::not_pending);
  CHECK(apply_check(r, true, t0 + 44) == CheckResult::not_pending);
  CHECK(apply_resend(r, t0 + cooldown, retry) == ResendResult::not_pending);
  CHECK(r.finished_ms == t0 + 42);
  CHECK(r.attempts_used == 0);
}

TEST_CASE("effective_status shows expiry without changing the record", "[unit][rules]") {
  VerificationRecord r = fresh();
  CHECK(effective_status(r, r.expires_ms - 1) == Status::pending);
  CHECK(effective_status(r, r.expires_ms) == Status::expired);
  CHECK(r.status == Status::pending);
  CHECK(r.finished_ms == 0);

  r.status = Status::approved;
  CHECK(effective_status(r, r.expires_ms + 1) == Status::approved);
  r.status = Status::send_failed;
  CHECK(effective_status(r, r.expires_ms + 1) == Status::send_failed);
}

TEST_CASE("attempts_left and sends_left are never negative", "[unit][rules]") {
  VerificationRecord r = fresh();
  r.attempts_used = 7;
  r.sends = 9;
  CHECK(attempts_left(r) == 0);
  CHECK(sends_left(r) == 0);
  r.attempts_used = 1;
  r.sends = 2;
  CHECK(attempts_left(r) == 2);
  CHECK(sends_left(r) == 1);
}

TEST_CASE("status names round-trip", "[unit][rules]") {
  const Status s = GENERATE(Status::pending, Status::approved, Status::failed, Status::expired,
                            Status::cancelled, Status::send_failed);
  const auto back = status_from_string(to_string(s));
  REQUIRE(back.has_value());
  CHECK(*back == s);
  CHECK(to_string(Status::send_failed) == "send_failed");
  CHECK_FALSE(status_from_string("Pending").has_value());
  CHECK_FALSE(status_from_string("").has_value());
}

TEST_CASE("a check compares the bound MAC only for an order-bound verification", "[unit][rules]") {
  const std::string unbound = "mac-without-order";
  const std::string bound = "mac-with-order";
  VerificationRecord r = fresh();
  CHECK(presented_mac(r, unbound, bound) == unbound);
  r.order_bound = 1;
  CHECK(presented_mac(r, unbound, bound) == bound);
}

TEST_CASE("a resend too close to expiry is too late, and the SMS states the minutes left",
          "[unit][rules]") {
  VerificationRecord r = fresh();  // sent at t0, expires at t0 + ttl
  REQUIRE(ttl > 2 * min_resend_validity_ms);
  CHECK(minutes_valid_after_send(r) == (ttl + 59'999) / 60'000);
  std::int64_t retry = -1;
  const std::int64_t last_chance = r.expires_ms - min_resend_validity_ms;
  REQUIRE(next_resend_ms(r, last_chance).has_value());
  VerificationRecord late = r;
  CHECK(apply_resend(late, last_chance + 1, retry) == ResendResult::too_late);
  CHECK(late.sends == r.sends);
  CHECK_FALSE(next_resend_ms(r, last_chance + 1).has_value());
  CHECK(apply_resend(r, last_chance, retry) == ResendResult::sent);
  CHECK(minutes_valid_after_send(r) == 1);  // 30 s left: one minute, rounded up
  // A cooldown that ends too late makes the resend too late now, not too soon.
  VerificationRecord slow = fresh();
  slow.resend_cooldown_ms = slow.expires_ms - t0;
  CHECK(apply_resend(slow, t0 + 1, retry) == ResendResult::too_late);
  CHECK_FALSE(next_resend_ms(slow, t0).has_value());
}
