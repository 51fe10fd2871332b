// Retries of the support unlock on the real binary (docs/api.md, "Retries"): with an
// Idempotency-Key the audit entry is written once per key and a retry answers what the first
// unlock did, also when Redis performed it but the answer came too late (503).
#include "support_world.hpp"

#include "support/fault_proxy.hpp"
#include "support/redis_server.hpp"

#include <sstream>
#include <thread>

using namespace otpgate::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string because = R"({"reason":"Caller identified"})";

// Locks the phone for the world's brand: a verification and three wrong codes.
void lock_phone(const SupportWorld& w, const OtpgateProcess& p, const std::string& phone) {
  const auto created = w.create(p, phone);
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string wrong = wrong_code_for(code_from_outbox(p, id));
  for (int i = 0; i < 3; ++i) REQUIRE(w.check(p, id, wrong).status == 422);
  REQUIRE(w.lookup(p, phone).json()["locked"] == true);
}

// The brand's audit entries of one action.
int audit_entries(const SupportWorld& w, const OtpgateProcess& p, const std::string& action) {
  const auto audit =
      http_get(p.base_url() + "/v1/brands/" + w.brand + "/audit?limit=200", w.as("support"));
  REQUIRE(audit.status == 200);
  const json page = audit.json();  // kept: the loop reads into it
  int n = 0;
  for (const auto& e : page["entries"])
    if (e["action"] == action) ++n;
  return n;
}

int unlock_entries(const SupportWorld& w, const OtpgateProcess& p) {
  return audit_entries(w, p, "subscriber.unlock");
}

// The brand's `unlocked` events in its stream (appended after the answer: waited for, up to 5 s,
// until at least `at_least` are there).
int unlocked_events(unsigned short redis_port, const std::string& brand, int at_least) {
  int n = 0;
  for (int i = 0; i < 50; ++i) {
    const std::string events =
        redis_cli(redis_port, {"XRANGE", "otp:{brand:" + brand + "}:events", "-", "+"});
    std::istringstream lines(events);
    n = 0;
    for (std::string line; std::getline(lines, line);)
      if (line == "unlocked") ++n;
    if (n >= at_least) break;
    std::this_thread::sleep_for(100ms);
  }
  return n;
}

// Keeps Redis busy for `ms` milliseconds (a script that loops on TIME): commands that arrive
// meanwhile wait and run after it. Returns when the script has ended.
void keep_redis_busy(unsigned short redis_port, int ms) {
  const std::string busy =
      "local t = redis.call('TIME') local start = t[1] * 1000 + math.floor(t[2] / 1000) "
      "while true do local n = redis.call('TIME') "
      "if n[1] * 1000 + math.floor(n[2] / 1000) - start >= tonumber(ARGV[1]) then break end end "
      "return 1";
  redis_cli(redis_port, {"EVAL", busy, "0", std::to_string(ms)});
}

std::int64_t audit_length(unsigned short redis_port, const std::string& brand) {
  const std::string n = redis_cli(redis_port, {"XLEN", "otp:{brand:" + brand + "}:audit"});
  return std::strtoll(n.c_str(), nullptr, 10);
}

}  // namespace

TEST_CASE(
    "a retried unlock with its Idempotency-Key answers the first with one entry and one event",
    "[e2e][retry][support]") {
  SupportWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  const std::string key = "unlock-" + phone;
  lock_phone(w, p, phone);

  const auto first = w.unlock(p, phone, because, "support", key);
  REQUIRE(first.status == 200);
  CHECK(first.header("idempotent-replayed").empty());
  CHECK(first.json()["locked"] == false);
  const auto retry = w.unlock(p, phone, because, "support", key);
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(retry.json() == first.json());
  CHECK(unlock_entries(w, p) == 1);
  CHECK(unlocked_events(shared_redis_port(), w.brand, 1) == 1);

  // The key with another reason is another request: 409, and the phone locked again stays so.
  lock_phone(w, p, phone);
  require_error(w.unlock(p, phone, R"({"reason":"Another reason"})", "support", key), 409,
                "IDEMPOTENCY_KEY_REUSED");
  CHECK(w.lookup(p, phone).json()["locked"] == true);
  CHECK(unlock_entries(w, p) == 1);
  // Another API key's request with the same key and reason is its own: it unlocks.
  const auto own = w.unlock(p, phone, because, "support-all", key);
  CHECK(own.status == 200);
  CHECK(own.header("idempotent-replayed").empty());
  CHECK(unlock_entries(w, p) == 2);
  // Malformed: 400 naming the header, nothing written.
  require_error(w.unlock(p, phone, because, "support", "two words"), 400, "INVALID_ARGUMENT",
                "Idempotency-Key");
  CHECK(unlock_entries(w, p) == 2);
}

