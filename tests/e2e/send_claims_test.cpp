// Send claims on the real binary with a private Redis (docs/architecture.md, "A create's
// faults"): a create or a resend that answered 503 while Redis stood still, whose script Redis
// ran when it resumed, gives its claim back, so the retry with the same Idempotency-Key sends
// the SMS at once (not after the claim runs out), exactly once, and a resend
// is never replayed as sent when nothing was sent.
#include "e2e_helpers.hpp"

#include "support/redis_server.hpp"
#include "support/unique_names.hpp"

#include <thread>

using namespace otpgate::test;
using namespace std::chrono_literals;

namespace {

// A brand whose claims last 80 s (a 55 s delivery deadline, plus 25 s), with no resend
// cooldown, on a private Redis with short command timeouts.
struct ClaimWorld {
  TempBrands brands;
  std::string brand = unique_brand("claim");
  RedisServer redis;
  ClaimWorld() {
    brands.add(brand, R"({"display_name":"Claim","sender_id":"Claim","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
        "code":{"resend_cooldown_seconds":0},
        "delivery":{"deadline_ms":55000,"attempt_timeout_ms":5000,"retries":0}})");
    brands.add_key("shop", brand, "shop");
  }
  OtpgateOptions options() const {
    OtpgateOptions o = brands.options();
    o.redis_port = redis.port();
    o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "300";
    return o;
  }
  HttpResponse create(const OtpgateProcess& p, const std::string& phone,
                      const std::string& key) const {
    const Headers h = {bearer(brands.key("shop")), {"Idempotency-Key", key}};
    return http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}}, h);
  }
  HttpResponse resend(const OtpgateProcess& p, const std::string& id,
                      const std::string& key) const {
    const Headers h = {bearer(brands.key("shop")), {"Idempotency-Key", key}};
    return http_post_json(p.base_url() + "/v1/verifications/" + id + "/resend",
                          nlohmann::json::object(), h);
  }
  // What a shop does: again on 409 IDEMPOTENCY_KEY_IN_USE (Retry-After: 1), for at most 10 s:
  // an eighth of the claim a request that will not send would otherwise hold.
  template <class Call>
  HttpResponse retried(Call call) const {
    const auto end = std::chrono::steady_clock::now() + 10s;
    auto r = call();
    while (r.status == 409 && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(250ms);
      r = call();
    }
    return r;
  }
};

int sms_for(const OtpgateProcess& p, const std::string& id) {
  int n = 0;
  for (const auto& line : p.outbox_lines()) n += line.value("verification_id", "") == id;
  return n;
}

}  // namespace

TEST_CASE("a create answered 503 while Redis stood still is sent by its retry without waiting",
          "[e2e][send-claim][idempotency]") {
  ClaimWorld w;
  OtpgateProcess p(w.options());
  REQUIRE(w.create(p, fresh_phone(), "warm-up").status == 201);  // scripts loaded
  const std::string phone = fresh_phone();
  w.redis.pause();
  const auto lost = w.create(p, phone, "order-1");
  w.redis.resume();
  REQUIRE(lost.status == 503);
  REQUIRE(p.wait_ready(10s));
  const auto retry = w.retried([&] { return w.create(p, phone, "order-1"); });
  INFO(retry.body);
  REQUIRE(retry.status == 201);
  CHECK(retry.json()["delivery"]["status"] == "accepted");
  CHECK(sms_to(p, phone) == 1);
  const auto replay = w.create(p, phone, "order-1");
  CHECK(replay.status == 200);
  CHECK(replay.json()["id"] == retry.json()["id"]);
  CHECK(sms_to(p, phone) == 1);
}

TEST_CASE("a resend answered 503 while Redis stood still is sent by its retry, once",
          "[e2e][send-claim][idempotency]") {
  ClaimWorld w;
  OtpgateProcess p(w.options());
  const auto created = w.create(p, fresh_phone(), "order-2");
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  REQUIRE(w.resend(p, id, "warm-up").status == 200);  // resend.lua loaded
  REQUIRE(sms_for(p, id) == 2);
  w.redis.pause();
  const auto lost = w.resend(p, id, "resend-1");
  w.redis.resume();
  REQUIRE(lost.status == 503);
  REQUIRE(p.wait_ready(10s));
  // Redis counted the resend when it resumed; no SMS went out for it.
  CHECK(sms_for(p, id) == 2);
  const auto retry = w.retried([&] { return w.resend(p, id, "resend-1"); });
  INFO(retry.body);
  REQUIRE(retry.status == 200);
  CHECK(sms_for(p, id) == 3);
  const auto replay = w.resend(p, id, "resend-1");
  CHECK(replay.status == 200);
  CHECK(replay.header("idempotent-replayed") == "true");
  CHECK(replay.json()["sends_left"] == retry.json()["sends_left"]);
  CHECK(sms_for(p, id) == 3);
}
