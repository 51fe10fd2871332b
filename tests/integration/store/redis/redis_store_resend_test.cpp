// The resend script's phone rate limits against a real redis-server: it takes the phone's token
// exactly as the core's gcra_admit does, only for a resend the core's apply_resend admits (so of
// parallel resends only the winner is counted), and undo_resend gives the claim back.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/rate_limit.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/store_fixture.hpp"

#include <catch2/catch.hpp>

#include <optional>

namespace {

using namespace otpgate;
using namespace otpgate::test::store;

// Four sends, one second apart at the earliest.
NewVerification resendable(const std::string& tag) {
  auto v = make_verification(tag);
  v.record.max_sends = 4;
  v.record.resend_cooldown_ms = 1'000;
  return v;
}

// The stored record of id (it must exist).
VerificationRecord stored(StoreFixture& f, const VerificationId& id) {
  auto got = f.run(f.store.get(id));
  REQUIRE(got);
  REQUIRE(got.value());
  return *got.value();
}

// A new resendable verification, created at t0.
VerificationId created(StoreFixture& f, NewVerification v) {
  auto out = f.run(f.store.create(v, t0));
  REQUIRE(out);
  return id_of(v);
}

}  // namespace

TEST_CASE("the resend script takes the phone's token as gcra_admit does, step by step",
          "[integration][store][resend]") {
  // Two resends per 10 s for the phone: the third in a row waits for the first token to return.
  const std::vector<Rate> rates = {Rate{.count = 2, .period_ms = 10'000}};
  StoreFixture f;
  auto v = resendable(fresh_tag());
  const VerificationId id = id_of(v);
  auto made = f.run(f.store.create(v, t0));
  REQUIRE(made);
  VerificationRecord model = v.record;
  std::optional<std::int64_t> tat;  // the model's rate key
  int limited = 0;
  for (const std::int64_t at : {500, 1'000, 2'000, 3'000, 8'000, 9'000}) {
    INFO("resend at +" << at);
    const std::int64_t now = t0 + at;
    VerificationRecord attempt = model;
    std::int64_t retry = 0;
    ResendResult expected = apply_resend(attempt, now, retry);
    std::optional<GcraDecision> rule;
    if (expected == ResendResult::sent) {
      rule = gcra_admit(tat, now, rates[0]);
      if (rule->allowed) {
        model = attempt;
        tat = rule->new_tat_ms;
      }
    }
    auto got = f.run(f.store.resend(id, nordwind, rates, now));
    REQUIRE(got);
    CHECK(got.value().result == expected);
    CHECK(got.value().limited == (rule && !rule->allowed));
    CHECK(got.value().record.sends == model.sends);
    CHECK(got.value().record.last_send_ms == model.last_send_ms);
    if (rule && !rule->allowed) {
      ++limited;
      CHECK(got.value().retry_after_ms == rule->retry_after_ms);
    }
    if (got.value().result == ResendResult::sent && !got.value().limited)
      CHECK(got.value().previous_send_ms <= model.last_send_ms);
  }
  CHECK(limited >= 1);      // the scenario does meet the limit
  CHECK(model.sends == 4);  // and reaches max_sends after it
}

TEST_CASE("a resend the rule refuses takes no phone token", "[integration][store][resend]") {
  const std::vector<Rate> rates = {Rate{.count = 1, .period_ms = 60'000}};
  StoreFixture f;
  const VerificationId id = created(f, resendable(fresh_tag()));
  // Too soon (inside the cooldown), many times: the one token stays.
  for (int i = 0; i < 5; ++i) {
    auto early = f.run(f.store.resend(id, nordwind, rates, t0 + 100 + i));
    REQUIRE(early);
    CHECK(early.value().result == ResendResult::too_soon);
    CHECK_FALSE(early.value().limited);
  }
  auto first = f.run(f.store.resend(id, nordwind, rates, t0 + 1'000));
  REQUIRE(first);
  CHECK(first.value().result == ResendResult::sent);
  CHECK_FALSE(first.value().limited);
  CHECK(first.value().record.sends == 2);
  // The next one the rule admits meets the spent token.
  auto second = f.run(f.store.resend(id, nordwind, rates, t0 + 2'000));
  REQUIRE(second);
  CHECK(second.value().limited);
  CHECK(second.value().record.sends == 2);
  CHECK(second.value().retry_after_ms == 59'000);
}

TEST_CASE("undo_resend puts the claim and the phone's token back", "[integration][store][resend]") {
  const std::vector<Rate> rates = {Rate{.count = 1, .period_ms = 60'000}};
  StoreFixture f;
  const VerificationId id = created(f, resendable(fresh_tag()));
  auto claimed = f.run(f.store.resend(id, nordwind, rates, t0 + 1'000));
  REQUIRE(claimed);
  REQUIRE(claimed.value().result == ResendResult::sent);
  CHECK(claimed.value().previous_send_ms == t0);
  auto undone = f.run(f.store.undo_resend(id, claimed.value(), rates));
  REQUIRE(undone);
  const VerificationRecord after = stored(f, id);
  CHECK(after.sends == 1);
  CHECK(after.last_send_ms == t0);
  // The token is back: the same resend is admitted again, and counted once.
  auto again = f.run(f.store.resend(id, nordwind, rates, t0 + 1'500));
  REQUIRE(again);
  CHECK(again.value().result == ResendResult::sent);
  CHECK_FALSE(again.value().limited);
  CHECK(again.value().record.sends == 2);
  CHECK(again.value().record.last_send_ms == t0 + 1'500);
}

TEST_CASE("undo_resend takes back one send per refused claim, in any order",
          "[integration][store][resend]") {
  // Parallel resends without a cooldown: two claims, then both refused, the older first.
  StoreFixture f;
  auto v = resendable(fresh_tag());
  v.record.resend_cooldown_ms = 0;
  const VerificationId id = created(f, v);
  auto first = f.run(f.store.resend(id, nordwind, no_rates, t0 + 1'000));
  auto second = f.run(f.store.resend(id, nordwind, no_rates, t0 + 1'001));
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(second.value().record.sends == 3);
  auto undo_first = f.run(f.store.undo_resend(id, first.value(), no_rates));
  REQUIRE(undo_first);
  const VerificationRecord between = stored(f, id);
  CHECK(between.sends == 2);
  CHECK(between.last_send_ms == t0 + 1'001);  // a later claim's time stays
  auto undo_second = f.run(f.store.undo_resend(id, second.value(), no_rates));
  REQUIRE(undo_second);
  const VerificationRecord after = stored(f, id);
  CHECK(after.sends == 1);
}
