// The create script and its undo against a real redis-server: idempotent replays (once the
// first request is answered), requests still running or left unsent (claimed by the retry), the
// phone's limits taken only by a create that stores, and the phone's index of its newest
// verifications.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/store/redis/redis_store.hpp"

#include "support/store_fixture.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::test::store;

TEST_CASE("idempotent create replays the first verification or reports a conflict",
          "[integration][store]") {
  StoreFixture f;
  {
    const std::string tag = fresh_tag();
    auto first = make_verification(tag);
    const VerificationId first_id = id_of(first);
    first.idempotency_key = "key-1";
    first.request_fingerprint = "body-1";
    auto a = f.run(f.store.create(first, t0));
    REQUIRE(a);
    CHECK(a.value().what == CreateOutcome::kind::created);
    answered(f, first);
    auto again = make_verification(tag);  // a new id, same key and body
    const VerificationId again_id = id_of(again);
    again.idempotency_key = "key-1";
    again.request_fingerprint = "body-1";
    // A retry still gets its first answer after the phone was locked in between.
    const std::vector<std::string> lock = {"SET", RedisKeys::lock(tag), "1", "PX", "60000"};
    auto locked = f.run(f.conn.command(lock));
    REQUIRE(locked);
    auto b = f.run(f.store.create(again, t0 + 5));
    REQUIRE(b);
    CHECK(b.value().what == CreateOutcome::kind::replayed);
    CHECK(b.value().record.id == first.record.id);
    auto missing = f.run(f.store.get(again_id));
    CHECK(!missing.value());  // no second record
    auto other = make_verification(tag);
    const VerificationId other_id = id_of(other);
    other.idempotency_key = "key-1";
    other.request_fingerprint = "body-2";
    auto c = f.run(f.store.create(other, t0 + 5));
    REQUIRE(c);
    CHECK(c.value().what == CreateOutcome::kind::idempotency_conflict);
  }
}

