// Support's tools on the real binary: the subscriber lookup and unlock (lock state, failure
// count, recent verifications, the audit entries they write), their role and brand boundaries,
// and that the raw number reaches neither a response nor the log.
#include "support_world.hpp"

#include <catch2/catch.hpp>

#include <atomic>

using namespace otpgate::test;
using nlohmann::json;

namespace {

// The number in any spelling a leak could take: "+49151...", "49151...", "%2B49151...".
void require_no_number(const std::string& text, const std::string& phone) {
  INFO(text);
  CHECK(text.find(phone.substr(1)) == std::string::npos);
}

}  // namespace

TEST_CASE("support looks up a locked phone, unlocks it with a reason, and both are audited",
          "[e2e][support]") {
  SupportWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  const std::string masked_prefix = phone.substr(0, 6);  // "+49151", as masked() keeps it

  // Never seen: unlocked, zeros, no verifications.
  const auto unseen = w.lookup(p, phone);
  REQUIRE(unseen.status == 200);
  const json u = unseen.json();
  CHECK(u["brand"] == w.brand);
  CHECK(u["locked"] == false);
  CHECK(u["locked_until"].is_null());
  CHECK(u["failed_checks"] == 0);
  CHECK(u["sends_today"] == 0);
  CHECK(u["recent_verifications"] == json::array());
  const std::string masked = u["phone_number"];
  CHECK(masked.find('*') != std::string::npos);
  CHECK(masked.substr(0, 6) == masked_prefix);
  require_no_number(unseen.body, phone);

  // Two wrong codes: counted, not locked yet.
  const auto created = w.create(p, phone);
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string code = code_from_outbox(p, id);
  REQUIRE(code.size() == 6);
  const std::string wrong = wrong_code_for(code);
  CHECK(w.check(p, id, wrong).status == 422);
  CHECK(w.check(p, id, wrong).status == 422);
  const auto counting = w.lookup(p, phone);
  REQUIRE(counting.status == 200);
  const json c = counting.json();
  CHECK(c["locked"] == false);
  CHECK(c["failed_checks"] == 2);
  CHECK(c["sends_today"] == 1);

  // The third locks the phone (the failure count starts again with the lock).
  CHECK(w.check(p, id, wrong).status == 422);
  require_error(w.create(p, phone), 403, "PHONE_NUMBER_BLOCKED");
  const auto locked = w.lookup(p, phone);
  REQUIRE(locked.status == 200);
  const json l = locked.json();
  CHECK(l["locked"] == true);
  REQUIRE(l["locked_until"].is_string());
  CHECK(l["locked_until"].get<std::string>().size() == 24);  // 2026-11-22T10:00:00.000Z
  CHECK(l["failed_checks"] == 0);
  CHECK(l["lock_level"] == 1);
  const json recent = l["recent_verifications"];
  REQUIRE(recent.size() == 1);
  CHECK(recent[0]["id"] == id);
  CHECK(recent[0]["status"] == "pending");
  CHECK(recent[0]["created_at"].is_string());
  CHECK(recent[0]["delivery_status"].is_string());
  require_no_number(locked.body, phone);

  // Without a reason (no body, empty, two lines): 400 naming reason, and still locked.
  require_error(w.unlock(p, phone, ""), 400, "INVALID_ARGUMENT", "reason");
  require_error(w.unlock(p, phone, "{}"), 400, "INVALID_ARGUMENT", "reason");
  require_error(w.unlock(p, phone, R"({"reason":""})"), 400, "INVALID_ARGUMENT", "reason");
  require_error(w.unlock(p, phone, R"({"reason":"a\nb"})"), 400, "INVALID_ARGUMENT", "reason");
  require_error(w.unlock(p, phone, json{{"reason", std::string(501, 'x')}}.dump()), 400,
                "INVALID_ARGUMENT", "reason");
  CHECK(w.lookup(p, phone).json()["locked"] == true);
  require_error(w.create(p, phone), 403, "PHONE_NUMBER_BLOCKED");

  // With a reason: unlocked (the escalation level stays), and a create works again.
  const std::string reason = "Caller identified by customer number and date of birth";
  const auto unlocked = w.unlock(p, phone, json{{"reason", reason}}.dump());
  REQUIRE(unlocked.status == 200);
  const json ul = unlocked.json();
  CHECK(ul["locked"] == false);
  CHECK(ul["locked_until"].is_null());
  CHECK(ul["failed_checks"] == 0);
  CHECK(ul["lock_level"] == 1);
  CHECK(ul["phone_number"] == masked);
  require_no_number(unlocked.body, phone);
  const auto second = w.create(p, phone);
  REQUIRE(second.status == 201);
  const std::string second_id = second.json()["id"];
  const auto after = w.lookup(p, phone);
  REQUIRE(after.status == 200);
  const json a = after.json();
  const json after_recent = a["recent_verifications"];
  REQUIRE(after_recent.size() == 2);
  CHECK(after_recent[0]["id"] == second_id);  // newest first
  CHECK(after_recent[1]["id"] == id);
  CHECK(a["sends_today"] == 2);

  // The audit log: every lookup and the one unlock (the refused unlocks wrote nothing).
  const auto audit =
      http_get(p.base_url() + "/v1/brands/" + w.brand + "/audit?limit=200", w.as("support"));
  REQUIRE(audit.status == 200);
  require_no_number(audit.body, phone);
  const json entries = audit.json()["entries"];
  int lookups = 0;
  int unlocks = 0;
  for (const auto& e : entries) {
    CHECK(e["actor"] == "support");
    CHECK(e["target"] == masked);
    CHECK(e["at"].is_string());
    if (e["action"] == "subscriber.lookup") ++lookups;
    if (e["action"] == "subscriber.unlock") {
      ++unlocks;
      CHECK(e["reason"] == reason);
    }
  }
  CHECK(lookups == 5);
  CHECK(unlocks == 1);
  REQUIRE(!entries.empty());
  CHECK(entries[0]["action"] == "subscriber.lookup");  // newest first: the last lookup
  CHECK(entries[1]["action"] == "subscriber.unlock");

  // The raw number never reached the log (the access log names the route and the masked phone).
  const std::string log = p.log_text();
  CHECK(log.find("/subscribers/{phone}") != std::string::npos);
  require_no_number(log, phone);
}

