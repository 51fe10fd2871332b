// The pumping watch of a send's admission (admit_send, admit_brand.lua: the path every create
// and resend takes, here without rate limits) against a real redis-server: it must decide
// exactly as the pure rule (core/pumping.hpp) step by step, store the same counts, keep both keys
// on a TTL, and under concurrent sends let exactly min_sends - 1 through before the block.
//
// Limiter calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/pumping.hpp"
#include "otpgate/store/redis/redis_limiter.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/connected_redis.hpp"
#include "support/unique_names.hpp"
#include "support/redis_server.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <map>

namespace {

namespace asio = boost::asio;
using namespace otpgate;
using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;

constexpr int digits = 3;

// An admission that only watches the prefix: no rate limits.
SendAdmission watching(const std::string& brand, const std::string& prefix,
                       const PumpingPolicy& p) {
  return SendAdmission{
      .brand = brand, .pumping = true, .prefix_digits = digits, .prefix = prefix, .policy = p};
}

// The watch's verdict in the core's terms (a rate limit's refusal cannot happen here).
PumpingVerdict verdict_of(const AdmissionVerdict& v) {
  REQUIRE(v.what != AdmissionVerdict::kind::limited);
  if (v.what == AdmissionVerdict::kind::tripped) return PumpingVerdict::tripped;
  if (v.what == AdmissionVerdict::kind::blocked) return PumpingVerdict::blocked;
  return PumpingVerdict::allowed;
}

struct PumpingFixture : test::ConnectedRedis {
  RedisRateLimiter limiter{conn};
  AdmissionVerdict watch(const std::string& brand, const std::string& prefix,
                         const PumpingPolicy& p, std::int64_t now) {
    const SendAdmission a = watching(brand, prefix, p);
    auto r = test::run_sync(ioc, limiter.admit_send(a, now));
    REQUIRE(r.has_value());
    return r.value();
  }
};

std::string cli(const std::vector<std::string>& args) {
  return test::redis_cli(test::shared_redis_port(), args);
}

// The brand's traffic counted since `since` (as if it had been running for a while).
void seed_since(const std::string& brand, std::int64_t since) {
  cli({"SET", RedisKeys::pumping_since(brand, digits), std::to_string(since)});
}

struct Tally {
  std::atomic<int> allowed = 0, tripped = 0, blocked = 0, failed = 0;
  int total() const { return allowed + tripped + blocked + failed; }
};

asio::awaitable<void> watch_into(RateLimiter& limiter, const std::string& brand,
                                 const std::string& prefix, const PumpingPolicy& p,
                                 std::int64_t now, Tally& t) {
  const SendAdmission a = watching(brand, prefix, p);
  auto v = co_await limiter.admit_send(a, now);
  if (!v)
    ++t.failed;
  else if (v.value().what == AdmissionVerdict::kind::allowed)
    ++t.allowed;
  else if (v.value().what == AdmissionVerdict::kind::tripped)
    ++t.tripped;
  else
    ++t.blocked;
}

}  // namespace

