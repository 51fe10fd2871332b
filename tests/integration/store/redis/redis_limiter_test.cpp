// The GCRA rate limits of a send's admission (admit_send, admit_brand.lua: the path every create
// and resend takes, here with one subject and the pumping watch off) against a real
// redis-server: they must decide exactly as the pure rule (core/rate_limit.hpp) on the same
// scenarios, keep every key on a TTL, count all rates of a subject or none, and admit exactly the
// limit under concurrency.
//
// Limiter calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/rate_limit.hpp"
#include "otpgate/store/redis/redis_limiter.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/connected_redis.hpp"
#include "support/redis_server.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <optional>

namespace {

namespace asio = boost::asio;
using namespace otpgate;
using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1'700'000'000'000;

using K = AdmissionVerdict::kind;

// An admission of one subject's limits alone.
SendAdmission alone(const RateSubject& s) {
  return SendAdmission{.brand = s.brand, .subjects = {s}};
}

struct LimiterFixture : test::ConnectedRedis {
  RedisRateLimiter limiter{conn};
  AdmissionVerdict admit(const RateSubject& s, std::int64_t now) {
    const SendAdmission a = alone(s);
    auto r = test::run_sync(ioc, limiter.admit_send(a, now));
    REQUIRE(r.has_value());
    return r.value();
  }
};

// A subject no other test (or run) shares.
RateSubject fresh_subject(LimitScope scope, std::vector<Rate> rates) {
  static std::atomic<unsigned> n{0};
  const std::string unique =
      std::to_string(::getpid()) + "x" + std::to_string(n++) + "x" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  return RateSubject{
      .scope = scope, .brand = "rltest" + unique, .id = "s" + unique, .rates = std::move(rates)};
}

std::int64_t pttl(const std::string& key) {
  return std::stoll(test::redis_cli(test::shared_redis_port(), {"PTTL", key}));
}

struct Tally {
  int admitted = 0, denied = 0, failed = 0;
};

// One admit, its verdict added to t (the arguments outlive the call: they are the test's).
asio::awaitable<void> admit_into(RateLimiter& limiter, const RateSubject& s, std::int64_t now,
                                 Tally& t) {
  const SendAdmission a = alone(s);
  auto v = co_await limiter.admit_send(a, now);
  if (!v)
    ++t.failed;
  else if (v.value().what == K::allowed)
    ++t.admitted;
  else
    ++t.denied;
}

}  // namespace