TEST_CASE("subscriber endpoints: roles, brands, phone spelling, methods", "[e2e][support]") {
  SupportWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  const std::string reason = R"({"reason":"test"})";

  // Only support keys of the brand (or "*").
  require_error(w.lookup(p, phone, "shop"), 403, "PERMISSION_DENIED");
  require_error(w.lookup(p, phone, "manager"), 403, "PERMISSION_DENIED");
  require_error(w.lookup(p, phone, "admin"), 403, "PERMISSION_DENIED");
  require_error(w.lookup(p, phone, "other-support"), 403, "PERMISSION_DENIED");
  require_error(w.unlock(p, phone, reason, "shop"), 403, "PERMISSION_DENIED");
  require_error(w.unlock(p, phone, reason, "manager"), 403, "PERMISSION_DENIED");
  require_error(w.unlock(p, phone, reason, "other-support"), 403, "PERMISSION_DENIED");
  CHECK(w.lookup(p, phone, "support-all").status == 200);
  // Another brand's key gets 403 even for a brand that does not exist; "*" gets 404.
  const std::string nowhere = p.base_url() + "/v1/brands/no-such-brand/subscribers/" + phone;
  require_error(http_get(nowhere, w.as("support")), 403, "PERMISSION_DENIED");
  require_error(http_get(nowhere, w.as("support-all")), 404, "NOT_FOUND");

  // The phone: "+..." or "%2B..." in the path; anything else is 400 naming phone_number.
  const auto plain = w.lookup(p, phone);
  const auto encoded = w.lookup(p, "%2B" + phone.substr(1));
  REQUIRE(plain.status == 200);
  REQUIRE(encoded.status == 200);
  CHECK(plain.json()["phone_number"] == encoded.json()["phone_number"]);
  require_error(w.lookup(p, phone.substr(1)), 400, "INVALID_ARGUMENT", "phone_number");
  require_error(w.lookup(p, "+4915"), 400, "INVALID_ARGUMENT", "phone_number");
  require_error(w.lookup(p, "%2B49%31%35112345678"), 400, "INVALID_ARGUMENT", "phone_number");
  require_error(w.unlock(p, "not-a-phone", reason), 400, "INVALID_ARGUMENT", "phone_number");

  // Methods and odd paths.
  require_error(http_request("POST", w.url(p, phone), w.as("support")), 405, "METHOD_NOT_ALLOWED");
  require_error(http_get(w.url(p, phone, "/unlock"), w.as("support")), 405, "METHOD_NOT_ALLOWED");
  require_error(http_get(w.url(p, phone, "/other"), w.as("support")), 404, "NOT_FOUND");
  require_error(http_get(w.url(p, "", ""), w.as("support")), 404, "NOT_FOUND");

  // Refused requests wrote no audit entries: two lookups above (support-all, plain, encoded).
  const auto audit = http_get(p.base_url() + "/v1/brands/" + w.brand + "/audit", w.as("support"));
  REQUIRE(audit.status == 200);
  const json entries = audit.json()["entries"];
  CHECK(entries.size() == 3);
  require_no_number(p.log_text(), phone);
}

TEST_CASE("an all-brands support key's resend refused by a lock is audited in its brand's log",
          "[e2e][support]") {
  SupportWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  const auto created = w.create(p, phone);
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string wrong = wrong_code_for(code_from_outbox(p, id));
  for (int i = 0; i < 3; ++i) CHECK(w.check(p, id, wrong).status == 422);  // locks the phone
  const auto resend = http_request("POST", p.base_url() + "/v1/verifications/" + id + "/resend",
                                   w.as("support-all"));
  require_error(resend, 403, "PHONE_NUMBER_BLOCKED");
  const auto audit = http_get(p.base_url() + "/v1/brands/" + w.brand + "/audit", w.as("support"));
  REQUIRE(audit.status == 200);
  const json entries = audit.json()["entries"];
  REQUIRE_FALSE(entries.empty());
  CHECK(entries[0]["action"] == "verification.resend");
  CHECK(entries[0]["verification"] == id);
  CHECK(entries[0]["outcome"] == "PHONE_NUMBER_BLOCKED");
}
