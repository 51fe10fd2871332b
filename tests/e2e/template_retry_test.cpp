// Retries of template saves and rollbacks on the real binary (docs/api.md, "Retries"): with an
// Idempotency-Key a retry answers what the first request did, also when Redis saved it but the
// answer came too late (503), instead of 412 because its own save moved the ETag.
#include "template_world.hpp"

using namespace otpgate::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

HttpResponse put_with(const TemplateWorld& w, const OtpgateProcess& p, const std::string& locale,
                      const std::string& text, const std::string& if_match,
                      const std::string& idempotency_key, const std::string& key_id = "manager") {
  Headers h = w.as(key_id, {{"Content-Type", "application/json"}, {"If-Match", if_match}});
  if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
  return http_request("PUT", w.url(p, "/" + locale), h, json{{"text", text}}.dump());
}

HttpResponse rollback_with(const TemplateWorld& w, const OtpgateProcess& p, std::int64_t version,
                           const std::string& if_match, const std::string& idempotency_key) {
  Headers h = w.as("manager", {{"Content-Type", "application/json"}, {"If-Match", if_match}});
  if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
  return http_request("POST", w.url(p, "/en/rollback"), h, json{{"version", version}}.dump());
}

json history(const TemplateWorld& w, const OtpgateProcess& p, const std::string& locale) {
  const auto r = http_get(w.url(p, "/" + locale + "/versions"), w.as("manager"));
  REQUIRE(r.status == 200);
  return r.json();
}

}  // namespace

TEST_CASE(
    "a template save answered 503 while Redis stalled: its retry answers 200 with its version",
    "[e2e][retry][templates]") {
  RedisServer redis;
  TemplateWorld w;
  OtpgateOptions o = w.brands.options();
  o.redis_port = redis.port();
  o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "300";
  OtpgateProcess p(o);
  // A first save loads template_save.lua into this Redis: the stalled one below is an EVALSHA
  // that runs as soon as Redis resumes.
  REQUIRE(put_with(w, p, "de", "Dein {{code}}", "\"0\"", "").status == 200);

  redis.pause();
  const auto lost = put_with(w, p, "en", "Saved {{code}}", "\"0\"", "save-en");
  redis.resume();
  REQUIRE(lost.status == 503);
  REQUIRE(p.wait_ready(10s));
  // Redis saved it after all: version 1 is current.
  REQUIRE(history(w, p, "en")["current_version"] == 1);

  const auto retry = put_with(w, p, "en", "Saved {{code}}", "\"0\"", "save-en");
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(retry.header("etag") == "\"1\"");
  CHECK(retry.json()["version"] == 1);
  CHECK(retry.json()["text"] == "Saved {{code}}");
  CHECK(history(w, p, "en")["versions"].size() == 1);
  // Without the key, the same retry cannot tell its own save from another's.
  require_error(put_with(w, p, "en", "Saved {{code}}", "\"0\"", ""), 412, "PRECONDITION_FAILED");
}

TEST_CASE("a retried rollback answers the first rollback and rolls back once",
          "[e2e][retry][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  REQUIRE(put_with(w, p, "en", "First {{code}}", "\"0\"", "").status == 200);
  REQUIRE(put_with(w, p, "en", "Second {{code}}", "\"1\"", "").status == 200);
  const auto first = rollback_with(w, p, 1, "\"2\"", "back-to-1");
  REQUIRE(first.status == 200);
  CHECK(first.header("idempotent-replayed").empty());
  const auto retry = rollback_with(w, p, 1, "\"2\"", "back-to-1");
  CHECK(retry.status == 200);
  CHECK(retry.header("idempotent-replayed") == "true");
  CHECK(retry.json()["version"] == first.json()["version"]);
  CHECK(retry.json()["text"] == "First {{code}}");
  CHECK(history(w, p, "en")["versions"].size() == 3);
  // One audit entry per change made: two saves and one rollback, none for the replay.
  const auto audit =
      http_get(p.base_url() + "/v1/brands/" + w.brand + "/audit", w.as("support")).json();
  CHECK(audit["entries"].size() == 3);
  // The key with another rollback is another request.
  require_error(rollback_with(w, p, 2, "*", "back-to-1"), 409, "IDEMPOTENCY_KEY_REUSED");
}

TEST_CASE("a save key reused with another text is 409 and saves nothing",
          "[e2e][retry][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  REQUIRE(put_with(w, p, "en", "One {{code}}", "*", "reused").status == 200);
  require_error(put_with(w, p, "en", "Two {{code}}", "*", "reused"), 409, "IDEMPOTENCY_KEY_REUSED");
  const json h = history(w, p, "en");
  CHECK(h["current_version"] == 1);
  CHECK(h["versions"][0]["text"] == "One {{code}}");
}

TEST_CASE("a save key is scoped to its API key and locale", "[e2e][retry][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  REQUIRE(put_with(w, p, "en", "One {{code}}", "*", "shared").status == 200);
  // Another manager's request with the same key and body is its own: saved, not replayed.
  const auto other = put_with(w, p, "en", "One {{code}}", "*", "shared", "manager2");
  CHECK(other.status == 200);
  CHECK(other.header("idempotent-replayed").empty());
  CHECK(other.json()["version"] == 2);
  // The same key on another locale is another target.
  const auto de = put_with(w, p, "de", "One {{code}}", "*", "shared");
  CHECK(de.status == 200);
  CHECK(de.header("idempotent-replayed").empty());
}

TEST_CASE("a malformed Idempotency-Key on a template change is 400 and changes nothing",
          "[e2e][retry][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  for (const std::string& bad : {std::string(256, 'k'), std::string("two words")}) {
    require_error(put_with(w, p, "en", "One {{code}}", "*", bad), 400, "INVALID_ARGUMENT",
                  "Idempotency-Key");
    require_error(rollback_with(w, p, 0, "*", bad), 400, "INVALID_ARGUMENT", "Idempotency-Key");
  }
  CHECK(history(w, p, "en")["current_version"] == 0);
}

TEST_CASE("a template save with If-Match or Idempotency-Key sent twice is 400 and saves nothing",
          "[e2e][retry][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string body = json{{"text", "Twice {{code}}"}}.dump();
  Headers two_etags = w.as("manager", {{"Content-Type", "application/json"},
                                       {"If-Match", "\"0\""},
                                       {"If-Match", "*"}});
  require_error(http_request("PUT", w.url(p, "/en"), two_etags, body), 400, "INVALID_ARGUMENT",
                "If-Match");
  Headers two_keys = w.as("manager", {{"Content-Type", "application/json"},
                                      {"If-Match", "*"},
                                      {"Idempotency-Key", "a"},
                                      {"Idempotency-Key", "b"}});
  require_error(http_request("PUT", w.url(p, "/en"), two_keys, body), 400, "INVALID_ARGUMENT",
                "Idempotency-Key");
  CHECK(history(w, p, "en")["current_version"] == 0);
}
