// Analytics on the real binary: a scripted mix of verifications shows exactly in the stats API
// (funnel, attempts, fraud indicators, by gateway and country), counts stay exact under
// parallel load, pending turns into expired after the TTL, the market is the sum over brands,
// and bad queries and wrong roles are refused.
#include "analytics_world.hpp"

using namespace otpgate::test;
using namespace otpgate::test::analytics_e2e;

namespace {

// The current UTC minute (minutes since the epoch).
std::int64_t minute_now() {
  return std::chrono::duration_cast<std::chrono::minutes>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("a scripted mix of verifications shows exactly in the stats", "[e2e][analytics]") {
  MixWorld w;
  const nlohmann::json before = w.stats();
  const std::string failing = fresh_phone();
  w.failing_number = failing;

  // Approved after 1 attempt, and after 3 (2 wrong codes first).
  const std::string a1 = w.create(fresh_phone());
  REQUIRE(w.check(a1, w.code_of(a1)).status == 200);
  const std::string a3 = w.create(fresh_phone());
  REQUIRE(w.check(a3, wrong_code(w.code_of(a3))).status == 422);
  REQUIRE(w.check(a3, wrong_code(w.code_of(a3))).status == 422);
  REQUIRE(w.check(a3, w.code_of(a3)).status == 200);
  // Failed: 3 wrong codes use up the attempts and lock the phone (lock at 3).
  const std::string f = w.create(fresh_phone());
  for (int i = 0; i < 2; ++i) REQUIRE(w.check(f, wrong_code(w.code_of(f))).status == 422);
  REQUIRE(w.check(f, wrong_code(w.code_of(f))).json()["code"] == "VERIFICATION_FAILED");
  // Cancelled; an Austrian number approved.
  const std::string c = w.create(fresh_phone());
  REQUIRE(http_post_json(w.url("/v1/verifications/" + c + "/cancel"), nlohmann::json::object(),
                         {bearer(w.brands.key("shop"))})
              .status == 200);
  const std::string at = w.create(austrian_phone());
  REQUIRE(w.check(at, w.code_of(at)).status == 200);
  // Send failed: the gateway refuses this number.
  const auto sf = w.create_raw({{"phone_number", failing}});
  REQUIRE(sf.status == 502);
  // Rate limited by client IP (1 per hour): the first counts as started, the second is refused.
  REQUIRE(w.create_raw({{"phone_number", fresh_phone()}, {"client_ip", "198.51.100.7"}}).status ==
          201);
  require_limited(w.create_raw({{"phone_number", fresh_phone()}, {"client_ip", "198.51.100.7"}}),
                  "ip", 3600);
  // Refused: a fixed-line number and a Swiss number (not allowed).
  REQUIRE(w.create_raw({{"phone_number", "+493012345678"}}).status == 403);
  REQUIRE(w.create_raw({{"phone_number", "+41791234567"}}).status == 403);
  // A support call.
  const auto sc = http_post_json(
      w.url("/v1/verifications"),
      {{"phone_number", fresh_phone()}, {"purpose", "support_call"}, {"reason", "caller check"}},
      {bearer(w.brands.key("support"))});
  REQUIRE(sc.status == 201);

  // The checkout funnel: a1, a3, f, c, at, sf, the IP-limited first = 7 started; the support
  // call counts under its purpose only.
  const nlohmann::json after = w.wait_stats([&](const nlohmann::json& s) {
    return delta(before, s, "/funnel/started") == 7 && delta(before, s, "/funnel/approved") == 3 &&
           delta(before, s, "/fraud/support_calls/count") == 1 &&
           row_delta(before, s, "by_purpose", "purpose", "support_call", "sent") == 1;
  });
  CHECK(delta(before, after, "/funnel/sent") == 6);
  CHECK(delta(before, after, "/funnel/approved") == 3);
  CHECK(delta(before, after, "/funnel/failed") == 1);
  CHECK(delta(before, after, "/funnel/cancelled") == 1);
  CHECK(delta(before, after, "/funnel/send_failed") == 1);
  CHECK(delta(before, after, "/funnel/abandoned") == 1);
  // Still within its TTL: the IP-limited one.
  CHECK(delta(before, after, "/funnel/pending") == 1);
  CHECK(delta(before, after, "/funnel/expired") == 0);
  CHECK(delta(before, after, "/attempts_to_approve/counts/1") == 2);
  CHECK(delta(before, after, "/attempts_to_approve/counts/3") == 1);
  CHECK(delta(before, after, "/sends_per_approval/counts/1") == 3);
  CHECK(delta(before, after, "/time_to_approve/count") == 3);
  CHECK(delta(before, after, "/fraud/wrong_codes/count") == 5);
  CHECK(delta(before, after, "/fraud/locked/count") == 1);
  CHECK(delta(before, after, "/fraud/rate_limited/count") == 1);
  CHECK(delta(before, after, "/fraud/rate_limited_by_kind/ip/count") == 1);
  CHECK(delta(before, after, "/fraud/rate_limited_by_kind/phone/count") == 0);
  CHECK(delta(before, after, "/fraud/refused_line_type/count") == 1);
  CHECK(delta(before, after, "/fraud/refused_country/count") == 1);
  CHECK(delta(before, after, "/fraud/send_failures/count") == 1);
  // By gateway (every send went to "tw") and by country.
  CHECK(row_delta(before, after, "by_gateway", "gateway", "tw", "sent") == 6);
  CHECK(row_delta(before, after, "by_gateway", "gateway", "tw", "approved") == 3);
  CHECK(row_delta(before, after, "by_gateway", "gateway", "tw", "send_failed") == 1);
  CHECK(row_delta(before, after, "by_country", "country", "DE", "started") == 6);
  CHECK(row_delta(before, after, "by_country", "country", "AT", "started") == 1);
  CHECK(row_delta(before, after, "by_country", "country", "AT", "approved") == 1);
  CHECK(row_delta(before, after, "by_purpose", "purpose", "support_call", "started") == 1);
  CHECK(row_delta(before, after, "by_purpose", "purpose", "checkout", "started") == 7);
  // The series holds the same starts as the funnel.
  std::int64_t series_started = 0;
  for (const auto& p : after["series"]) series_started += p["started"].get<std::int64_t>();
  CHECK(series_started == after["/funnel/started"_json_pointer].get<std::int64_t>());
}

TEST_CASE("300 verifications from 8 threads: the counters are exact", "[e2e][analytics][race]") {
  MixWorld w;
  const nlohmann::json before = w.stats();
  std::atomic<int> approved{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 300; i += 8) {
        const auto r = w.create_raw({{"phone_number", fresh_phone()}});
        if (r.status != 201) {
          ++failures;
          continue;
        }
        const std::string id = r.json()["id"];
        if (i % 2 == 0 && w.check(id, w.code_of(id)).status == 200) ++approved;
      }
    });
  for (auto& t : threads) t.join();
  REQUIRE(failures == 0);
  REQUIRE(approved == 150);
  const auto after = w.wait_stats([&](const nlohmann::json& s) {
    return delta(before, s, "/funnel/started") >= 300 &&
           delta(before, s, "/funnel/approved") >= 150;
  });
  CHECK(delta(before, after, "/funnel/started") == 300);
  CHECK(delta(before, after, "/funnel/sent") == 300);
  CHECK(delta(before, after, "/funnel/approved") == 150);
  CHECK(delta(before, after, "/funnel/pending") == 150);
  CHECK(delta(before, after, "/attempts_to_approve/counts/1") == 150);
}

