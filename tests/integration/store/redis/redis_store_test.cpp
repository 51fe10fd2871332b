// The Redis store against a real redis-server: the Lua scripts must apply exactly the rules of
// core/verification.hpp and core/phone_lock.hpp (the same scenarios run through both, step by
// step). The scripts' other guarantees: redis_store_scripts_test.cpp.
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

namespace {

using namespace otpgate;
using namespace otpgate::test::store;

struct CheckStep {
  std::int64_t at;  // ms after t0
  bool right;
};

}  // namespace

TEST_CASE("check script and core rules agree step by step", "[integration][store]") {
  const std::vector<std::vector<CheckStep>> scenarios = {
      {{1000, false}, {2000, false}, {3000, true}},                 // right on the last attempt
      {{1000, false}, {2000, false}, {3000, false}, {4000, true}},  // exhausted, then not pending
      {{299'999, true}},                                            // 1 ms before expiry
      {{300'000, true}, {300'001, true}},                           // exactly at expiry
      {{1000, true}, {2000, true}},                                 // accepted once
      {{1000, false}, {300'000, false}},                            // expiry after a wrong code
  };
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    StoreFixture f;
    {
      auto v = make_verification(fresh_tag());
      const VerificationId v_id = id_of(v);
      auto created = f.run(f.store.create(v, t0));
      REQUIRE(created);
      VerificationRecord model = v.record;
      for (const auto& step : scenarios[s]) {
        const std::string where =
            "scenario " + std::to_string(s) + " step at +" + std::to_string(step.at);
        CAPTURE(where);
        const CheckResult expected = apply_check(model, step.right, t0 + step.at);
        const std::string& mac = step.right ? right_mac : wrong_mac;
        auto got = f.run(f.store.check(v_id, nordwind, mac, no_order_mac, t0 + step.at));
        REQUIRE(got);
        CHECK(got.value().result == expected);
        CHECK(got.value().record.status == model.status);
        CHECK(got.value().record.attempts_used == model.attempts_used);
        CHECK(got.value().record.finished_ms == model.finished_ms);
      }
    }
  }
}

TEST_CASE("resend script and core rules agree on cooldown and limit", "[integration][store]") {
  const std::vector<std::int64_t> offsets = {0, 29'999, 30'000, 30'001, 59'999, 60'000, 90'000};
  StoreFixture f;
  {
    auto v = make_verification(fresh_tag());
    const VerificationId v_id = id_of(v);
    auto step1 = f.run(f.store.create(v, t0));
    REQUIRE(step1);
    VerificationRecord model = v.record;
    for (const auto at : offsets) {
      INFO("resend at +" << at);
      std::int64_t retry = 0;
      const ResendResult expected = apply_resend(model, t0 + at, retry);
      auto got = f.run(f.store.resend(v_id, nordwind, no_rates, t0 + at));
      REQUIRE(got);
      CHECK(got.value().result == expected);
      CHECK(got.value().record.sends == model.sends);
      CHECK(got.value().record.attempts_used == 0);
      if (expected == ResendResult::too_soon) CHECK(got.value().retry_after_ms == retry);
    }
    CHECK(model.sends == 3);  // the scenario does reach the limit
  }
}

TEST_CASE("resend script and core rules agree near expiry", "[integration][store]") {
  // TTL 300 s: resends are refused once less than 30 s would be left, whatever the cooldown.
  for (const std::int64_t at : {269'999, 270'000, 270'001, 299'999}) {
    StoreFixture f;
    {
      auto v = make_verification(fresh_tag());
      const VerificationId v_id = id_of(v);
      auto created = f.run(f.store.create(v, t0));
      REQUIRE(created);
      REQUIRE(v.record.expires_ms == t0 + 300'000);
      VerificationRecord model = v.record;
      INFO("resend at +" << at);
      std::int64_t retry = 0;
      const ResendResult expected = apply_resend(model, t0 + at, retry);
      CHECK(expected == (at <= 270'000 ? ResendResult::sent : ResendResult::too_late));
      auto got = f.run(f.store.resend(v_id, nordwind, no_rates, t0 + at));
      REQUIRE(got);
      CHECK(got.value().result == expected);
      CHECK(got.value().record.sends == model.sends);
    }
  }
}

TEST_CASE("the check script locks the phone as the core's lock rule, step by step",
          "[integration][store][lock]") {
  // Redis expires the lock keys on its own clock, so this runs in real time with short
  // durations, each step well away from an expiry.
  const LockPolicy policy{.max_failed_checks = 3,
                          .window = std::chrono::milliseconds(1'500),
                          .duration = std::chrono::milliseconds(400),
                          .max_duration = std::chrono::milliseconds(1'200)};
  struct Step {
    int pause_ms;  // before the step
    int wrong_codes;
  };
  // Three locks in a row (400, 800, then 1,600 capped at 1,200 ms), a lock level forgotten
  // after max_duration, and a window that closes before the threshold. Every step is at least
  // 200 ms from an expiry.
  const std::vector<Step> steps = {{0, 3},     {100, 1},   {500, 3}, {1'000, 3},
                                   {1'000, 1}, {1'400, 3}, {600, 2}, {1'700, 2}};
  StoreFixture f;
  {
    const std::string tag = fresh_tag();
    PhoneLockState model;
    std::int64_t deepest = 0;
    int n = 0;
    for (const auto& step : steps) {
      std::this_thread::sleep_for(std::chrono::milliseconds(step.pause_ms));
      for (int i = 0; i < step.wrong_codes; ++i) {
        const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        auto v = make_verification(tag);  // a new verification each time: only the phone counts
        v.record.created_ms = v.record.last_send_ms = now;
        v.record.expires_ms = now + 300'000;
        v.record.lock_max_failed = policy.max_failed_checks;
        v.record.lock_window_ms = policy.window.count();
        v.record.lock_ms = policy.duration.count();
        v.record.lock_max_ms = policy.max_duration.count();
        const bool locked = phone_locked(model, now);
        const std::int64_t expected = locked ? 0 : count_wrong_code(model, policy, now);
        auto created = f.run(f.store.create(v, now));
        REQUIRE(created);
        CAPTURE(n++, locked, expected);
        if (locked) {
          CHECK(created.value().what == CreateOutcome::kind::blocked);
          continue;
        }
        REQUIRE(created.value().what == CreateOutcome::kind::created);
        auto checked = f.run(f.store.check(id_of(v), nordwind, wrong_mac, no_order_mac, now));
        REQUIRE(checked);
        CHECK_FALSE(checked.value().blocked);
        CHECK(checked.value().lock_ms == expected);
        deepest = std::max(deepest, model.level);
      }
    }
    CHECK(deepest == 3);         // the scenario reached the capped lock
    CHECK(model.failures == 2);  // and its last window closed before the threshold
  }
}

TEST_CASE("cancel script and core rules agree", "[integration][store]") {
  for (const std::int64_t at : {1000, 300'000}) {
    StoreFixture f;
    {
      auto v = make_verification(fresh_tag());
      const VerificationId v_id = id_of(v);
      auto step2 = f.run(f.store.create(v, t0));
      REQUIRE(step2);
      VerificationRecord model = v.record;
      for (int i = 0; i < 2; ++i) {
        const CancelResult expected = apply_cancel(model, t0 + at);
        auto got = f.run(f.store.cancel(v_id, nordwind, t0 + at));
        REQUIRE(got);
        CHECK(got.value().result == expected);
        CHECK(got.value().record.status == model.status);
      }
    }
  }
}
