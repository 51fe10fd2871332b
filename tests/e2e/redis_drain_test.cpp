// The real binary behind a FaultProxy in front of Redis: a request whose Redis reply is held
// past OTPGATE_REDIS_TIMEOUT_MS answers 503 with Retry-After; the binary serves again on a fresh
// connection while the old one drains, and the held reply, released, is counted as late
// (otpgate_redis_late_replies_total) before the old connection closes.
#include "e2e_helpers.hpp"

#include "support/fault_proxy.hpp"
#include "support/metrics_text.hpp"
#include "support/redis_server.hpp"

#include <functional>
#include <thread>

using namespace otpgate::test;
using namespace std::chrono_literals;

namespace {

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

double late_replies(const OtpgateProcess& p) {
  const auto r = http_get(p.base_url() + "/metrics");
  return sample(r.body, "otpgate_redis_late_replies_total").value_or(-1);
}

}  // namespace

TEST_CASE("a Redis reply held past the timeout: 503, a fresh connection, the late reply counted",
          "[e2e][redis-outage][drain]") {
  RedisServer redis;
  FaultProxy proxy(redis.port());
  OtpgateOptions o;
  o.redis_port = proxy.port();
  o.env["OTPGATE_THREADS"] = "1";  // one link: every request and count goes through it
  o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "300";
  o.env["OTPGATE_REDIS_DRAIN_MS"] = "10000";
  OtpgateProcess p(o);
  REQUIRE(p.wait_ready());
  REQUIRE(start_verification(p, fresh_phone()).status == 201);
  const double late_before = late_replies(p);
  CHECK(late_before >= 0);
  REQUIRE(proxy.counters().open == 1);

  proxy.hold_replies(FaultProxy::Scope::open);  // the link's reconnect passes
  const auto held = start_verification(p, fresh_phone());
  CHECK(held.status == 503);
  CHECK(held.json()["code"] == "SERVICE_UNAVAILABLE");
  CHECK(held.header("retry-after") == "1");

  // Served again on a new connection while the old one, still open, waits for its replies.
  REQUIRE(p.wait_ready(10s));
  CHECK(start_verification(p, fresh_phone()).status == 201);
  CHECK(proxy.counters().accepted == 2);
  CHECK(proxy.counters().open == 2);
  CHECK(late_replies(p) == late_before);

  proxy.pass();
  CHECK(eventually([&] { return late_replies(p) > late_before; }));
  CHECK(eventually([&] { return proxy.counters().open == 1; }));
  CHECK(p.running());
}