TEST_CASE("a create takes the phone's limit tokens only when it creates, after replay and lock",
          "[integration][store][idempotency]") {
  StoreFixture f;
  {
    const std::string tag = fresh_tag();
    auto make = [&](const std::string& key) {
      auto v = make_verification(tag);
      v.phone_rates = {Rate{2, 600'000}};
      if (!key.empty()) {
        v.idempotency_key = key;
        v.request_fingerprint = "body-" + key;
      }
      return v;
    };
    const auto first = make("k1");
    auto a = f.run(f.store.create(first, t0));
    REQUIRE(a);
    CHECK(a.value().what == CreateOutcome::kind::created);
    // Until its first send is recorded, a retry hears that the first request still runs.
    auto running = f.run(f.store.create(make("k1"), t0 + 1));
    REQUIRE(running);
    CHECK(running.value().what == CreateOutcome::kind::in_flight);
    answered(f, first);
    // The replay answers in the same call, with the first record, and takes no token.
    auto b = f.run(f.store.create(make("k1"), t0 + 1));
    REQUIRE(b);
    CHECK(b.value().what == CreateOutcome::kind::replayed);
    CHECK(b.value().record.id == first.record.id);
    CHECK(b.value().record.phone == first.record.phone);
    const auto second = make("");
    auto c = f.run(f.store.create(second, t0 + 2));
    REQUIRE(c);
    CHECK(c.value().what == CreateOutcome::kind::created);
    const auto third = make("");
    auto d = f.run(f.store.create(third, t0 + 3));
    REQUIRE(d);
    CHECK(d.value().what == CreateOutcome::kind::limited);
    CHECK(d.value().retry_after_ms > 0);
    auto none = f.run(f.store.get(id_of(third)));
    CHECK(!none.value());  // a refused create stores nothing
    // A retry of the first request is still answered while the limit denies new ones.
    auto e = f.run(f.store.create(make("k1"), t0 + 4));
    REQUIRE(e);
    CHECK(e.value().what == CreateOutcome::kind::replayed);
    // Undone, the second create gives its token back and leaves no trace.
    auto undone = f.run(f.store.undo_create(second, t0 + 5));
    REQUIRE(undone);
    auto gone = f.run(f.store.get(id_of(second)));
    CHECK(!gone.value());
    const std::string recent =
        test::redis_cli(test::shared_redis_port(), {"LRANGE", RedisKeys::recent(tag), "0", "-1"});
    CHECK(recent.find(second.record.id.str()) == std::string::npos);
    CHECK(recent.find(first.record.id.str()) != std::string::npos);
    auto g = f.run(f.store.create(make(""), t0 + 6));
    REQUIRE(g);
    CHECK(g.value().what == CreateOutcome::kind::created);
    // A locked phone is refused before its limits are asked.
    const std::vector<std::string> lock = {"SET", RedisKeys::lock(tag), "1", "PX", "60000"};
    auto locked = f.run(f.conn.command(lock));
    REQUIRE(locked);
    auto h = f.run(f.store.create(make(""), t0 + 7));
    REQUIRE(h);
    CHECK(h.value().what == CreateOutcome::kind::blocked);
  }
}

TEST_CASE("an idempotent create unsent after in_flight_ms is claimed by its retry, not redone",
          "[integration][store][idempotency]") {
  StoreFixture f;
  {
    const std::string tag = fresh_tag();
    auto first = make_verification(tag);
    first.idempotency_key = "k-abandoned";
    first.request_fingerprint = "fp";
    first.in_flight_ms = 10'000;
    auto a = f.run(f.store.create(first, t0));
    REQUIRE(a);
    auto retry = make_verification(tag);
    retry.idempotency_key = "k-abandoned";
    retry.request_fingerprint = "fp";
    retry.in_flight_ms = 10'000;
    auto early = f.run(f.store.create(retry, t0 + 9'999));
    REQUIRE(early);
    CHECK(early.value().what == CreateOutcome::kind::in_flight);
    // The first request never recorded a send (its create timed out): the retry takes over
    // the first verification's send; no second record.
    auto late = f.run(f.store.create(retry, t0 + 10'000));
    REQUIRE(late);
    CHECK(late.value().what == CreateOutcome::kind::claimed);
    CHECK(late.value().record.id == first.record.id);
    auto none = f.run(f.store.get(id_of(retry)));
    CHECK(!none.value());
    answered(f, first);
    auto third = make_verification(tag);
    third.idempotency_key = "k-abandoned";
    third.request_fingerprint = "fp";
    auto replay = f.run(f.store.create(third, t0 + 10'001));
    REQUIRE(replay);
    CHECK(replay.value().what == CreateOutcome::kind::replayed);
    CHECK(replay.value().record.id == first.record.id);
  }
}

TEST_CASE("create indexes the phone's newest verifications, capped and on a TTL",
          "[integration][store]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < RedisKeys::recent_kept + 2; ++i) {
    auto v = make_verification(tag);
    ids.push_back(v.record.id.str());
    auto created = f.run(f.store.create(v, t0));
    REQUIRE(created);
  }
  // A replay of an idempotent create stores nothing new and indexes nothing.
  auto first = make_verification(tag);
  first.idempotency_key = "k";
  first.request_fingerprint = "fp";
  auto created = f.run(f.store.create(first, t0));
  REQUIRE(created);
  answered(f, first);
  ids.push_back(first.record.id.str());
  auto again = make_verification(tag);
  again.idempotency_key = "k";
  again.request_fingerprint = "fp";
  auto replayed = f.run(f.store.create(again, t0));
  REQUIRE(replayed);
  CHECK(replayed.value().what == CreateOutcome::kind::replayed);

  std::vector<std::string> range = {"LRANGE", RedisKeys::recent(tag), "0", "-1"};
  auto list = f.run(f.conn.command(range));
  REQUIRE(list);
  const auto& got = list.value().elements;
  REQUIRE(got.size() == RedisKeys::recent_kept);
  for (std::size_t i = 0; i < got.size(); ++i) {  // newest first
    INFO(i);
    CHECK(got[i].str == ids[ids.size() - 1 - i]);
  }
  std::vector<std::string> pttl = {"PTTL", RedisKeys::recent(tag)};
  auto ttl = f.run(f.conn.command(pttl));
  REQUIRE(ttl);
  CHECK(ttl.value().integer > 300'000);
  CHECK(ttl.value().integer <= 300'000 + 60'000);
}
