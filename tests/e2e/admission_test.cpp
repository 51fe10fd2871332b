// How a create is admitted, on the real binary: the phone's slot, then the brand's. A request
// one slot refuses leaves nothing counted or stored, and a retry with the same Idempotency-Key
// never hears of a verification that is not there.
#include "e2e_helpers.hpp"

#include "support/redis_server.hpp"

#include <chrono>
#include <set>

using namespace otpgate::test;

namespace {

struct AdmissionWorld {
  TempBrands brands;
  std::string brand = unique_brand("adm");
  explicit AdmissionWorld(const std::string& limits, const std::string& pumping = "{}",
                          const std::string& code = "{}") {
    brands.add(brand, R"({"display_name":"Adm","sender_id":"Adm","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],"limits":)" +
                          limits + R"(,"pumping":)" + pumping + R"(,"code":)" + code + "}");
    brands.add_key("shop", brand, "shop");
  }
  HttpResponse create(const OtpgateProcess& p, const std::string& phone,
                      const std::string& idempotency_key = "") const {
    Headers h = {bearer(brands.key("shop"))};
    if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
    return http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}}, h);
  }
  long get_status(const OtpgateProcess& p, const std::string& id) const {
    return http_get(p.base_url() + "/v1/verifications/" + id, {bearer(brands.key("shop"))}).status;
  }
};

}  // namespace

TEST_CASE("parallel creates with one Idempotency-Key: one SMS, and every id answered exists",
          "[e2e][admission][idempotency]") {
  AdmissionWorld w(R"({"phone_sends_per_10_minutes":100})");
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  const auto answers = in_parallel(20, [&] { return w.create(p, phone, "order-77"); });
  std::set<std::string> ids;
  int created = 0;
  for (const auto& a : answers) {
    INFO(a.status << " " << a.body);
    if (a.status == 201 || a.status == 200) {
      created += a.status == 201 ? 1 : 0;
      ids.insert(a.json()["id"].get<std::string>());
      CHECK(a.json()["delivery"]["status"] != "queued");  // a replay reports a send that happened
    } else {
      // The first request is still running: try again shortly.
      require_error(a, 409, "IDEMPOTENCY_KEY_IN_USE");
      CHECK(a.header("retry-after") == "1");
    }
  }
  CHECK(created == 1);
  REQUIRE(ids.size() == 1);
  CHECK(w.get_status(p, *ids.begin()) == 200);
  CHECK(p.outbox_lines().size() == 1);
  // Once the first has answered, a retry replays it.
  const auto later = w.create(p, phone, "order-77");
  CHECK(later.status == 200);
  CHECK(later.json()["id"] == *ids.begin());
}

TEST_CASE("a retry never replays a create the brand's limit then took back",
          "[e2e][admission][idempotency]") {
  AdmissionWorld w(R"({"brand_sends_per_minute":1})");
  OtpgateProcess p(w.brands.options());
  REQUIRE(w.create(p, fresh_phone()).status == 201);  // the brand's one send this minute
  const std::string phone = fresh_phone();
  const auto answers = in_parallel(20, [&] { return w.create(p, phone, "order-78"); });
  for (const auto& a : answers) {
    INFO(a.status << " " << a.body);
    CHECK((a.status == 429 || a.status == 409));
    if (a.status == 429) CHECK(a.json()["limit"] == "brand");
  }
  CHECK(p.outbox_lines().size() == 1);
  // Nothing of the refused creates stayed behind: the number has no verification.
  const auto after = w.create(p, phone, "order-78");
  require_limited(after, "brand", 60);
}

TEST_CASE("a burst to one number that its own limit refuses neither counts nor trips its range",
          "[e2e][admission][pumping]") {
  // The pumping watch would block the range after 5 sends to it in its window.
  AdmissionWorld w(R"({"phone_sends_per_10_minutes":2,"prefix_digits":3})",
                   R"({"min_sends":5,"factor":2})");
  const auto week_ago =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(24 * 7))
          .count();
  redis_cli(shared_redis_port(),
            {"SET", "otp:{brand:" + w.brand + "}:pump:3:since", std::to_string(week_ago)});
  OtpgateProcess p(w.brands.options());
  const std::string phone = "+4917012340055";
  const auto answers = in_parallel(40, [&] { return w.create(p, phone); });
  int sent = 0;
  for (const auto& a : answers) {
    if (a.status == 201)
      ++sent;
    else
      require_limited(a, "phone", 600);
  }
  CHECK(sent == 2);
  // Another number of the range still gets its code: 40 requests were 2 sends, not 40.
  CHECK(w.create(p, "+4917012340066").status == 201);
  CHECK(w.create(p, "+4917012340077").status == 201);
}

TEST_CASE("a resend the brand's limit refuses gives the phone's token back",
          "[e2e][admission][resend]") {
  AdmissionWorld w(R"({"brand_sends_per_minute":1,"phone_sends_per_10_minutes":2})", "{}",
                   R"({"resend_cooldown_seconds":0,"max_sends":10})");
  OtpgateProcess p(w.brands.options());
  const auto created = w.create(p, fresh_phone());  // the phone's first and the brand's only send
  REQUIRE(created.status == 201);
  const std::string url =
      p.base_url() + "/v1/verifications/" + created.json()["id"].get<std::string>() + "/resend";
  for (int i = 0; i < 3; ++i) {
    INFO(i);
    // Each resend passes the phone's limit (2 per 10 minutes: one left) and is refused by the
    // brand's; were the phone's token kept, the second would hear "phone".
    require_limited(http_request("POST", url, {bearer(w.brands.key("shop"))}), "brand", 60);
  }
  CHECK(p.outbox_lines().size() == 1);
}
