// Send claims on a real redis-server: a resend claimed under its Idempotency-Key (resend.lua,
// delivery.lua, release_send.lua) and the release of a create's claim (release_send.lua),
// compared step by step with the core's rules (take_over_resend in core/verification.hpp,
// release_first_send and claim_first_send in core/first_send.hpp).
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/first_send.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/store_fixture.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::test::store;

namespace {

constexpr std::int64_t claim = 10'000;

const RetryEntry key{.key = "resend-key", .fingerprint = "resend"};

SendHold held_by(const std::string& holder) {
  return SendHold{.holder = holder, .claim_ms = claim};
}

DeliveryUpdate settled_by(const std::string& holder, bool accepted) {
  return DeliveryUpdate{.gateway = "file",
                        .message_id = accepted ? "m2" : "",
                        .accepted = accepted,
                        .idempotency_key = key.key,
                        .resend_claim = holder};
}

NewVerification keyed_create(const std::string& tag) {
  auto v = make_verification(tag);
  v.idempotency_key = "create-key";
  v.request_fingerprint = "fp";
  v.in_flight_ms = claim;
  return v;
}

// A second request with the same key and body: its own draft id, the holder of what it claims.
NewVerification retry_of(const NewVerification& first) {
  auto again = keyed_create(first.tag);
  CHECK(again.record.id.str() != first.record.id.str());
  return again;
}

}  // namespace

TEST_CASE("a resend claim waits while it runs and is taken over once it ran out",
          "[integration][store][send-claim]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  auto v = make_verification(tag);
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  const std::int64_t at = t0 + 30'000;
  auto first = f.run(f.store.resend(id, nordwind, no_rates, at, key, held_by("h1")));
  REQUIRE(first);
  REQUIRE(first.value().result == ResendResult::sent);
  CHECK(first.value().record.sends == 2);
  // Its request has not settled it: a retry waits for the claim's end.
  auto waiting = f.run(f.store.resend(id, nordwind, no_rates, at + claim - 1, key, held_by("h2")));
  REQUIRE(waiting);
  CHECK(waiting.value().in_flight);
  CHECK(waiting.value().retry_after_ms == 1);
  // Afterwards the retry takes it over, as the core's rule says, counting nothing.
  VerificationRecord core = first.value().record;
  auto taken = f.run(f.store.resend(id, nordwind, no_rates, at + claim, key, held_by("h2")));
  REQUIRE(taken);
  CHECK(taken.value().taken_over);
  CHECK(taken.value().result == take_over_resend(core, at + claim));
  CHECK(taken.value().record.sends == 2);
  // The first holder's late delivery no longer settles it; the new holder's does.
  auto late = f.run(f.store.record_delivery(id, nordwind, settled_by("h1", true), at + claim));
  REQUIRE(late);
  auto still = f.run(f.store.resend(id, nordwind, no_rates, at + claim + 1, key, held_by("h3")));
  REQUIRE(still);
  CHECK(still.value().in_flight);
  auto sent = f.run(f.store.record_delivery(id, nordwind, settled_by("h2", true), at + claim));
  REQUIRE(sent);
  auto replay = f.run(f.store.resend(id, nordwind, no_rates, at + 3 * claim, key, held_by("h4")));
  REQUIRE(replay);
  CHECK(replay.value().replayed);
  CHECK(replay.value().result == ResendResult::sent);
  CHECK_FALSE(replay.value().send_failed);
  CHECK_FALSE(replay.value().taken_over);
}

TEST_CASE("a resend claim released by its holder is taken over at once",
          "[integration][store][send-claim]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  auto v = make_verification(tag);
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  const std::int64_t at = t0 + 30'000;
  auto first = f.run(f.store.resend(id, nordwind, no_rates, at, key, held_by("h1")));
  REQUIRE(first);
  // Only the holder releases it.
  auto stranger = f.run(f.store.release_resend_claim(id, key, "h9", at + 5));
  REQUIRE(stranger);
  CHECK_FALSE(stranger.value());
  auto released = f.run(f.store.release_resend_claim(id, key, "h1", at + 5));
  REQUIRE(released);
  CHECK(released.value());
  auto again = f.run(f.store.release_resend_claim(id, key, "h1", at + 5));
  REQUIRE(again);
  CHECK_FALSE(again.value());  // already run out
  auto taken = f.run(f.store.resend(id, nordwind, no_rates, at + 5, key, held_by("h2")));
  REQUIRE(taken);
  CHECK(taken.value().taken_over);
  // Every gateway refused it: retries replay send_failed.
  auto failed = f.run(f.store.record_delivery(id, nordwind, settled_by("h2", false), at + 6));
  REQUIRE(failed);
  auto replay = f.run(f.store.resend(id, nordwind, no_rates, at + 7, key, held_by("h3")));
  REQUIRE(replay);
  CHECK(replay.value().replayed);
  CHECK(replay.value().send_failed);
}

