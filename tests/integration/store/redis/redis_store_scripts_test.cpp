// The Redis store's scripts against a real redis-server, beyond the core's rules: they stay
// within the caller's brand, keep every key on a TTL, escalate the phone lock across
// verifications, survive SCRIPT FLUSH and compare the MAC the record's PSD2 binding asks for.
// (tests/integration/store/redis/redis_store_test.cpp: the scripts step by step with the core.)
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/phone_lock.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/store_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <optional>

using namespace otpgate;
using namespace otpgate::test::store;

TEST_CASE("another brand's verification is invisible and untouched", "[integration][store]") {
  StoreFixture f;
  {
    auto v = make_verification(fresh_tag());
    const VerificationId v_id = id_of(v);
    auto step3 = f.run(f.store.create(v, t0));
    REQUIRE(step3);
    auto check = f.run(f.store.check(v_id, skylink, right_mac, no_order_mac, t0 + 1));
    REQUIRE(check.has_error());
    CHECK(check.error() == errc::not_found);
    auto resend = f.run(f.store.resend(v_id, skylink, no_rates, t0 + 60'000));
    CHECK(resend.has_error());
    auto cancel = f.run(f.store.cancel(v_id, skylink, t0 + 1));
    CHECK(cancel.has_error());
    auto after = f.run(f.store.get(v_id));
    REQUIRE(after);
    REQUIRE(after.value());
    CHECK(after.value()->status == Status::pending);
    CHECK(after.value()->attempts_used == 0);
    CHECK(after.value()->sends == 1);
    // "*" (an all-brands key) sees it.
    auto any = f.run(f.store.check(v_id, any_brand, right_mac, no_order_mac, t0 + 1));
    REQUIRE(any);
    CHECK(any.value().result == CheckResult::approved);
  }
}

TEST_CASE("every key the scripts write has a TTL", "[integration][store]") {
  StoreFixture f;
  {
    const std::string tag = fresh_tag();
    auto v = make_verification(tag);
    const VerificationId v_id = id_of(v);
    v.idempotency_key = "k1";
    v.request_fingerprint = "fp1";
    v.record.lock_max_failed = 1;
    auto step4 = f.run(f.store.create(v, t0));
    REQUIRE(step4);
    REQUIRE(f.run(
        f.store.check(v_id, nordwind, wrong_mac, no_order_mac, t0 + 1)));  // locks (threshold 1)
    const std::vector<std::string> keys = {RedisKeys::record(v_id),
                                           RedisKeys::idempotency(tag, "k1"), RedisKeys::lock(tag),
                                           RedisKeys::lock_level(tag)};
    for (const auto& key : keys) {
      INFO(key);
      std::vector<std::string> cmd = {"PTTL", key};
      auto ttl = f.run(f.conn.command(cmd));
      REQUIRE(ttl);
      CHECK(ttl.value().integer > 0);
    }
    std::vector<std::string> cmd = {"PTTL", RedisKeys::record(v_id)};
    auto ttl = f.run(f.conn.command(cmd));
    CHECK(ttl.value().integer <= 300'000 + 60'000);
  }
}

TEST_CASE("failed checks across verifications lock the phone, escalating", "[integration][store]") {
  StoreFixture f;
  {
    const std::string tag = fresh_tag();
    auto a = make_verification(tag);
    const VerificationId a_id = id_of(a);
    auto b = make_verification(tag);
    const VerificationId b_id = id_of(b);
    a.record.lock_max_failed = b.record.lock_max_failed = 4;
    auto step5 = f.run(f.store.create(a, t0));
    REQUIRE(step5);
    auto step6 = f.run(f.store.create(b, t0));
    REQUIRE(step6);
    for (int i = 0; i < 2; ++i) {
      auto wrong = f.run(f.store.check(a_id, nordwind, wrong_mac, no_order_mac, t0));
      REQUIRE(wrong);
    }
    auto third = f.run(f.store.check(b_id, nordwind, wrong_mac, no_order_mac, t0));
    REQUIRE(third);
    CHECK(third.value().lock_ms == 0);
    auto fourth = f.run(f.store.check(b_id, nordwind, wrong_mac, no_order_mac, t0));
    REQUIRE(fourth);
    CHECK(fourth.value().lock_ms == 900'000);  // the threshold reached exactly here
    // Locked: even the right code is not evaluated, and no attempt is consumed.
    auto blocked = f.run(f.store.check(b_id, nordwind, right_mac, no_order_mac, t0));
    REQUIRE(blocked);
    CHECK(blocked.value().blocked);
    auto rec = f.run(f.store.get(b_id));
    CHECK(rec.value()->attempts_used == 2);
    auto c = make_verification(tag);
    const VerificationId c_id = id_of(c);
    auto create = f.run(f.store.create(c, t0));
    REQUIRE(create);
    CHECK(create.value().what == CreateOutcome::kind::blocked);
    CHECK(create.value().retry_after_ms > 0);
    // Nor does a locked phone get resends of a verification that is still pending.
    auto resend = f.run(f.store.resend(a_id, nordwind, no_rates, t0 + 60'000));
    REQUIRE(resend);
    CHECK(resend.value().blocked);
    auto a_after = f.run(f.store.get(a_id));
    CHECK(a_after.value()->sends == 1);
    // Unlock by hand (support's unlock is a later feature), fail again: the lock doubles.
    std::vector<std::string> del = {"DEL", RedisKeys::lock(tag)};
    auto step7 = f.run(f.conn.command(del));
    REQUIRE(step7);
    auto d = make_verification(tag);
    const VerificationId d_id = id_of(d);
    d.record.lock_max_failed = 4;
    d.record.max_attempts = 5;
    auto step8 = f.run(f.store.create(d, t0));
    REQUIRE(step8);
    std::int64_t lock = 0;
    for (int i = 0; i < 4; ++i) {
      auto r = f.run(f.store.check(d_id, nordwind, wrong_mac, no_order_mac, t0));
      REQUIRE(r);
      lock = r.value().lock_ms;
    }
    CHECK(lock == 1'800'000);
  }
}

TEST_CASE("checks keep working after SCRIPT FLUSH (NOSCRIPT reload)", "[integration][store]") {
  StoreFixture f;
  {
    auto v = make_verification(fresh_tag());
    const VerificationId v_id = id_of(v);
    auto step9 = f.run(f.store.create(v, t0));
    REQUIRE(step9);
    auto step10 = f.run(f.store.check(v_id, nordwind, wrong_mac, no_order_mac, t0 + 1));
    REQUIRE(step10);
    std::vector<std::string> flush = {"SCRIPT", "FLUSH"};
    auto step11 = f.run(f.conn.command(flush));
    REQUIRE(step11);
    auto r = f.run(f.store.check(v_id, nordwind, right_mac, no_order_mac, t0 + 2));
    REQUIRE(r);
    CHECK(r.value().result == CheckResult::approved);
    CHECK(r.value().record.attempts_used == 2);
  }
}

// PSD2 dynamic linking: a record bound to its order (pb = 1) compares the check's bound MAC
// (code + presented order) and ignores the unbound one; an unbound record the other way round.
// Same rules as presented_mac + apply_check, step by step, and a wrong order counts toward the
// phone's lock exactly as a wrong code.
TEST_CASE("the check script compares the MAC the record's binding asks for",
          "[integration][store][psd2]") {
  struct Step {
    const std::string* unbound;
    const std::string* bound;
  };
  const std::vector<Step> steps = {
      {&right_mac, &wrong_mac},  // right code, other order: wrong for a bound record
      {&wrong_mac, &wrong_mac},
      {&wrong_mac, &right_mac},  // right code and order: approved for a bound record
  };
  for (const int bound : {1, 0}) {
    StoreFixture f;
    const std::string tag = fresh_tag();
    auto v = make_verification(tag);
    v.record.order_bound = bound;
    v.record.max_attempts = 5;
    const VerificationId v_id = id_of(v);
    auto created = f.run(f.store.create(v, t0));
    REQUIRE(created);
    auto stored = f.run(f.store.get(v_id));
    REQUIRE(stored);
    REQUIRE(stored.value());
    CHECK(stored.value()->order_bound == bound);  // "pb" round-trips
    VerificationRecord model = v.record;
    int wrong = 0;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const std::string where = "bound " + std::to_string(bound) + " step " + std::to_string(i);
      CAPTURE(where);
      if (model.status != Status::pending) break;
      const std::string& want = presented_mac(model, *steps[i].unbound, *steps[i].bound);
      const std::int64_t at = t0 + 1 + static_cast<std::int64_t>(i);
      const CheckResult expected = apply_check(model, want == right_mac, at);
      if (expected == CheckResult::wrong) ++wrong;
      auto got = f.run(f.store.check(v_id, nordwind, *steps[i].unbound, *steps[i].bound, at));
      REQUIRE(got);
      CHECK(got.value().result == expected);
      CHECK(got.value().record.status == model.status);
      CHECK(got.value().record.attempts_used == model.attempts_used);
    }
    CHECK(model.status == Status::approved);
    CHECK(wrong == (bound == 1 ? 2 : 0));
    // The approval cleared the phone's failure count; a wrong order on another bound
    // verification of the phone counts against it again, exactly as a wrong code does.
    if (bound == 1) {
      auto w = make_verification(tag);
      w.record.order_bound = 1;
      const VerificationId w_id = id_of(w);
      auto w_created = f.run(f.store.create(w, t0));
      REQUIRE(w_created);
      auto w_checked = f.run(f.store.check(w_id, nordwind, right_mac, wrong_mac, t0 + 10));
      REQUIRE(w_checked);
      CHECK(w_checked.value().result == CheckResult::wrong);
      std::vector<std::string> get = {"GET", RedisKeys::failures(tag)};
      auto fails = f.run(f.conn.command(get));
      REQUIRE(fails);
      CHECK(fails.value().str == "1");
    }
  }
}

TEST_CASE("a bound record never matches a check that passes no bound MAC",
          "[integration][store][psd2]") {
  // The benchmark runs the check script with three arguments; for a bound record a missing
  // fourth must be a wrong code, never a script error or a match of the unbound MAC.
  StoreFixture f;
  auto v = make_verification(fresh_tag());
  v.record.order_bound = 1;
  const VerificationId v_id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  const std::vector<std::string> keys = {RedisKeys::record(v_id), RedisKeys::failures(v_id.tag()),
                                         RedisKeys::lock(v_id.tag()),
                                         RedisKeys::lock_level(v_id.tag())};
  const std::vector<std::string> args = {nordwind, std::to_string(t0 + 1), right_mac};
  const redis::Script check_script{std::string(scripts::check)};
  auto reply = f.run(f.conn.eval(check_script, keys, args));
  REQUIRE(reply);
  REQUIRE(reply.value().type == redis::Reply::kind::array);
  REQUIRE(!reply.value().elements.empty());
  CHECK(reply.value().elements[0].str == "wrong");
}