TEST_CASE("the rate limits of a send's admission decide as the GCRA rule, step by step",
          "[integration][redis][rate_limit]") {
  LimiterFixture f;
  struct Scenario {
    const char* name;
    Rate rate;
    std::vector<std::int64_t> at;  // offsets from t0 of each attempt
  };
  const std::vector<Scenario> scenarios = {
      {"burst then refusal", {5, 600'000}, {0, 0, 0, 0, 0, 0, 1, 119'999, 120'000, 120'000}},
      {"steady rate", {2, 60'000}, {0, 0, 10'000, 29'999, 30'000, 30'001, 60'000, 90'000, 90'001}},
      {"limit of one", {1, 3'600'000}, {0, 600'000, 3'599'999, 3'600'000, 3'600'000}},
      {"clock going back", {3, 60'000}, {0, 0, 0, -10'000, -3'600'000, 20'000, 20'000}},
      {"long pause refills the burst only",
       {2, 60'000},
       {0, 0, 0, 3'600'000, 3'600'000, 3'600'000}},
  };
  for (const auto& sc : scenarios) {
    const RateSubject s = fresh_subject(LimitScope::brand, {sc.rate});
    const std::string key = RedisKeys::rate(s, sc.rate);
    std::optional<std::int64_t> tat;
    int step = 0;
    for (const std::int64_t offset : sc.at) {
      INFO(sc.name << ", step " << step++);
      const std::int64_t now = t0 + offset;
      const GcraDecision rule = gcra_admit(tat, now, sc.rate);
      const AdmissionVerdict script = f.admit(s, now);
      CHECK((script.what == K::allowed) == rule.allowed);
      CHECK(script.retry_after_ms == (rule.allowed ? 0 : rule.retry_after_ms));
      if (!rule.allowed) CHECK(script.scope == LimitScope::brand);
      if (rule.allowed) {
        tat = rule.new_tat_ms;
        const std::string stored = test::redis_cli(test::shared_redis_port(), {"GET", key});
        CHECK(std::stoll(stored) == *tat);
        // The key lives until its TAT (the TTL is relative to the script's now, not Redis's).
        const std::int64_t ttl = pttl(key);
        CHECK(ttl > 0);
        CHECK(ttl <= *tat - now);
        CHECK(ttl > *tat - now - 5'000);
      }
    }
  }
}

TEST_CASE("the rate limits of a send's admission count every rate of a subject or none",
          "[integration][redis][rate_limit]") {
  LimiterFixture f;
  const Rate short_rate{3, 600'000};
  const Rate long_rate{4, 86'400'000};
  const RateSubject s = fresh_subject(LimitScope::prefix, {short_rate, long_rate});
  CHECK(RedisKeys::rate(s, short_rate).find(":rl:px:" + s.id + ":600") != std::string::npos);
  CHECK(RedisKeys::rate(s, long_rate).find(":rl:px:" + s.id + ":86400") != std::string::npos);
  for (int i = 0; i < 3; ++i) CHECK(f.admit(s, t0).what == K::allowed);
  // The 10-minute rate is full: nothing is counted, not even against the daily one.
  const AdmissionVerdict full = f.admit(s, t0);
  CHECK(full.what == K::limited);
  CHECK(full.scope == LimitScope::prefix);
  CHECK(full.retry_after_ms == 200'000);
  // After one interval of the short rate, the fourth send fits both; then the daily rate denies
  // (the short one admits it).
  CHECK(f.admit(s, t0 + 200'000).what == K::allowed);
  const AdmissionVerdict daily = f.admit(s, t0 + 400'000);
  CHECK(daily.what == K::limited);
  CHECK(daily.retry_after_ms == 4 * 21'600'000 - 3 * 21'600'000 - 400'000);
  // Disabled rates are skipped; a subject without any is always admitted and writes nothing.
  const RateSubject none = fresh_subject(LimitScope::brand, {Rate{0, 60'000}});
  CHECK(f.admit(none, t0).what == K::allowed);
  CHECK(test::redis_cli(test::shared_redis_port(),
                        {"EXISTS", RedisKeys::rate(none, Rate{0, 60'000})}) == "0");
}

TEST_CASE("a phone's rate keys live on its slot, the other scopes on the brand's, without raw IPs",
          "[integration][redis][rate_limit]") {
  const Rate r{1, 3'600'000};
  const RateSubject phone = fresh_subject(LimitScope::phone, {Rate{3, 600'000}});
  CHECK(RedisKeys::rate(phone, Rate{3, 600'000}) == "otp:{" + phone.id + "}:rl:600");
  RateSubject ip{.scope = LimitScope::ip, .brand = "nordwind", .id = "ab12", .rates = {r}};
  RateSubject prefix{.scope = LimitScope::prefix, .brand = "nordwind", .id = "+49151"};
  RateSubject brand{.scope = LimitScope::brand, .brand = "nordwind"};
  CHECK(RedisKeys::rate(ip, r) == "otp:{brand:nordwind}:rl:ip:ab12:3600");
  CHECK(RedisKeys::rate(prefix, r) == "otp:{brand:nordwind}:rl:px:+49151:3600");
  CHECK(RedisKeys::rate(brand, Rate{1, 60'000}) == "otp:{brand:nordwind}:rl:b:60");
}

TEST_CASE("100 concurrent admits on one key with limit N admit exactly N",
          "[integration][redis][rate_limit][race]") {
  LimiterFixture f;
  // A second connection, so the calls really interleave on the server.
  redis::Connection other(f.ioc, LimiterFixture::config());
  other.start();
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (!other.connected() && std::chrono::steady_clock::now() < end) f.ioc.run_one_for(10ms);
  REQUIRE(other.connected());
  RedisRateLimiter second(other);

  const Rate seven{7, 3'600'000};
  const RateSubject s = fresh_subject(LimitScope::prefix, {seven});
  Tally t;
  const std::int64_t now = t0;
  for (int i = 0; i < 100; ++i) {
    RateLimiter& limiter = i % 2 == 0 ? static_cast<RateLimiter&>(f.limiter) : second;
    asio::co_spawn(f.ioc, admit_into(limiter, s, now + i, t), asio::detached);
  }
  const auto stop = std::chrono::steady_clock::now() + 10s;
  while (t.admitted + t.denied + t.failed < 100 && std::chrono::steady_clock::now() < stop)
    f.ioc.run_one_for(10ms);
  CHECK(t.failed == 0);
  CHECK(t.admitted == 7);
  CHECK(t.denied == 93);
  other.stop();
}