TEST_CASE("a resend claim taken over too late or after the end answers as the core",
          "[integration][store][send-claim]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  auto v = make_verification(tag);
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  const std::int64_t at = t0 + 30'000;
  auto first = f.run(f.store.resend(id, nordwind, no_rates, at, key, held_by("h1")));
  REQUIRE(first);
  VerificationRecord core = first.value().record;
  // Less than 30 s of the code left: too late, recorded, and replayed as such.
  const std::int64_t now = core.expires_ms - min_resend_validity_ms + 1;
  auto late = f.run(f.store.resend(id, nordwind, no_rates, now, key, held_by("h2")));
  REQUIRE(late);
  CHECK(late.value().result == take_over_resend(core, now));
  CHECK(late.value().result == ResendResult::too_late);
  CHECK_FALSE(late.value().taken_over);
  auto replay = f.run(f.store.resend(id, nordwind, no_rates, now + 1, key, held_by("h3")));
  REQUIRE(replay);
  CHECK(replay.value().replayed);
  CHECK(replay.value().result == ResendResult::too_late);
  // A second claim (another key) that finds the verification ended: not_pending.
  const RetryEntry other{.key = "other-key", .fingerprint = "resend"};
  auto second = f.run(f.store.resend(id, nordwind, no_rates, at + 30'000, other, held_by("h4")));
  REQUIRE(second);
  REQUIRE(second.value().result == ResendResult::sent);
  VerificationRecord core2 = second.value().record;
  auto cancelled = f.run(f.store.cancel(id, nordwind, at + 30'001));
  REQUIRE(cancelled);
  apply_cancel(core2, at + 30'001);
  auto ended =
      f.run(f.store.resend(id, nordwind, no_rates, at + 30'000 + claim, other, held_by("h5")));
  REQUIRE(ended);
  CHECK(ended.value().result == take_over_resend(core2, at + 30'000 + claim));
  CHECK(ended.value().result == ResendResult::not_pending);
}

TEST_CASE("a create's claim released by its holder lets the retry claim at once",
          "[integration][store][send-claim]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  const auto first = keyed_create(tag);
  auto created = f.run(f.store.create(first, t0));
  REQUIRE(created);
  REQUIRE(created.value().what == CreateOutcome::kind::created);
  VerificationRecord core = first.record;
  std::int64_t due = t0 + claim;
  // A retry's request is not the holder: its release changes nothing.
  const auto second = retry_of(first);
  auto stranger = f.run(f.store.release_create_claim(second, t0 + 10));
  REQUIRE(stranger);
  CHECK_FALSE(stranger.value());
  auto waiting = f.run(f.store.create(second, t0 + 10));
  REQUIRE(waiting);
  CHECK(waiting.value().what == CreateOutcome::kind::in_flight);
  // The holder releases it, as the core's rule does.
  auto released = f.run(f.store.release_create_claim(first, t0 + 20));
  REQUIRE(released);
  CHECK(released.value() == release_first_send(core, due, t0 + 20));
  CHECK(due == t0 + 20);
  auto claimed = f.run(f.store.create(second, t0 + 21));
  REQUIRE(claimed);
  CHECK(claimed.value().what == CreateOutcome::kind::claimed);
  CHECK(claim_first_send(core, due, t0 + 21, claim) == FirstSendVerdict::claimed);
  // Now the retry holds it: the first request cannot release it any more, the retry can.
  auto old_holder = f.run(f.store.release_create_claim(first, t0 + 22));
  REQUIRE(old_holder);
  CHECK_FALSE(old_holder.value());
  auto new_holder = f.run(f.store.release_create_claim(second, t0 + 22));
  REQUIRE(new_holder);
  CHECK(new_holder.value());
  // Once its send is recorded there is nothing left to release.
  answered(f, first);
  const auto third = retry_of(first);
  auto replayed = f.run(f.store.create(third, t0 + 23));
  REQUIRE(replayed);
  CHECK(replayed.value().what == CreateOutcome::kind::replayed);
  auto after = f.run(f.store.release_create_claim(third, t0 + 24));
  REQUIRE(after);
  CHECK_FALSE(after.value());
}
