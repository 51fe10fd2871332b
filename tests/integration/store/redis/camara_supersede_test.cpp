// The CAMARA supersede rule on a real redis-server: lua/camara_supersede.lua decides as
// decide_supersede and retired_expiry (core/camara_otp.hpp), case by case, and keeps every key
// on the phone's slot.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/camara_otp.hpp"

#include "support/store_fixture.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::test::store;

namespace {

struct Case {
  std::string name;
  bool has_latest = true;  // an earlier send-code of the phone
  bool latest_approved = false;
  std::int64_t latest_created = t0;
  std::int64_t latest_expires = t0 + 300'000;
  std::int64_t newer_created = t0 + 1'000;
  std::int64_t now = t0 + 2'000;
};

camara::SupersedeState state_of(const VerificationRecord& r) {
  return {.status = r.status, .created_ms = r.created_ms, .expires_ms = r.expires_ms};
}

}  // namespace

TEST_CASE("camara_supersede.lua decides as decide_supersede, step by step",
          "[integration][store][camara]") {
  const std::vector<Case> cases = {
      {.name = "first send-code of the phone", .has_latest = false},
      {.name = "an earlier pending one is superseded"},
      {.name = "an earlier approved one stays approved", .latest_approved = true},
      {.name = "an earlier one already past its expiry", .latest_expires = t0 + 1'500},
      {.name = "a tie goes to the newer call", .newer_created = t0},
      {.name = "a later created latest wins a race",
       .latest_created = t0 + 5'000,
       .latest_expires = t0 + 305'000},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    StoreFixture f;
    const std::string tag = fresh_tag();
    std::optional<NewVerification> latest;
    std::optional<camara::SupersedeState> before;
    if (c.has_latest) {
      latest = make_verification(tag);
      latest->record.created_ms = c.latest_created;
      latest->record.expires_ms = c.latest_expires;
      auto created = f.run(f.store.create(*latest, c.latest_created));
      REQUIRE(created);
      auto first = f.run(f.store.supersede_camara(latest->record, c.latest_created));
      REQUIRE(first);
      CHECK(first.value() == camara::Superseded::none);
      if (c.latest_approved) {
        auto approved = f.run(
            f.store.check(id_of(*latest), nordwind, right_mac, right_mac, c.latest_created + 1));
        REQUIRE(approved);
        REQUIRE(approved.value().result == CheckResult::approved);
      }
      auto read = f.run(f.store.get(id_of(*latest)));
      REQUIRE(read);
      REQUIRE(read.value());
      before = state_of(*read.value());
    }
    NewVerification newer = make_verification(tag);
    newer.record.created_ms = c.newer_created;
    newer.record.expires_ms = c.newer_created + 300'000;
    auto created = f.run(f.store.create(newer, c.newer_created));
    REQUIRE(created);
    const camara::SupersedeState newer_before = state_of(newer.record);
    const auto want = camara::decide_supersede(before, newer_before);
    auto got = f.run(f.store.supersede_camara(newer.record, c.now));
    REQUIRE(got);
    CHECK(got.value() == want.retire);
    // Each record's expiry is what retired_expiry gives the one retired, unchanged otherwise.
    auto expiry_after = [&](const NewVerification& v, const camara::SupersedeState& s,
                            camara::Superseded role) {
      auto read = f.run(f.store.get(id_of(v)));
      REQUIRE(read);
      REQUIRE(read.value());
      const auto retired = camara::retired_expiry(s, c.now);
      CHECK(read.value()->expires_ms == (want.retire == role && retired ? *retired : s.expires_ms));
    };
    expiry_after(newer, newer_before, camara::Superseded::newer);
    if (latest) expiry_after(*latest, *before, camara::Superseded::latest);
    const std::string holder =
        test::redis_cli(test::shared_redis_port(), {"GET", RedisKeys::camara_latest(tag)});
    const std::string expected =
        want.newer_becomes_latest ? newer.record.id.str() : latest->record.id.str();
    CHECK(holder.find(expected) != std::string::npos);
  }
}

TEST_CASE("a superseded verification answers expired to the right code",
          "[integration][store][camara]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  NewVerification first = make_verification(tag);
  NewVerification second = make_verification(tag);
  second.record.created_ms = t0 + 10;
  auto a = f.run(f.store.create(first, t0));
  auto b = f.run(f.store.supersede_camara(first.record, t0));
  auto c = f.run(f.store.create(second, t0 + 10));
  auto d = f.run(f.store.supersede_camara(second.record, t0 + 10));
  REQUIRE((a && b && c && d));
  CHECK(d.value() == camara::Superseded::latest);
  auto old = f.run(f.store.check(id_of(first), nordwind, right_mac, right_mac, t0 + 20));
  REQUIRE(old);
  CHECK(old.value().result == CheckResult::expired);
  auto fresh = f.run(f.store.check(id_of(second), nordwind, right_mac, right_mac, t0 + 20));
  REQUIRE(fresh);
  CHECK(fresh.value().result == CheckResult::approved);
}
