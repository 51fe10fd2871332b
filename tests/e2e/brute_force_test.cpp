// Brute force on the real binary: guessing across many verifications of one phone locks the
// phone at exactly lock.max_failed_checks wrong codes (sequentially and in parallel), and the
// lock answers the same whatever is guessed, so it never tells whether a guess was right.
#include "e2e_helpers.hpp"

using namespace otpgate::test;
using nlohmann::json;

namespace {

// 3 attempts per verification, the phone locked at the 7th wrong code across verifications.
struct GuessWorld {
  TempBrands brands;
  std::string brand = unique_brand("guess");

  GuessWorld() {
    brands.add(brand, R"({"display_name":"Guess","sender_id":"Guess","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
        "code":{"max_attempts":3},
        "lock":{"max_failed_checks":7,"window_seconds":3600,"duration_seconds":600},
        "limits":{"phone_sends_per_10_minutes":100,"phone_sends_per_day":1000}})");
    brands.add_key("shop", brand, "shop");
    brands.add_key("support", brand, "support");
  }
  Headers shop() const { return {bearer(brands.key("shop"))}; }
  HttpResponse create(const OtpgateProcess& p, const std::string& phone) const {
    return http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}}, shop());
  }
  HttpResponse check(const OtpgateProcess& p, const std::string& id,
                     const std::string& code) const {
    return http_post_json(p.base_url() + "/v1/verifications/" + id + "/check", {{"code", code}},
                          shop());
  }
  json subscriber(const OtpgateProcess& p, const std::string& phone) const {
    const auto r = http_get(p.base_url() + "/v1/brands/" + brand + "/subscribers/" + phone,
                            {bearer(brands.key("support"))});
    REQUIRE(r.status == 200);
    return r.json();
  }
};

std::string wrong_for(const std::string& code) {
  std::string w = code;
  w[0] = w[0] == '1' ? '2' : '1';
  return w;
}

bool is_wrong_code_answer(const HttpResponse& r) {
  if (r.status != 422) return false;
  const std::string c = r.json().value("code", "");
  return c == "CODE_INVALID" || c == "VERIFICATION_FAILED";
}

}  // namespace

TEST_CASE("guessing across verifications of one phone locks it at exactly the threshold",
          "[e2e][lockout]") {
  GuessWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  std::vector<std::string> ids, codes;
  for (int v = 0; v < 3; ++v) {
    const auto created = w.create(p, phone);
    INFO(created.body);
    REQUIRE(created.status == 201);
    ids.push_back(created.json()["id"]);
    codes.push_back(code_from_outbox(p, ids.back()));
    REQUIRE(codes.back().size() == 6);
  }
  // Six wrong codes: two verifications used up, the phone one short of the lock.
  for (int v = 0; v < 2; ++v)
    for (int i = 0; i < 3; ++i)
      CHECK(is_wrong_code_answer(w.check(p, ids[v], wrong_for(codes[v]))));
  json s = w.subscriber(p, phone);
  CHECK(s["locked"] == false);
  CHECK(s["failed_checks"] == 6);
  // Still not locked: a new verification can be started.
  const auto fourth = w.create(p, phone);
  REQUIRE(fourth.status == 201);
  // The seventh wrong code, on a third verification, is answered as a wrong code and locks.
  const auto seventh = w.check(p, ids[2], wrong_for(codes[2]));
  INFO(seventh.body);
  CHECK(seventh.status == 422);
  CHECK(seventh.json()["code"] == "CODE_INVALID");
  s = w.subscriber(p, phone);
  CHECK(s["locked"] == true);

  // Locked: the right code and a wrong one get the same answer, and neither costs an attempt.
  const auto right = w.check(p, ids[2], codes[2]);
  const auto wrong = w.check(p, ids[2], wrong_for(codes[2]));
  for (const auto* r : {&right, &wrong}) {
    INFO(r->body);
    CHECK(r->status == 403);
    CHECK(r->json()["code"] == "PHONE_NUMBER_BLOCKED");
    CHECK(!r->header("retry-after").empty());
  }
  CHECK(right.json()["message"] == wrong.json()["message"]);
  CHECK(right.json().contains("verification") == wrong.json().contains("verification"));
  const auto after = http_get(p.base_url() + "/v1/verifications/" + ids[2], w.shop());
  CHECK(after.json()["attempts_left"] == 2);
  CHECK(after.json()["status"] == "pending");
  // And no new verification for the phone.
  const auto refused = w.create(p, phone);
  CHECK(refused.status == 403);
  CHECK(refused.json()["code"] == "PHONE_NUMBER_BLOCKED");
}

TEST_CASE("parallel guessing across verifications of one phone counts exactly the threshold",
          "[e2e][lockout][race]") {
  GuessWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  std::vector<std::string> ids, codes;
  for (int v = 0; v < 5; ++v) {
    const auto created = w.create(p, phone);
    REQUIRE(created.status == 201);
    ids.push_back(created.json()["id"]);
    codes.push_back(code_from_outbox(p, ids.back()));
  }
  std::atomic<int> next{0};
  const auto answers = in_parallel(40, [&] {
    const int v = next++ % 5;
    return w.check(p, ids[static_cast<std::size_t>(v)],
                   wrong_for(codes[static_cast<std::size_t>(v)]));
  });
  int wrong = 0, blocked = 0, not_pending = 0, other = 0;
  for (const auto& r : answers) {
    if (is_wrong_code_answer(r))
      ++wrong;
    else if (r.status == 403 && r.json().value("code", "") == "PHONE_NUMBER_BLOCKED")
      ++blocked;
    else if (r.status == 409)
      ++not_pending;
    else
      ++other;
  }
  // Every guess is one script on the phone's slot: exactly 7 were evaluated, the rest found
  // the lock (or, for a verification whose 3 attempts were used, its failed status).
  CHECK(wrong == 7);
  CHECK(other == 0);
  CHECK(wrong + blocked + not_pending == 40);
  CHECK(w.subscriber(p, phone)["locked"] == true);
}
