// The brand slot's part of admitting a send (admit_brand) against a real Redis: the limits decide
// as the GCRA rule, all or nothing, naming the first scope that denies; the pumping watch
// refuses without taking a limit token.
//
// Limiter calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/rate_limit.hpp"
#include "otpgate/store/redis/redis_limiter.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/connected_redis.hpp"
#include "support/unique_names.hpp"
#include "support/redis_server.hpp"
#include "support/run_sync.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <optional>

namespace {

using namespace otpgate;

constexpr std::int64_t t0 = 1'700'000'000'000;

struct AdmissionFixture : test::ConnectedRedis {
  RedisRateLimiter limiter{conn};
  AdmissionVerdict admit(const SendAdmission& a, std::int64_t now) {
    auto r = test::run_sync(ioc, limiter.admit_send(a, now));
    REQUIRE(r.has_value());
    return r.value();
  }
};

// IP 3 per hour, prefix `prefix_limit` per hour, brand `brand_limit` per minute.
SendAdmission admission(const std::string& brand, int prefix_limit, int brand_limit) {
  return SendAdmission{.brand = brand,
                       .subjects = {RateSubject{.scope = LimitScope::ip,
                                                .brand = brand,
                                                .id = "ipmac",
                                                .rates = {Rate{3, 3'600'000}}},
                                    RateSubject{.scope = LimitScope::prefix,
                                                .brand = brand,
                                                .id = "+49151",
                                                .rates = {Rate{prefix_limit, 3'600'000}}},
                                    RateSubject{.scope = LimitScope::brand,
                                                .brand = brand,
                                                .rates = {Rate{brand_limit, 60'000}}}}};
}

using K = AdmissionVerdict::kind;

}  // namespace

TEST_CASE("admit_brand: all its limits or none, the first scope that denies named",
          "[integration][redis][admission]") {
  AdmissionFixture f;
  const std::string brand = test::unique_brand_now("adm");
  const SendAdmission a = admission(brand, 100, 2);
  std::optional<std::int64_t> brand_tat;
  const Rate brand_rate{2, 60'000};
  for (int i = 0; i < 2; ++i) {
    CHECK(f.admit(a, t0).what == K::allowed);
    brand_tat = gcra_admit(brand_tat, t0, brand_rate).new_tat_ms;
  }
  // The brand limit denies the third: with the wait the rule computes, and no IP token taken.
  const GcraDecision rule = gcra_admit(brand_tat, t0, brand_rate);
  REQUIRE_FALSE(rule.allowed);
  const AdmissionVerdict third = f.admit(a, t0);
  CHECK(third.what == K::limited);
  CHECK(third.scope == LimitScope::brand);
  CHECK(third.retry_after_ms == rule.retry_after_ms);
  // The IP limit (3 per hour) has counted two sends: one more fits once the brand allows it.
  const AdmissionVerdict later = f.admit(a, t0 + 60'000);
  CHECK(later.what == K::allowed);
  const AdmissionVerdict ip_full = f.admit(a, t0 + 120'000);
  CHECK(ip_full.what == K::limited);
  CHECK(ip_full.scope == LimitScope::ip);  // the narrowest first
}

TEST_CASE("a pumping refusal takes no limit token", "[integration][redis][admission]") {
  AdmissionFixture f;
  const std::string brand = test::unique_brand_now("adm");
  SendAdmission a = admission(brand, 100, 100);
  a.pumping = true;
  a.prefix_digits = 3;
  a.prefix = "+49151";
  // A blocked prefix (as a trip leaves it): every send refused until the block ends.
  test::redis_cli(test::shared_redis_port(), {"HSET", RedisKeys::pumping_prefix(brand, 3, "+49151"),
                                              "u", std::to_string(t0 + 600'000)});
  for (int i = 0; i < 5; ++i) {
    const AdmissionVerdict v = f.admit(a, t0 + i);
    CHECK(v.what == K::blocked);
    CHECK(v.retry_after_ms == 600'000 - i);
  }
  // None of the five took one of the IP limit's three tokens.
  a.pumping = false;
  for (int i = 0; i < 3; ++i) CHECK(f.admit(a, t0 + 10 + i).what == K::allowed);
  CHECK(f.admit(a, t0 + 20).scope == LimitScope::ip);
}
