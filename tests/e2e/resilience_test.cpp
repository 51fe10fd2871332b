// Faults and lifecycle on the real binary: Redis going away and coming back, idempotent
// creates, invalid configuration, graceful shutdown.
#include "e2e_helpers.hpp"

#include "support/redis_server.hpp"

#include <signal.h>

#include <thread>

using namespace otpgate::test;
using namespace std::chrono_literals;

namespace {

// Polls until pred() or the deadline; returns pred()'s last value.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

}  // namespace

TEST_CASE("Redis restarted: 503 with Retry-After meanwhile, service again after",
          "[e2e][redis-outage]") {
  RedisServer redis;
  OtpgateOptions o;
  o.redis_port = redis.port();
  OtpgateProcess p(o);
  REQUIRE(p.wait_ready());
  REQUIRE(start_verification(p, fresh_phone()).status == 201);

  redis.stop();
  REQUIRE(eventually([&] { return http_get(p.base_url() + "/readyz").status == 503; }));
  const auto during = start_verification(p, fresh_phone());
  CHECK(during.status == 503);
  CHECK(during.json()["code"] == "SERVICE_UNAVAILABLE");
  CHECK(!during.header("retry-after").empty());
  CHECK(http_get(p.base_url() + "/healthz").status == 200);  // alive, just not ready

  redis.start();
  CHECK(p.wait_ready(10s));
  CHECK(eventually([&] { return start_verification(p, fresh_phone()).status == 201; }));
  CHECK(p.running());
}

TEST_CASE("ready only when every io thread's Redis link is up", "[e2e][redis-outage][readyz]") {
  // Redis takes one client: one of the two io threads connects, the other is refused and keeps
  // retrying. A request on that thread would get 503, so the process is not ready yet.
  RedisServer redis;
  redis.cli({"CONFIG", "SET", "maxclients", "1"});
  OtpgateOptions o;
  o.redis_port = redis.port();
  o.env["OTPGATE_THREADS"] = "2";
  o.wait_ready = false;
  OtpgateProcess p(o);
  REQUIRE(eventually([&] { return p.log_text().find("redis connected") != std::string::npos; }));
  int ready = 0;
  for (int i = 0; i < 20; ++i) ready += http_get(p.base_url() + "/readyz").status == 200 ? 1 : 0;
  CHECK(ready == 0);
  // Restarted with its default limit, Redis takes both links.
  redis.stop();
  redis.start();
  CHECK(p.wait_ready(10s));
}

TEST_CASE("Redis hung mid-load: 503s, then every acknowledged verification is still there",
          "[e2e][redis-outage]") {
  RedisServer redis;
  OtpgateOptions o;
  o.redis_port = redis.port();
  o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "300";
  OtpgateProcess p(o);
  REQUIRE(p.wait_ready());
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> unavailable{0}, other{0};
  std::mutex m;
  std::thread load([&] {
    while (!stop.load()) {
      const auto r = start_verification(p, fresh_phone());
      if (r.status == 201) {
        std::lock_guard lock(m);
        acknowledged.push_back(r.json()["id"]);
      } else if (r.status == 503) {
        ++unavailable;
      } else {
        ++other;
      }
    }
  });
  std::this_thread::sleep_for(300ms);
  const int pid = std::stoi(
      redis.cli({"INFO", "server"}).substr(redis.cli({"INFO", "server"}).find("process_id:") + 11));
  ::kill(pid, SIGSTOP);  // Redis stops answering but keeps its data
  std::this_thread::sleep_for(1500ms);
  ::kill(pid, SIGCONT);
  REQUIRE(p.wait_ready(10s));
  std::this_thread::sleep_for(300ms);
  stop.store(true);
  load.join();
  CHECK(unavailable.load() > 0);
  CHECK(other.load() == 0);
  REQUIRE(!acknowledged.empty());
  for (const auto& id : acknowledged) {
    const auto r = http_get(p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
    INFO(id);
    CHECK(r.status == 200);
  }
}

TEST_CASE("Idempotency-Key: a repeat returns the first answer and sends no second SMS",
          "[e2e][idempotency]") {
  OtpgateProcess p;
  const std::string phone = fresh_phone();
  const Headers key = {{"Idempotency-Key", "order-4711-attempt-1"}};
  const auto first = start_verification(p, phone, key);
  REQUIRE(first.status == 201);
  const auto second = start_verification(p, phone, key);
  REQUIRE(second.status == 200);
  CHECK(second.header("idempotent-replayed") == "true");
  CHECK(second.json()["id"] == first.json()["id"]);
  CHECK(p.outbox_lines().size() == 1);
  const auto other_body =
      http_post_json(p.base_url() + "/v1/verifications",
                     {{"phone_number", phone}, {"locale", "en"}}, {bearer(shop_key()), key[0]});
  CHECK(other_body.status == 409);
  CHECK(other_body.json()["code"] == "IDEMPOTENCY_KEY_REUSED");
  const auto bad_key = start_verification(p, phone, {{"Idempotency-Key", std::string(300, 'k')}});
  CHECK(bad_key.status == 400);
  CHECK(p.outbox_lines().size() == 1);
}

TEST_CASE("Idempotency-Key compares the parsed request, not its bytes", "[e2e][idempotency]") {
  OtpgateProcess p;
  const std::string phone = fresh_phone();
  const Headers h = {
      bearer(shop_key()), {"Idempotency-Key", "order-4712"}, {"Content-Type", "application/json"}};
  const std::string url = p.base_url() + "/v1/verifications";
  const auto first =
      http_request("POST", url, h, R"({"phone_number":")" + phone + R"(","locale":"en"})");
  REQUIRE(first.status == 201);
  const auto reordered = http_request(
      "POST", url, h, "{ \"locale\" : \"en\",\n  \"phone_number\": \"" + phone + "\" }");
  CHECK(reordered.status == 200);
  CHECK(reordered.header("idempotent-replayed") == "true");
  CHECK(reordered.json()["id"] == first.json()["id"]);
  const auto changed =
      http_request("POST", url, h, R"({"phone_number":")" + phone + R"(","locale":"de"})");
  CHECK(changed.status == 409);
  CHECK(p.outbox_lines().size() == 1);
}

TEST_CASE("a port another otpgate listens on stops start-up, and the first keeps all traffic",
          "[e2e][config]") {
  OtpgateProcess first;
  OtpgateOptions o;
  o.env["OTPGATE_LISTEN"] = "127.0.0.1:" + std::to_string(first.port());
  o.wait_healthy = false;
  OtpgateProcess second(o);
  const auto status = second.wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(*status != 0);
  CHECK(second.log_text().find("another process listens on that port") != std::string::npos);
  for (int i = 0; i < 6; ++i) REQUIRE(start_verification(first, fresh_phone()).status == 201);
  CHECK(first.outbox_lines().size() == 6);
}

TEST_CASE("an invalid brand file stops start-up naming file, field and reason", "[e2e][config]") {
  TempBrands brands;
  brands.add("broken", R"({"display_name":"Broken","sender_id":"Broken","locales":["en"],
    "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
    "code":{"length":12}})");
  auto o = brands.options();
  o.wait_healthy = false;
  OtpgateProcess p(o);
  const auto status = p.wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  const std::string log = p.log_text();
  CHECK(log.find("broken/brand.json") != std::string::npos);
  CHECK(log.find("/code/length") != std::string::npos);
  CHECK(log.find("at most 10") != std::string::npos);
}