TEST_CASE("a short-TTL brand shows pending turning into expired", "[e2e][analytics]") {
  MixWorld w(R"({"ttl_seconds":30,"max_attempts":3})");
  const nlohmann::json before = w.stats("granularity=minute");
  w.create(fresh_phone());
  const auto first_minute = minute_now();  // after the create: its minute or an earlier one
  const auto pending = w.wait_stats(
      [&](const nlohmann::json& s) { return delta(before, s, "/funnel/started") == 1; },
      "granularity=minute");
  CHECK(delta(before, pending, "/funnel/pending") == 1);
  CHECK(delta(before, pending, "/funnel/expired") == 0);
  // Nothing reads the verification: the expiry is derived from the TTL, not from an event.
  const auto expired = w.wait_stats(
      [&](const nlohmann::json& s) { return delta(before, s, "/funnel/expired") == 1; },
      "granularity=minute", std::chrono::seconds(45));
  CHECK(delta(before, expired, "/funnel/pending") == 0);
  CHECK(delta(before, expired, "/funnel/abandoned") == 1);
  CHECK(expired["/rates/abandonment"_json_pointer].get<double>() > 0);
  // A new start in the same hour and day: the first stays expired at every granularity.
  // (Pending is told apart per minute: the new start must fall into a later minute.)
  while (minute_now() == first_minute) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const nlohmann::json hour_before = w.stats("granularity=hour");
  const nlohmann::json day_before = w.stats("granularity=day");
  w.create(fresh_phone());
  for (const auto& [query, base] : {std::pair{std::string("granularity=hour"), hour_before},
                                    std::pair{std::string("granularity=day"), day_before}}) {
    INFO(query);
    const auto s = w.wait_stats(
        [&](const nlohmann::json& x) { return delta(base, x, "/funnel/started") == 1; }, query);
    CHECK(delta(base, s, "/funnel/pending") == 1);
    CHECK(delta(base, s, "/funnel/expired") == 0);
    CHECK(at(s, "/funnel/expired") >= 1);
  }
}
