// A send a gateway took while Redis went away is recorded when Redis is back, before any retry
// may take the send over (docs/architecture.md, "A create's faults"): the claim outlasts the
// background recording, so the retry replays the first send instead of sending the code again.
// The reviewer's case: Redis unreachable for longer than the brand's delivery deadline plus
// 5 s (the claim's length before) gave the customer a second SMS of the same resend.
#include "fault_world.hpp"

#include "support/fault_proxy.hpp"
#include "support/redis_server.hpp"

#include <signal.h>

#include <thread>

using namespace otpgate::test;
using namespace otpgate::test::fault_e2e;
using namespace std::chrono_literals;

namespace {

// A private Redis behind a proxy the test cuts, a gateway that holds each SMS 1.5 s, and a brand
// with a 3 s delivery deadline and no resend cooldown (the shutdown grace is the default 10 s
// unless `env` says otherwise).
using Env = std::map<std::string, std::string>;

struct SlowSendWorld {
  explicit SlowSendWorld(const Env& env = {}) : w(world(env)) {}

  RedisServer redis;
  FaultProxy proxy{redis.port()};
  FakeHttpServer slow{[](const RecordedRequest& r) {
    FakeReply reply = gateway_e2e::twilio_accepts(r);
    reply.delay = 1500ms;
    return reply;
  }};
  OwnBrandWorld w;

 private:
  OwnBrandWorld world(Env env) {
    env["OTPGATE_REDIS"] = "127.0.0.1:" + std::to_string(proxy.port());
    env.emplace("OTPGATE_REDIS_TIMEOUT_MS", "300");
    return OwnBrandWorld{{{"tw", gateway_e2e::twilio_gateway(slow)}},
                         {"tw"},
                         env,
                         {{"retries", 0}, {"attempt_timeout_ms", 2500}, {"deadline_ms", 3000}},
                         {{"resend_cooldown_seconds", 0}}};
  }
};

// A keyed resend whose SMS the gateway took while the proxy refuses Redis: answered 503, its
// record waiting in the background. Answers the resend's URL path and its headers.
std::pair<std::string, Headers> resend_sent_unrecorded(SlowSendWorld& world) {
  OwnBrandWorld& w = world.w;
  REQUIRE(w.otpgate->wait_ready());
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const Headers h = {bearer(w.brands.key("shop")), {"Idempotency-Key", "stop-" + id}};
  const std::string url = "/v1/verifications/" + id + "/resend";
  std::thread outage([&] {
    std::this_thread::sleep_for(500ms);
    world.proxy.refuse(true);
    world.proxy.cut();
  });
  const auto first = http_post_json(w.otpgate->base_url() + url, nlohmann::json::object(), h);
  outage.join();
  CHECK(first.status == 503);
  REQUIRE(world.slow.request_count() == 2);
  return {url, h};
}

// Waits for the stopped process to exit; answers its `sent SMS not recorded: shutting down`
// lines.
std::vector<nlohmann::json> unrecorded_at_exit(OwnBrandWorld& w) {
  const auto exited = w.otpgate->wait_exit(15s);
  REQUIRE(exited.has_value());
  return w.log_lines("sent SMS not recorded: shutting down");
}

}  // namespace

TEST_CASE("a resend sent while Redis was unreachable is recorded and its retry replays it",
          "[e2e][send-claim][fault]") {
  SlowSendWorld world;
  FaultProxy& proxy = world.proxy;
  FakeHttpServer& slow = world.slow;
  OwnBrandWorld& w = world.w;
  REQUIRE(w.otpgate->wait_ready());
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const int sends_left = created.json()["sends_left"];
  const Headers h = {bearer(w.brands.key("shop")), {"Idempotency-Key", "resend-" + id}};
  const std::string url = w.otpgate->base_url() + "/v1/verifications/" + id + "/resend";

  // Redis goes away while the gateway holds the SMS: the send happens, its record cannot.
  std::thread outage([&] {
    std::this_thread::sleep_for(500ms);
    proxy.refuse(true);
    proxy.cut();
  });
  const auto start = std::chrono::steady_clock::now();
  const auto first = http_post_json(url, nlohmann::json::object(), h);
  outage.join();
  CHECK(first.status == 503);
  REQUIRE(slow.request_count() == 2);  // the create's SMS and this resend's
  // Back after the old claim (3 s + 5 s) had run out.
  std::this_thread::sleep_until(start + 9500ms);
  proxy.refuse(false);

  // The shop retries every 200 ms, as long as it hears 503 or 409 IDEMPOTENCY_KEY_IN_USE.
  HttpResponse retry;
  const auto end = std::chrono::steady_clock::now() + 30s;
  do {
    std::this_thread::sleep_for(200ms);
    retry = http_post_json(url, nlohmann::json::object(), h);
  } while ((retry.status == 503 || retry.status == 409) && std::chrono::steady_clock::now() < end);
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(slow.request_count() == 2);  // no second SMS for the one resend
  const auto got =
      http_get(w.otpgate->base_url() + "/v1/verifications/" + id, {bearer(w.brands.key("shop"))});
  REQUIRE(got.status == 200);
  CHECK(got.json()["sends_left"] == sends_left - 1);
  CHECK(got.json()["delivery"]["status"] == "accepted");
}

