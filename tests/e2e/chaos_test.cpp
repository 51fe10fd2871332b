// Chaos on the real binary: shop clients create, check (right and wrong codes), resend and
// cancel with Idempotency-Key, retrying every 503 with the same key, while Redis is stopped
// (SIGSTOP) and its connections are killed at seeded random points. Afterwards the service must
// hold what the clients were told (support/chaos_load.hpp lists the invariants).
// The seed is printed; OTPGATE_CHAOS_SEED replays a run.
// Part of scripts/test (about 20 s); `e2e_tests "[chaos]"` runs it alone.
// scripts/bench-faults runs the same test for minutes with a fixed schedule instead (a stall of
// OTPGATE_CHAOS_STALL_MS every OTPGATE_CHAOS_PERIOD_MS for OTPGATE_CHAOS_SECONDS, clients that
// wait as Retry-After says) and reads the figures it prints.
#include "e2e_helpers.hpp"

#include "support/chaos_load.hpp"
#include "support/redis_server.hpp"

#include <signal.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <thread>

using namespace otpgate::test;
using namespace std::chrono_literals;

namespace {

std::uint64_t chaos_seed() {
  if (const char* s = std::getenv("OTPGATE_CHAOS_SEED")) return std::stoull(s);
  return static_cast<std::uint64_t>(std::random_device{}());
}

long env_ms(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::stol(v) : fallback;
}

// The bench's schedule (0: the test's random faults).
struct FixedStalls {
  std::chrono::milliseconds stall{env_ms("OTPGATE_CHAOS_STALL_MS", 0)};
  std::chrono::milliseconds period{env_ms("OTPGATE_CHAOS_PERIOD_MS", 5000)};
  bool on() const { return stall.count() > 0; }
};

pid_t redis_pid(const RedisServer& redis) {
  const std::string info = redis.cli({"INFO", "server"});
  const auto at = info.find("process_id:");
  return at == std::string::npos ? -1 : std::stoi(info.substr(at + 11));
}

// Until `stop`: every 200-700 ms, either stops Redis for 50-600 ms (the link's command timeout
// is 200 ms: some commands time out with their outcome unknown, some only wait) or kills the
// service's connections to it.
void inject_faults(const RedisServer& redis, std::uint64_t seed, const std::atomic<bool>& stop,
                   int& faults) {
  std::mt19937_64 rng(seed);
  const pid_t pid = redis_pid(redis);
  if (const FixedStalls fixed; fixed.on()) {
    for (auto next = std::chrono::steady_clock::now() + fixed.period; !stop.load();
         next += fixed.period) {
      std::this_thread::sleep_until(next);
      if (stop.load()) break;
      ++faults;
      ::kill(pid, SIGSTOP);
      std::this_thread::sleep_for(fixed.stall);
      ::kill(pid, SIGCONT);
    }
    return;
  }
  auto ms = [&](int lo, int hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  while (!stop.load()) {
    std::this_thread::sleep_for(ms(200, 700));
    if (stop.load()) break;
    ++faults;
    if (rng() % 4 != 0) {
      ::kill(pid, SIGSTOP);
      std::this_thread::sleep_for(ms(50, 600));
      ::kill(pid, SIGCONT);
    } else {
      redis.cli({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
    }
  }
}

}  // namespace

TEST_CASE("chaos: Redis stalls and cuts under load, and every answer a client got stays true",
          "[e2e][chaos]") {
  const std::uint64_t seed = chaos_seed();
  std::cout << "chaos seed " << seed << " (OTPGATE_CHAOS_SEED to replay)" << std::endl;
  INFO("seed " << seed);
  RedisServer redis;
  TempBrands brands;
  const std::string brand = unique_brand("chaos");
  brands.add(brand, R"({"display_name":"Chaos","sender_id":"Chaos","locales":["en"],
      "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
      "limits":{"phone_sends_per_10_minutes":100,"phone_sends_per_day":10,
                 "brand_sends_per_minute":100000,"prefix_sends_per_hour":0},
      "pumping":{"factor":0},
      "code":{"max_attempts":4,"max_sends":5,"resend_cooldown_seconds":0}})");
  brands.add_key("shop", brand, "shop");
  brands.add_key("support", brand, "support");
  OtpgateOptions o = brands.options();
  o.redis_port = redis.port();
  // The test's short timeout makes most stalls outlast it; the bench uses the default.
  o.env["OTPGATE_REDIS_TIMEOUT_MS"] = std::to_string(env_ms("OTPGATE_CHAOS_REDIS_TIMEOUT_MS", 200));
  OtpgateProcess p(o);

  const ChaosTarget target{.base_url = p.base_url(),
                           .shop_key = brands.key("shop"),
                           .support_key = brands.key("support"),
                           .brand = brand,
                           .outbox_path = p.outbox_path(),
                           .phone_sends_per_day = 10};
  ChaosOptions options;
  options.seed = seed;
  options.duration = std::chrono::seconds(env_ms("OTPGATE_CHAOS_SECONDS", 8));
  options.honor_retry_after = FixedStalls{}.on();
  std::atomic<bool> stop{false};
  int faults = 0;
  std::thread chaos([&] { inject_faults(redis, seed, stop, faults); });
  const ChaosReport report = run_chaos_load(target, options);
  stop = true;
  chaos.join();
  INFO("otpgate log tail:\n" << p.log_tail());
  REQUIRE(p.wait_ready(10s));

  std::cout << "chaos: " << report.flows.size() << " flows, " << report.requests << " requests, "
            << report.answered_503 << " answered 503, " << faults << " faults; "
            << report.retried_after_503 << " requests saw a 503, " << report.done_by_first_retry
            << " of them done by their first retry; p50 " << percentile(report.ok_latencies_ms, 50)
            << " ms, p99 " << percentile(report.ok_latencies_ms, 99) << " ms of 2xx answers"
            << std::endl;
  CHECK(faults > 0);
  CHECK(report.answered_503 > 0);  // the faults were felt
  CHECK(report.gave_up == 0);
  // Unsent SMS are marked send_failed once their deadline passes: the check may wait for that.
  std::vector<std::string> violations = chaos_violations(target, report);
  const auto only_unsent = [&] {
    return std::all_of(violations.begin(), violations.end(), [](const std::string& v) {
      return v.find("SMS unsent") != std::string::npos;
    });
  };
  for (int i = 0; i < 40 && !violations.empty() && only_unsent(); ++i) {
    std::this_thread::sleep_for(500ms);
    violations = chaos_violations(target, report);
  }
  std::cout << "chaos: " << violations.size() << " invariant violations" << std::endl;
  for (const auto& v : violations) UNSCOPED_INFO(v);
  CHECK(violations.empty());
}