TEST_CASE("start-up refuses a missing secret and an unknown gateway", "[e2e][config]") {
  {
    OtpgateOptions o;
    o.unset = {"OTPGATE_SECRET"};
    o.wait_healthy = false;
    OtpgateProcess p(o);
    CHECK(p.wait_exit(10s) == std::optional<int>(2));
    CHECK(p.log_text().find("OTPGATE_SECRET") != std::string::npos);
  }
  TempBrands brands;
  brands.add("nogw", R"({"display_name":"No GW","sender_id":"NoGW","locales":["en"],
    "default_locale":"en","allowed_countries":["DE"],"gateways":["pigeon"]})");
  auto o = brands.options();
  o.wait_healthy = false;
  OtpgateProcess p(o);
  CHECK(p.wait_exit(10s) == std::optional<int>(2));
  CHECK(p.log_text().find("unknown gateway pigeon") != std::string::npos);
}

TEST_CASE("OTPGATE_LOG_LEVEL: warn drops access lines, an unknown level stops start-up",
          "[e2e][config]") {
  {
    OtpgateOptions o;
    o.env["OTPGATE_LOG_LEVEL"] = "warn";
    OtpgateProcess p(o);
    REQUIRE(start_verification(p, fresh_phone()).status == 201);
    REQUIRE(p.stop(SIGTERM));
    REQUIRE(p.wait_exit(10s).has_value());
    CHECK(p.log_text().find("\"msg\":\"request\"") == std::string::npos);
  }
  {
    OtpgateProcess p;  // info, the default, has them
    REQUIRE(start_verification(p, fresh_phone()).status == 201);
    REQUIRE(p.stop(SIGTERM));
    REQUIRE(p.wait_exit(10s).has_value());
    CHECK(p.log_text().find("\"msg\":\"request\"") != std::string::npos);
  }
  OtpgateOptions o;
  o.env["OTPGATE_LOG_LEVEL"] = "loud";
  o.wait_healthy = false;
  OtpgateProcess p(o);
  CHECK(p.wait_exit(10s) == std::optional<int>(2));
  CHECK(p.log_text().find("OTPGATE_LOG_LEVEL") != std::string::npos);
}

TEST_CASE("SIGTERM finishes in-flight work and exits cleanly", "[e2e][shutdown]") {
  OtpgateProcess p;
  REQUIRE(start_verification(p, fresh_phone()).status == 201);
  RawConnection idle(p.port());  // an idle keep-alive connection must not delay the exit
  REQUIRE(p.stop(SIGTERM));
  const auto status = p.wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  CHECK(p.log_text().find("otpgate stopped") != std::string::npos);
}

// hiredis writes to its socket with plain send(): when Redis drops a connection (CLIENT KILL, a
// restart) while a command is queued, the write raises SIGPIPE, whose default action killed the
// process (the chaos suite found it). The signal itself stands in for that race here.
TEST_CASE("SIGPIPE does not stop the service", "[e2e][shutdown]") {
  OtpgateProcess p;
  REQUIRE(p.wait_ready());
  REQUIRE(p.process().signal(SIGPIPE));
  std::this_thread::sleep_for(200ms);
  REQUIRE(p.running());
  CHECK(start_verification(p, fresh_phone()).status == 201);
}
