// The unlock's Idempotency-Key on a real redis-server (lua/subscriber_state.lua with
// lua/_retry.lua): the call that unlocks judges the key as judge_retry (core/idempotency.hpp)
// does and records its answer in the phone's slot for admin_retry_ttl_ms; a replay answers that
// answer and changes nothing, a conflict changes nothing.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/code.hpp"
#include "otpgate/core/idempotency.hpp"
#include "otpgate/store/redis/redis_store.hpp"
#include "otpgate/store/redis/subscriber_store.hpp"

#include "support/fakes/keyring.hpp"
#include "support/store_fixture.hpp"
#include "support/unique_names.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::test::store;

namespace {

struct SubscriberFixture : StoreFixture {
  test::FakeKeyring keys = test::keyring();
  RedisSubscriberStore subscribers{conn, keys};
  std::string brand = otpgate::test::unique_brand_now("unlockretry");
  PhoneNumber phone = *PhoneNumber::parse_e164("+4915112345678");
  std::string tag = phone_tag(keys, brand, phone.e164());

  // A phone locked for 10 minutes at its first level.
  void lock() {
    command({"SET", RedisKeys::lock(tag), "1", "PX", "600000"});
    command({"SET", RedisKeys::lock_level(tag), "1"});
  }
  std::int64_t integer(std::vector<std::string> cmd) {
    auto reply = run(conn.command(std::move(cmd)));
    REQUIRE(reply);
    return reply.value().integer;
  }
  void command(std::vector<std::string> cmd) {
    auto reply = run(conn.command(std::move(cmd)));
    REQUIRE(reply);
    REQUIRE_FALSE(reply.value().is_error());
  }
  result<SubscriberState> unlock(const RetryEntry& retry) {
    return run(subscribers.unlock(brand, phone, t0, retry));
  }
};

}  // namespace

TEST_CASE("subscriber_state.lua judges an unlock's Idempotency-Key as judge_retry does",
          "[integration][store][retry]") {
  SubscriberFixture f;
  const RetryEntry first{.key = "u1", .fingerprint = "unlock-a"};
  const RetryEntry other{.key = "u1", .fingerprint = "unlock-b"};
  f.lock();
  // perform: the phone was locked, is not now; recorded.
  CHECK(judge_retry(std::nullopt, first.fingerprint) == RetryVerdict::perform);
  auto done = f.unlock(first);
  REQUIRE(done);
  CHECK(done.value().was_locked);
  CHECK(done.value().locked_for_ms == 0);
  CHECK(done.value().lock_level == 1);
  CHECK_FALSE(done.value().replayed);
  CHECK(f.integer({"EXISTS", RedisKeys::lock(f.tag)}) == 0);
  // The phone is locked again by other means: a replay changes nothing and answers the first
  // unlock (it freed a locked phone).
  f.lock();
  CHECK(judge_retry(first.fingerprint, first.fingerprint) == RetryVerdict::replay);
  auto replay = f.unlock(first);
  REQUIRE(replay);
  CHECK(replay.value().replayed);
  CHECK(replay.value().was_locked);
  CHECK(replay.value().locked_for_ms == 0);
  CHECK(f.integer({"EXISTS", RedisKeys::lock(f.tag)}) == 1);
  // conflict: another request under the key; nothing changed.
  CHECK(judge_retry(first.fingerprint, other.fingerprint) == RetryVerdict::conflict);
  auto conflict = f.unlock(other);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error() == make_error_code(errc::idempotency_conflict));
  CHECK(f.integer({"EXISTS", RedisKeys::lock(f.tag)}) == 1);
  // The entry lives admin_retry_ttl_ms in the phone's slot.
  const std::int64_t ttl = f.integer({"PTTL", RedisKeys::idempotency(f.tag, first.key)});
  CHECK(ttl > admin_retry_ttl_ms - 60'000);
  CHECK(ttl <= admin_retry_ttl_ms);
}

TEST_CASE("subscriber_state.lua records an unlock of a phone that was not locked as such",
          "[integration][store][retry]") {
  SubscriberFixture f;
  const RetryEntry entry{.key = "u2", .fingerprint = "unlock"};
  auto done = f.unlock(entry);
  REQUIRE(done);
  CHECK_FALSE(done.value().was_locked);
  // A lock after it does not make the replay report a freed phone.
  f.lock();
  auto replay = f.unlock(entry);
  REQUIRE(replay);
  CHECK(replay.value().replayed);
  CHECK_FALSE(replay.value().was_locked);
}

TEST_CASE("subscriber_state.lua without a key unlocks every time and records nothing",
          "[integration][store][retry]") {
  SubscriberFixture f;
  f.lock();
  auto one = f.unlock({});
  REQUIRE(one);
  CHECK(one.value().was_locked);
  f.lock();
  auto two = f.unlock({});
  REQUIRE(two);
  CHECK(two.value().was_locked);
  CHECK_FALSE(two.value().replayed);
  CHECK(f.integer({"EXISTS", RedisKeys::lock(f.tag)}) == 0);
}