// A graceful stop (SIGTERM) waits for the sends its io threads still record in the background,
// within its grace (before: the record was dropped, the claim stayed unsettled, and the retry
// sent the code again once it ran out).
TEST_CASE("a stop waits for a sent resend's recording and its retry after a restart replays it",
          "[e2e][send-claim][fault][shutdown]") {
  SlowSendWorld world;
  FaultProxy& proxy = world.proxy;
  FakeHttpServer& slow = world.slow;
  OwnBrandWorld& w = world.w;
  const auto [url, h] = resend_sent_unrecorded(world);
  // Stopped while the record waits for Redis, which comes back a second later.
  REQUIRE(w.otpgate->stop(SIGTERM));
  std::this_thread::sleep_for(1s);
  proxy.refuse(false);
  const auto exited = w.otpgate->wait_exit(15s);
  REQUIRE(exited.has_value());
  CHECK(*exited == 0);

  w.restart();
  REQUIRE(w.otpgate->wait_ready());
  const auto retry = http_post_json(w.otpgate->base_url() + url, nlohmann::json::object(), h);
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(slow.request_count() == 2);
}

// Redis back 2 s before the resend's claim runs out: the recording lands first, so the retry
// replays it. The return is timed just after a refused reconnect of the (one) Redis link:
// with a 2 s reconnect backoff (before) the link came back only after the claim had run out,
// the retry took the send over and the customer got the code twice.
TEST_CASE("a resend recorded just before its claim runs out is replayed, not sent again",
          "[e2e][send-claim][fault]") {
  SlowSendWorld world(Env{{"OTPGATE_THREADS", "1"}});
  const auto start = std::chrono::steady_clock::now();
  const auto [url, h] = resend_sent_unrecorded(world);
  OwnBrandWorld& w = world.w;
  // The claim: two 300 ms command deadlines and 3 s, the 3 s delivery deadline, 20 s to record.
  const auto claim_end = start + 3600ms + 3000ms + 20000ms;
  std::this_thread::sleep_until(claim_end - 2500ms);
  const std::size_t refused = world.proxy.counters().refused;
  while (world.proxy.counters().refused == refused) std::this_thread::sleep_for(5ms);
  REQUIRE(std::chrono::steady_clock::now() < claim_end - 1500ms);  // the link still retries
  world.proxy.refuse(false);

  HttpResponse retry;
  do {
    std::this_thread::sleep_for(200ms);
    retry = http_post_json(w.otpgate->base_url() + url, nlohmann::json::object(), h);
  } while ((retry.status == 503 || retry.status == 409) &&
           std::chrono::steady_clock::now() < claim_end + 10s);
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(world.slow.request_count() == 2);
}

// A stop whose grace runs out while a sent SMS still waits to be recorded says so: that send's
// retry will send the code again (before: the line was never written).
TEST_CASE("a stop whose grace ends before a sent SMS is recorded logs it",
          "[e2e][send-claim][fault][shutdown]") {
  SlowSendWorld world(Env{{"OTPGATE_SHUTDOWN_GRACE_MS", "1000"}});
  resend_sent_unrecorded(world);
  OwnBrandWorld& w = world.w;
  REQUIRE(w.otpgate->stop(SIGTERM));
  const auto lines = unrecorded_at_exit(w);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["sends"] == 1);
}

// A second SIGTERM during the grace stops at once (before: ignored, the process waited out
// its grace).
TEST_CASE("a second signal during the stop's grace stops at once",
          "[e2e][send-claim][fault][shutdown]") {
  SlowSendWorld world(Env{{"OTPGATE_SHUTDOWN_GRACE_MS", "120000"}});
  resend_sent_unrecorded(world);
  OwnBrandWorld& w = world.w;
  REQUIRE(w.otpgate->stop(SIGTERM));
  std::this_thread::sleep_for(500ms);
  CHECK_FALSE(w.otpgate->wait_exit(100ms).has_value());  // the grace waits for the record
  REQUIRE(w.otpgate->stop(SIGTERM));
  // Redis still away: the grace had 2 min left.
  CHECK(unrecorded_at_exit(w).size() == 1);
  CHECK(w.log_lines("second signal: stopping now").size() == 1);
}

// The same when the stop comes while the request itself still waits for its send's record
// (a Redis that hangs, a long command timeout): before, only background recordings counted.
TEST_CASE("a stop while a sent create's record call hangs logs it",
          "[e2e][send-claim][fault][shutdown]") {
  SlowSendWorld world(
      Env{{"OTPGATE_SHUTDOWN_GRACE_MS", "1000"}, {"OTPGATE_REDIS_TIMEOUT_MS", "10000"}});
  OwnBrandWorld& w = world.w;
  REQUIRE(w.otpgate->wait_ready());
  // Redis hangs while the gateway holds the SMS; the stop comes once the gateway has taken it.
  std::thread faults([&] {
    std::this_thread::sleep_for(500ms);
    world.proxy.stall();
    std::this_thread::sleep_for(2s);
    w.otpgate->stop(SIGTERM);
  });
  const auto created = w.create(fresh_phone());
  faults.join();
  CHECK(created.status != 201);  // the grace ran out before Redis answered
  CHECK(world.slow.request_count() == 1);
  const auto lines = unrecorded_at_exit(w);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["sends"] == 1);
}