TEST_CASE("the pumping watch of a send's admission decides as the pure rule, step by step",
          "[integration][redis][pumping]") {
  PumpingFixture f;
  struct Scenario {
    const char* name;
    PumpingPolicy policy;
    std::int64_t since_offset;  // the brand's first counted send, relative to t0
    // Sends: offset from t0 and prefix.
    std::vector<std::pair<std::int64_t, std::string>> sends;
    bool trips;
  };
  PumpingPolicy small;
  small.min_sends = 8;
  PumpingPolicy odd;  // every parameter off its default, a factor with many decimals
  odd.factor = 3.1415926535897931;
  odd.min_sends = 5;
  odd.window = std::chrono::minutes(7);
  odd.baseline = std::chrono::hours(3);
  odd.block = std::chrono::minutes(13);
  std::vector<Scenario> scenarios = {
      {"a week-old brand, a new prefix bursting", small, -7 * 24 * hour, {}, true},
      {"a fresh brand bursting", small, 0, {}, false},
      {"steady on two ranges, then a jump on one", small, -2 * 24 * hour, {}, true},
      {"steady on two ranges, then both jump", small, -2 * 24 * hour, {}, false},
      {"blocked, then released", small, -7 * 24 * hour, {}, true},
      {"the clock goes back",
       small,
       -7 * 24 * hour,
       {{0, "+49151"}, {60'000, "+49151"}, {30'000, "+49151"}, {30'000, "+49151"}},
       false},
      {"other parameters", odd, -7 * 24 * hour, {}, true},
  };
  for (int i = 0; i < 12; ++i) scenarios[0].sends.emplace_back(i * 5'000, "+49151");
  for (int i = 0; i < 12; ++i) scenarios[1].sends.emplace_back(i * 5'000, "+49151");
  for (auto* s : {&scenarios[2], &scenarios[3]})
    for (int i = 0; i < 30; ++i) {
      s->sends.emplace_back(i * 10 * minute, "+49151");
      s->sends.emplace_back(i * 10 * minute + 1, "+49170");
    }
  for (int i = 0; i < 20; ++i) scenarios[2].sends.emplace_back(300 * minute + i * 2'000, "+49170");
  for (int i = 0; i < 20; ++i) {
    scenarios[3].sends.emplace_back(300 * minute + i * 2'000, "+49170");
    scenarios[3].sends.emplace_back(300 * minute + i * 2'000 + 1, "+49151");
  }
  for (int i = 0; i < 10; ++i) scenarios[4].sends.emplace_back(i, "+49151");
  scenarios[4].sends.emplace_back(30 * minute, "+49151");
  scenarios[4].sends.emplace_back(hour + 9, "+49151");
  scenarios[4].sends.emplace_back(hour + 10, "+49151");
  for (int i = 0; i < 12; ++i) scenarios[6].sends.emplace_back(i * 7'000, "+43664");
  for (const Scenario& s : scenarios) {
    INFO(s.name);
    const std::string brand = test::unique_brand_now("pump");
    if (s.since_offset != 0) seed_since(brand, t0 + s.since_offset);
    const std::int64_t since = t0 + s.since_offset;  // a fresh brand: its first send, at t0
    std::map<std::string, Traffic> prefixes;
    Traffic all;
    int trips = 0;
    for (std::size_t i = 0; i < s.sends.size(); ++i) {
      const auto& [offset, prefix] = s.sends[i];
      INFO("send " << i << " to " << prefix << " at +" << offset << " ms");
      const std::int64_t now = t0 + offset;
      const PumpingDecision want = pumping_admit(prefixes[prefix], all, since, now, s.policy);
      prefixes[prefix] = want.prefix;
      all = want.brand;
      const AdmissionVerdict got = f.watch(brand, prefix, s.policy, now);
      CHECK(verdict_of(got) == want.verdict);
      CHECK(got.retry_after_ms == want.retry_after_ms);
      if (got.what == AdmissionVerdict::kind::tripped) ++trips;
      const std::string key = RedisKeys::pumping_prefix(brand, digits, prefix);
      const std::string all_key = RedisKeys::pumping_all(brand, digits);
      CHECK(std::stod(cli({"HGET", key, "r"})) == Approx(want.prefix.recent).epsilon(1e-12));
      CHECK(std::stod(cli({"HGET", key, "b"})) == Approx(want.prefix.baseline).epsilon(1e-12));
      CHECK(std::stoll(cli({"HGET", key, "u"})) == want.prefix.blocked_until_ms);
      CHECK(std::stod(cli({"HGET", all_key, "r"})) == Approx(want.brand.recent).epsilon(1e-12));
      CHECK(std::stod(cli({"HGET", all_key, "b"})) == Approx(want.brand.baseline).epsilon(1e-12));
    }
    CHECK((trips > 0) == s.trips);
  }
}

TEST_CASE("the pumping keys live on the brand's slot, on a TTL", "[integration][redis][pumping]") {
  PumpingFixture f;
  const std::string brand = test::unique_brand_now("pump");
  CHECK(RedisKeys::pumping_since("nordwind", 3) == "otp:{brand:nordwind}:pump:3:since");
  CHECK(RedisKeys::pumping_prefix("nordwind", 3, "+49151") ==
        "otp:{brand:nordwind}:pump:3:px:+49151");
  CHECK(RedisKeys::pumping_all("nordwind", 3) == "otp:{brand:nordwind}:pump:3:all");
  PumpingPolicy p;
  p.baseline = std::chrono::hours(2);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  (void)f.watch(brand, "+43664", p, now);
  for (const std::string& key :
       {RedisKeys::pumping_since(brand, digits), RedisKeys::pumping_prefix(brand, digits, "+43664"),
        RedisKeys::pumping_all(brand, digits)}) {
    INFO(key);
    const long long ttl = std::stoll(cli({"PTTL", key}));
    CHECK(ttl > 6 * hour - minute);  // three baselines
    CHECK(ttl <= 6 * hour);
  }
  // The brand's first send is kept, not moved by later ones.
  const std::string since = cli({"GET", RedisKeys::pumping_since(brand, digits)});
  cli({"PEXPIRE", RedisKeys::pumping_since(brand, digits), "60000"});
  (void)f.watch(brand, "+43664", p, now + 5000);
  CHECK(cli({"GET", RedisKeys::pumping_since(brand, digits)}) == since);
  // ... and its TTL renewed by each send (three baselines again).
  CHECK(std::stoll(cli({"PTTL", RedisKeys::pumping_since(brand, digits)})) > 6 * hour - minute);
}

TEST_CASE("200 concurrent sends to a new prefix: exactly min_sends - 1 pass, one trips",
          "[integration][redis][pumping][race]") {
  PumpingFixture f;
  redis::Connection other(f.ioc, PumpingFixture::config());
  other.start();
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (!other.connected() && std::chrono::steady_clock::now() < end) f.ioc.run_one_for(10ms);
  REQUIRE(other.connected());
  RedisRateLimiter second(other);

  const std::string brand = test::unique_brand_now("pump");
  seed_since(brand, t0 - 7 * 24 * hour);
  const std::string prefix = "+49176";
  const PumpingPolicy p;  // min_sends 20
  Tally t;
  for (int i = 0; i < 200; ++i) {
    RateLimiter& limiter = i % 2 == 0 ? static_cast<RateLimiter&>(f.limiter) : second;
    asio::co_spawn(f.ioc, watch_into(limiter, brand, prefix, p, t0, t), asio::detached);
  }
  const auto stop = std::chrono::steady_clock::now() + 10s;
  while (t.total() < 200 && std::chrono::steady_clock::now() < stop) f.ioc.run_one_for(10ms);
  CHECK(t.failed == 0);
  CHECK(t.allowed == 19);
  CHECK(t.tripped == 1);
  CHECK(t.blocked == 180);
  other.stop();
}