TEST_CASE("support's retried check and cancel with an Idempotency-Key are audited once",
          "[e2e][retry][support][audit]") {
  SupportWorld w;
  OtpgateProcess p(w.brands.options());
  const auto created = w.create(p, fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string wrong = wrong_code_for(code_from_outbox(p, id));
  const std::string base = p.base_url() + "/v1/verifications/" + id;
  const auto act = [&](const std::string& verb, const json& body, const std::string& key) {
    Headers h = w.as("support");
    h.emplace_back("Idempotency-Key", key);
    return http_post_json(base + "/" + verb, body, h);
  };

  REQUIRE(act("check", {{"code", wrong}}, "chk-1").status == 422);
  const auto replay = act("check", {{"code", wrong}}, "chk-1");
  CHECK(replay.status == 422);
  CHECK(replay.header("idempotent-replayed") == "true");
  CHECK(audit_entries(w, p, "verification.check") == 1);
  // Another key is another check: its own entry.
  REQUIRE(act("check", {{"code", wrong}}, "chk-2").status == 422);
  CHECK(audit_entries(w, p, "verification.check") == 2);

  REQUIRE(act("cancel", json::object(), "cxl-1").status == 200);
  REQUIRE(act("cancel", json::object(), "cxl-1").header("idempotent-replayed") == "true");
  CHECK(audit_entries(w, p, "verification.cancel") == 1);
  // Without a key every request is its own entry, with its own outcome.
  Headers plain = w.as("support");
  CHECK(http_post_json(base + "/cancel", json::object(), plain).status == 409);
  CHECK(audit_entries(w, p, "verification.cancel") == 2);
}

TEST_CASE("an unlock whose audit entry was written after its 503 is finished once by its retry",
          "[e2e][retry][support]") {
  RedisServer redis;
  SupportWorld w;
  OtpgateOptions o = w.brands.options();
  o.redis_port = redis.port();
  o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "300";
  OtpgateProcess p(o);
  // A first keyed unlock loads the unlock's scripts into this Redis: the stalled call below is
  // an EVALSHA that runs as soon as Redis resumes.
  REQUIRE(w.unlock(p, fresh_phone(), because, "support", "warm-" + w.brand).status == 200);
  const std::string phone = fresh_phone();
  const std::string key = "unlock-" + phone;
  lock_phone(w, p, phone);

  redis.pause();
  const auto lost = w.unlock(p, phone, because, "support", key);
  redis.resume();
  REQUIRE(lost.status == 503);
  REQUIRE(p.wait_ready(10s));
  // Redis wrote the entry after all; the unlock itself was never sent.
  CHECK(unlock_entries(w, p) == 2);
  CHECK(w.lookup(p, phone).json()["locked"] == true);

  const auto retry = w.unlock(p, phone, because, "support", key);
  CHECK(retry.status == 200);
  CHECK(retry.json()["locked"] == false);
  CHECK(unlock_entries(w, p) == 2);
  CHECK(unlocked_events(redis.port(), w.brand, 1) == 1);
}

TEST_CASE("an unlock that Redis made after its 503 is replayed to its retry",
          "[e2e][retry][support]") {
  RedisServer redis;
  FaultProxy proxy(redis.port());
  SupportWorld w;
  OtpgateOptions o = w.brands.options();
  o.redis_port = proxy.port();
  o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "1000";
  OtpgateProcess p(o);
  REQUIRE(w.unlock(p, fresh_phone(), because, "support", "warm-" + w.brand).status == 200);
  const std::string phone = fresh_phone();
  const std::string key = "unlock-" + phone;
  lock_phone(w, p, phone);
  const std::int64_t entries = audit_length(redis.port(), w.brand);

  // Every chunk between otpgate and Redis 300 ms late: the audit call's round trip takes 600 ms
  // (inside the timeout). Once its entry is in the stream, Redis is kept busy past the unlock
  // call's deadline: that call answers 503, and Redis runs it when the busy script ends.
  proxy.slow(300ms);
  HttpResponse lost;
  std::thread request([&] { lost = w.unlock(p, phone, because, "support", key); });
  for (int i = 0; i < 1000 && audit_length(redis.port(), w.brand) == entries; ++i)
    std::this_thread::sleep_for(1ms);
  keep_redis_busy(redis.port(), 2500);
  request.join();
  proxy.pass();
  REQUIRE(lost.status == 503);
  REQUIRE(p.wait_ready(10s));
  CHECK(w.lookup(p, phone).json()["locked"] == false);

  const auto retry = w.unlock(p, phone, because, "support", key);
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(retry.json()["locked"] == false);
  CHECK(retry.json()["lock_level"] == 1);
  CHECK(unlock_entries(w, p) == 2);
}
