// Races on the real binary: every state change is one Lua script, so parallel requests can
// never approve twice, consume more attempts than allowed, or send more SMS than allowed.
#include "e2e_helpers.hpp"

#include <optional>
#include <thread>

using namespace otpgate::test;

namespace {

int count_status(const std::vector<HttpResponse>& rs, long status, const std::string& code = "") {
  int n = 0;
  for (const auto& r : rs)
    if (r.status == status && (code.empty() || r.json().value("code", "") == code)) ++n;
  return n;
}

// A brand of its own that sends with the file gateway, with `policy` ("code" and "limits"
// fields) laid over it, its shop key, and one otpgate serving it.
struct RacyBrand {
  explicit RacyBrand(const std::string& policy) {
    brands.add(id, R"({"display_name":"Racy","sender_id":"Racy","locales":["en"],
      "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],)" +
                       policy + "}");
    brands.add_key("racy-shop", id, "shop");
    p.emplace(brands.options());
  }
  Headers auth() const { return {bearer(brands.key("racy-shop"))}; }
  HttpResponse start(const std::string& phone) const {
    return http_post_json(p->base_url() + "/v1/verifications", {{"phone_number", phone}}, auth());
  }
  // The id of a new verification for phone.
  std::string started(const std::string& phone) const {
    const auto created = start(phone);
    REQUIRE(created.status == 201);
    return created.json()["id"];
  }
  std::vector<HttpResponse> resends(const std::string& vid, int n) const {
    return in_parallel(n, [&] {
      return http_request("POST", p->base_url() + "/v1/verifications/" + vid + "/resend", auth());
    });
  }

  TempBrands brands;
  std::string id = unique_brand_now("racy");
  std::optional<OtpgateProcess> p;
};

}  // namespace

TEST_CASE("50 concurrent checks with the right code give exactly one approval", "[e2e][race]") {
  OtpgateProcess p;
  const auto created = start_verification(p, fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string code = code_from_outbox(p, id);
  REQUIRE(!code.empty());
  const auto answers = in_parallel(50, [&] { return check_code(p, id, code); });
  CHECK(count_status(answers, 200) == 1);
  CHECK(count_status(answers, 409, "VERIFICATION_NOT_PENDING") == 49);
}

TEST_CASE("50 concurrent wrong checks consume exactly max_attempts", "[e2e][race]") {
  OtpgateProcess p;
  const auto created = start_verification(p, fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string code = code_from_outbox(p, id);
  const std::string wrong = code == "000000" ? "111111" : "000000";
  const auto answers = in_parallel(50, [&] { return check_code(p, id, wrong); });
  // nordwind: max_attempts 5 -> 4 CODE_INVALID, 1 VERIFICATION_FAILED, the rest not pending.
  CHECK(count_status(answers, 422, "CODE_INVALID") == 4);
  CHECK(count_status(answers, 422, "VERIFICATION_FAILED") == 1);
  CHECK(count_status(answers, 409, "VERIFICATION_NOT_PENDING") == 45);
  const auto after = http_get(p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
  CHECK(after.json()["status"] == "failed");
  // The right code is refused now too.
  CHECK(check_code(p, id, code).status == 409);
}

TEST_CASE("concurrent resends never exceed max sends", "[e2e][race]") {
  const RacyBrand w(R"("code":{"max_sends":4,"resend_cooldown_seconds":0})");
  const std::string id = w.started(fresh_phone());
  const auto answers = w.resends(id, 30);
  CHECK(count_status(answers, 200) == 3);  // 4 sends in all, the first at create
  // The rest are refused: SEND_LIMIT_REACHED, or RESEND_TOO_SOON for a request whose clock
  // reading was taken a moment before a parallel resend's (each request brings its own "now").
  CHECK(count_status(answers, 429, "SEND_LIMIT_REACHED") +
            count_status(answers, 429, "RESEND_TOO_SOON") ==
        27);
  CHECK(count_status(answers, 429, "SEND_LIMIT_REACHED") > 0);
  int sms = 0;
  std::set<std::string> texts;
  for (const auto& line : w.p->outbox_lines())
    if (line["verification_id"] == id) {
      ++sms;
      texts.insert(line["text"].get<std::string>());
    }
  CHECK(sms == 4);
  CHECK(texts.size() == 1);  // a resend sends the same code
}

TEST_CASE("concurrent resends take the phone's limit token only for the sends they make",
          "[e2e][race]") {
  // Five SMS per 10 minutes for a phone. A create and 30 racing resends of it send four; the
  // refused resends take no token, so one more create still fits, and the one after it not.
  const RacyBrand w(R"("code":{"max_sends":4,"resend_cooldown_seconds":0},
    "limits":{"phone_sends_per_10_minutes":5,"phone_sends_per_day":1000})");
  const std::string phone = fresh_phone();
  const std::string id = w.started(phone);
  const auto answers = w.resends(id, 30);
  CHECK(count_status(answers, 200) == 3);
  CHECK(count_status(answers, 429, "TOO_MANY_REQUESTS") == 0);
  CHECK(w.start(phone).status == 201);  // the fifth SMS
  const auto over = w.start(phone);
  CHECK(over.status == 429);
  CHECK(over.json().value("limit", "") == "phone");
}

TEST_CASE("racing resends the brand's limit refuses count no send", "[e2e][race]") {
  // No cooldown, so parallel resends each claim a send before the brand's limit (one SMS a
  // minute, taken by the create) refuses them; every refused claim is taken back.
  const RacyBrand w(R"("code":{"max_sends":10,"resend_cooldown_seconds":0},
    "limits":{"brand_sends_per_minute":1})");
  const std::string id = w.started(fresh_phone());
  const auto answers = w.resends(id, 20);
  // Refused by the brand's limit; or, while up to nine other claims wait for their refusal, by
  // max_sends; or too soon, for a request whose clock reading was taken a moment before a
  // parallel claim's. None is sent.
  CHECK(count_status(answers, 429, "TOO_MANY_REQUESTS") +
            count_status(answers, 429, "SEND_LIMIT_REACHED") +
            count_status(answers, 429, "RESEND_TOO_SOON") ==
        20);
  CHECK(count_status(answers, 429, "TOO_MANY_REQUESTS") > 0);
  const auto after = http_get(w.p->base_url() + "/v1/verifications/" + id, w.auth());
  CHECK(after.json()["sends_left"] == 9);
  int sms = 0;
  for (const auto& line : w.p->outbox_lines()) sms += line["verification_id"] == id ? 1 : 0;
  CHECK(sms == 1);  // the create's
}
