// Retries of check, resend and cancel on the real binary (docs/api.md, "Retries"): with an
// Idempotency-Key a retry tells what the first request did, also when Redis performed it but
// its answer came too late (503); without one, GET tells.
#include "e2e_helpers.hpp"

#include "support/redis_server.hpp"
#include "support/unique_names.hpp"

#include <thread>

using namespace otpgate::test;
using namespace std::chrono_literals;

namespace {

HttpResponse act(const OtpgateProcess& p, const std::string& id, const std::string& action,
                 const nlohmann::json& body, const std::string& idempotency_key,
                 const std::string& api_key = shop_key()) {
  Headers h = {bearer(api_key)};
  if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
  return http_post_json(p.base_url() + "/v1/verifications/" + id + "/" + action, body, h);
}

HttpResponse check_with(const OtpgateProcess& p, const std::string& id, const std::string& code,
                        const std::string& idempotency_key) {
  return act(p, id, "check", {{"code", code}}, idempotency_key);
}

nlohmann::json get_verification(const OtpgateProcess& p, const std::string& id) {
  const auto r = http_get(p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
  REQUIRE(r.status == 200);
  return r.json();
}

std::string started(const OtpgateProcess& p) {
  const auto r = start_verification(p, fresh_phone());
  REQUIRE(r.status == 201);
  return r.json()["id"];
}

std::string wrong_code(const std::string& right) {
  return right == "000000" ? "111111" : "000000";
}

}  // namespace

TEST_CASE("a right-code check answered 503 while Redis stalled: its retry answers 200 approved",
          "[e2e][retry]") {
  RedisServer redis;
  OtpgateOptions o;
  o.redis_port = redis.port();
  o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "300";
  OtpgateProcess p(o);
  // A first check loads check.lua into this Redis: the stalled one below is an EVALSHA that
  // runs as soon as Redis resumes.
  const std::string warm = started(p);
  REQUIRE(check_with(p, warm, wrong_code(code_from_outbox(p, warm)), "").status == 422);
  const std::string id = started(p);
  const std::string code = code_from_outbox(p, id);
  const std::string key = "check-" + id;

  redis.pause();
  const auto lost = check_with(p, id, code, key);
  redis.resume();
  REQUIRE(lost.status == 503);
  REQUIRE(p.wait_ready(10s));
  // Redis ran the check after all: GET tells the truth, with the time of the approval.
  const auto v = get_verification(p, id);
  CHECK(v["status"] == "approved");
  const nlohmann::json approved_at = v.value("approved_at", nlohmann::json());
  CHECK(approved_at.is_string());

  const auto retry = check_with(p, id, code, key);
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(retry.json()["status"] == "approved");
  CHECK(retry.json().value("approved_at", nlohmann::json()) == approved_at);
  // Without the key, the same retry cannot tell its own approval from another's.
  require_error(check_with(p, id, code, ""), 409, "VERIFICATION_NOT_PENDING");
}

TEST_CASE("a retried wrong check answers the same 422 and uses one attempt", "[e2e][retry]") {
  OtpgateProcess p;
  const std::string id = started(p);
  const std::string wrong = wrong_code(code_from_outbox(p, id));
  const int attempts = get_verification(p, id)["attempts_left"];
  const auto first = check_with(p, id, wrong, "wrong-" + id);
  REQUIRE(first.status == 422);
  CHECK(first.header("idempotent-replayed").empty());
  const auto retry = check_with(p, id, wrong, "wrong-" + id);
  CHECK(retry.status == 422);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(retry.json()["attempts_left"] == first.json()["attempts_left"]);
  CHECK(get_verification(p, id)["attempts_left"] == attempts - 1);
  // The key with another code: 409, and still one attempt used.
  const auto reused = check_with(p, id, code_from_outbox(p, id), "wrong-" + id);
  require_error(reused, 409, "IDEMPOTENCY_KEY_REUSED");
  CHECK(get_verification(p, id)["status"] == "pending");
  CHECK(get_verification(p, id)["attempts_left"] == attempts - 1);
}

TEST_CASE("a retried resend sends one SMS and a retried cancel answers the first outcome",
          "[e2e][retry]") {
  TempBrands brands;
  const std::string brand = unique_brand("retry");
  brands.add(brand, R"({"display_name":"Retry","sender_id":"Retry","locales":["en"],
    "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
    "code":{"resend_cooldown_seconds":0}})");
  brands.add_key("shop", brand, "shop");
  OtpgateProcess p(brands.options());
  const std::string shop = brands.key("shop");
  const auto created = create_as(p, shop, {{"phone_number", fresh_phone()}});
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const auto sms = [&] {
    int n = 0;
    for (const auto& line : p.outbox_lines()) n += line.value("verification_id", "") == id;
    return n;
  };
  REQUIRE(sms() == 1);
  const auto first = act(p, id, "resend", nlohmann::json::object(), "resend-1", shop);
  REQUIRE(first.status == 200);
  const auto retry = act(p, id, "resend", nlohmann::json::object(), "resend-1", shop);
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(retry.json()["sends_left"] == first.json()["sends_left"]);
  CHECK(sms() == 2);

