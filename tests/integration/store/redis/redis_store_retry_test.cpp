// The scripts' Idempotency-Key path on a real redis-server (lua/_retry.lua in check.lua,
// resend.lua, cancel.lua; settle_resend.lua; a resend's claim: redis_store_send_claim_test.cpp):
// each call judges the key as judge_retry (core/idempotency.hpp) does, step by step, and a replay
// or a conflict changes nothing.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/idempotency.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/store_fixture.hpp"

#include <catch2/catch.hpp>

#include <optional>

using namespace otpgate;
using namespace otpgate::test::store;

namespace {

std::int64_t integer(StoreFixture& f, std::vector<std::string> cmd) {
  auto reply = f.run(f.conn.command(std::move(cmd)));
  REQUIRE(reply);
  return reply.value().integer;
}

// The fingerprint an entry holds, as judge_retry takes it.
std::optional<std::string> recorded(StoreFixture& f, const std::string& tag, const RetryEntry& e) {
  std::vector<std::string> cmd = {"HGET", RedisKeys::idempotency(tag, e.key), "fp"};
  auto reply = f.run(f.conn.command(std::move(cmd)));
  REQUIRE(reply);
  if (reply.value().type != redis::Reply::kind::string) return std::nullopt;
  return reply.value().str;
}

int attempts_used(StoreFixture& f, const VerificationId& id) {
  auto got = f.run(f.store.get(id));
  REQUIRE(got);
  REQUIRE(got.value());
  return got.value()->attempts_used;
}

}  // namespace

TEST_CASE("check.lua judges an Idempotency-Key as judge_retry does", "[integration][store]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  auto v = make_verification(tag);
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  const RetryEntry first{.key = "k1", .fingerprint = "wrong-code"};
  const RetryEntry other{.key = "k1", .fingerprint = "right-code"};
  struct Step {
    RetryEntry entry;
    const std::string& mac;
    RetryVerdict verdict;
  };
  const Step steps[] = {{first, wrong_mac, RetryVerdict::perform},
                        {first, wrong_mac, RetryVerdict::replay},
                        {other, right_mac, RetryVerdict::conflict},
                        {first, wrong_mac, RetryVerdict::replay}};
  for (const Step& step : steps) {
    const auto before = recorded(f, tag, step.entry);
    CHECK(judge_retry(before, step.entry.fingerprint) == step.verdict);
    auto got = f.run(f.store.check(id, nordwind, step.mac, no_order_mac, t0 + 1, step.entry));
    if (step.verdict == RetryVerdict::conflict) {
      REQUIRE(got.has_error());
      CHECK(got.error() == errc::idempotency_conflict);
    } else {
      REQUIRE(got);
      CHECK(got.value().result == CheckResult::wrong);
      CHECK(got.value().replayed == (step.verdict == RetryVerdict::replay));
      CHECK(got.value().record.attempts_used == 1);
    }
    CHECK(attempts_used(f, id) == 1);
  }
  // The entry lives as long as the record, no longer. The record's TTL is read first: read
  // after the entry's, it would have run down by the time between the two reads (CI saw
  // 359999 <= 359998).
  const std::int64_t record_ttl = integer(f, {"PTTL", RedisKeys::record(id)});
  const std::int64_t entry_ttl = integer(f, {"PTTL", RedisKeys::idempotency(tag, first.key)});
  CHECK(entry_ttl > 0);
  CHECK(entry_ttl <= record_ttl);
}

TEST_CASE("a replayed approval answers approved before the phone's lock and only to its brand",
          "[integration][store]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  auto v = make_verification(tag);
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  const RetryEntry key{.key = "k2", .fingerprint = "right"};
  auto approved = f.run(f.store.check(id, nordwind, right_mac, no_order_mac, t0 + 1, key));
  REQUIRE(approved);
  REQUIRE(approved.value().result == CheckResult::approved);
  // Lock the phone meanwhile: a replay still answers what was done.
  integer(f, {"SET", RedisKeys::lock(tag), "1", "PX", "60000"});
  auto replay = f.run(f.store.check(id, nordwind, right_mac, no_order_mac, t0 + 2, key));
  REQUIRE(replay);
  CHECK_FALSE(replay.value().blocked);
  CHECK(replay.value().replayed);
  CHECK(replay.value().result == CheckResult::approved);
  CHECK(replay.value().record.status == Status::approved);
  auto theirs = f.run(f.store.check(id, skylink, right_mac, no_order_mac, t0 + 2, key));
  REQUIRE(theirs.has_error());
  CHECK(theirs.error() == errc::not_found);
}

TEST_CASE("settle_resend forgets a claim taken back only for its holder", "[integration][store]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  auto v = make_verification(tag);
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  const RetryEntry key{.key = "k3", .fingerprint = "resend"};
  const SendHold hold{.holder = "h1", .claim_ms = 10'000};
  auto claimed = f.run(f.store.resend(id, nordwind, no_rates, t0 + 30'000, key, hold));
  REQUIRE(claimed);
  REQUIRE(claimed.value().result == ResendResult::sent);
  CHECK_FALSE(claimed.value().replayed);
  // Another request's fingerprint, or another holder, changes nothing.
  const RetryEntry stranger{.key = key.key, .fingerprint = "other"};
  auto refused = f.run(f.store.settle_resend(id, stranger, hold.holder));
  REQUIRE(refused);
  CHECK_FALSE(refused.value());
  auto not_holder = f.run(f.store.settle_resend(id, key, "h2"));
  REQUIRE(not_holder);
  CHECK_FALSE(not_holder.value());
  CHECK(integer(f, {"EXISTS", RedisKeys::idempotency(tag, key.key)}) == 1);
  // Taken back by its holder: the entry goes, so a retry is judged anew.
  auto undone = f.run(f.store.settle_resend(id, key, hold.holder));
  REQUIRE(undone);
  CHECK(undone.value());
  CHECK(integer(f, {"EXISTS", RedisKeys::idempotency(tag, key.key)}) == 0);
}

TEST_CASE("a too-soon resend is not recorded but a cancel is", "[integration][store]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  auto v = make_verification(tag);
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  const RetryEntry resend_key{.key = "k5", .fingerprint = "resend"};
  auto soon = f.run(f.store.resend(id, nordwind, no_rates, t0 + 1'000, resend_key));
  REQUIRE(soon);
  CHECK(soon.value().result == ResendResult::too_soon);
  CHECK(integer(f, {"EXISTS", RedisKeys::idempotency(tag, resend_key.key)}) == 0);
  const RetryEntry cancel_key{.key = "k6", .fingerprint = "cancel"};
  auto cancelled = f.run(f.store.cancel(id, nordwind, t0 + 2'000, cancel_key));
  REQUIRE(cancelled);
  CHECK(cancelled.value().result == CancelResult::cancelled);
  auto replay = f.run(f.store.cancel(id, nordwind, t0 + 3'000, cancel_key));
  REQUIRE(replay);
  CHECK(replay.value().replayed);
  CHECK(replay.value().result == CancelResult::cancelled);
  CHECK(replay.value().record.finished_ms == t0 + 2'000);
  // Without the key the retry hears not_pending: the change it made, seen as another's.
  auto bare = f.run(f.store.cancel(id, nordwind, t0 + 3'000));
  REQUIRE(bare);
  CHECK(bare.value().result == CancelResult::not_pending);
}