  const auto cancelled = act(p, id, "cancel", nlohmann::json::object(), "cancel-1", shop);
  REQUIRE(cancelled.status == 200);
  const auto again = act(p, id, "cancel", nlohmann::json::object(), "cancel-1", shop);
  CHECK(again.status == 200);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json()["status"] == "cancelled");
  require_error(act(p, id, "cancel", nlohmann::json::object(), "", shop), 409,
                "VERIFICATION_NOT_PENDING");
}

TEST_CASE("another API key with the same Idempotency-Key does not see the first's outcome",
          "[e2e][retry]") {
  TempBrands brands;
  const std::string brand = unique_brand("scope");
  brands.add(brand, R"({"display_name":"Scope","sender_id":"Scope","locales":["en"],
    "default_locale":"en","allowed_countries":["DE"],"gateways":["file"]})");
  brands.add_key("shop", brand, "shop");
  brands.add_key("till", brand, "shop");
  brands.add_key("other", "*", "shop");
  OtpgateProcess p(brands.options());
  const auto created = create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}});
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string code = code_from_outbox(p, id);
  const nlohmann::json wrong = {{"code", wrong_code(code)}};
  REQUIRE(act(p, id, "check", wrong, "same-key", brands.key("shop")).status == 422);
  // The brand's other key, and an all-brands key: their own entries, so the right code
  // approves once (and is then not pending) instead of replaying the first's 422 or conflicting.
  const auto till = act(p, id, "check", {{"code", code}}, "same-key", brands.key("till"));
  CHECK(till.status == 200);
  CHECK(till.header("idempotent-replayed").empty());
  const auto other = act(p, id, "check", {{"code", code}}, "same-key", brands.key("other"));
  require_error(other, 409, "VERIFICATION_NOT_PENDING");
  // The first key still hears its own answer.
  const auto replay = act(p, id, "check", wrong, "same-key", brands.key("shop"));
  CHECK(replay.status == 422);
  CHECK(replay.header("idempotent-replayed") == "true");
}

TEST_CASE("a malformed or oversized Idempotency-Key on an action is 400 and changes nothing",
          "[e2e][retry]") {
  OtpgateProcess p;
  const std::string id = started(p);
  const std::string wrong = wrong_code(code_from_outbox(p, id));
  const int attempts = get_verification(p, id)["attempts_left"];
  for (const std::string& bad : {std::string(256, 'k'), std::string("two words")}) {
    require_error(check_with(p, id, wrong, bad), 400, "INVALID_ARGUMENT", "Idempotency-Key");
    require_error(act(p, id, "cancel", nlohmann::json::object(), bad), 400, "INVALID_ARGUMENT",
                  "Idempotency-Key");
  }
  CHECK(get_verification(p, id)["attempts_left"] == attempts);
  CHECK(get_verification(p, id)["status"] == "pending");
}

// Two values would be two requests: the service cannot tell which one the client meant to
// retry (before: the first one won, so the same call with the headers swapped was another
// create and another SMS).
TEST_CASE("an Idempotency-Key sent twice is 400 on create and on an action and changes nothing",
          "[e2e][retry]") {
  OtpgateProcess p;
  const std::string phone = fresh_phone();
  const Headers twice = {bearer(shop_key()), {"Idempotency-Key", "one"},
                         {"Idempotency-Key", "two"}};
  require_error(http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}},
                               twice),
                400, "INVALID_ARGUMENT", "Idempotency-Key");
  CHECK(p.outbox_lines().empty());
  const std::string id = started(p);
  const std::string wrong = wrong_code(code_from_outbox(p, id));
  const int attempts = get_verification(p, id)["attempts_left"];
  require_error(http_post_json(p.base_url() + "/v1/verifications/" + id + "/check",
                               {{"code", wrong}}, twice),
                400, "INVALID_ARGUMENT", "Idempotency-Key");
  require_error(http_post_json(p.base_url() + "/v1/verifications/" + id + "/cancel",
                               nlohmann::json::object(), twice),
                400, "INVALID_ARGUMENT", "Idempotency-Key");
  CHECK(get_verification(p, id)["attempts_left"] == attempts);
  CHECK(get_verification(p, id)["status"] == "pending");
}
