// SMS pumping on the real binary: a brand with a week of history suddenly sending to a number
// range it never used is blocked after min_sends (429, limit prefix_anomaly, a prefix_blocked
// event), other ranges and safelisted numbers and prefixes still get their codes.
#include "e2e_helpers.hpp"

#include "support/redis_server.hpp"

#include <chrono>
#include <thread>

using namespace otpgate::test;

namespace {

std::string brand_json(const std::string& pumping) {
  return R"({"display_name":"Pump","sender_id":"Pump","locales":["en"],"default_locale":"en",
    "allowed_countries":["DE"],"gateways":["file"],"limits":{"prefix_digits":3},
    "pumping":)" +
         pumping + "}";
}

// As if the brand had been sending for a week: its pumping watch started then.
void seed_history(const std::string& brand) {
  const auto week_ago =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(24 * 7))
          .count();
  redis_cli(shared_redis_port(),
            {"SET", "otp:{brand:" + brand + "}:pump:3:since", std::to_string(week_ago)});
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The brand's event stream once it holds `n` occurrences of `wanted` (events are appended
// after the answer, so the last ones may still be on their way), or after 5 s.
std::string events_with(const std::string& brand, const std::string& wanted, std::size_t n) {
  std::string events;
  for (int i = 0; i < 50; ++i) {
    events =
        redis_cli(shared_redis_port(), {"XRANGE", "otp:{brand:" + brand + "}:events", "-", "+"});
    if (count_of(events, wanted) >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return events;
}

}  // namespace

TEST_CASE("pumping simulation: a burst to a new number range is blocked, safelisted ones pass",
          "[e2e][pumping]") {
  TempBrands brands;
  const std::string brand = unique_brand("pump");
  const std::string safe_number = "+4917699887766";
  brands.add(brand, brand_json(R"({"min_sends":10,"block_minutes":30,
                                   "safelist":[")" +
                               safe_number + R"(","+49170"]})"));
  brands.add_key("shop", brand, "shop");
  seed_history(brand);
  OtpgateProcess p(brands.options());
  const std::string& key = brands.key("shop");
  auto in_range = [](const std::string& range) { return range + fresh_phone().substr(6); };

  // Ordinary traffic on +49151 first: a few sends, no anomaly.
  for (int i = 0; i < 3; ++i)
    REQUIRE(create_as(p, key, {{"phone_number", fresh_phone()}}).status == 201);

  // The attack: many different numbers of +49176, as fast as the client goes.
  int created = 0;
  HttpResponse first_refusal;
  for (int i = 0; i < 30; ++i) {
    const auto r = create_as(p, key, {{"phone_number", in_range("+49176")}});
    if (r.status == 201) {
      ++created;
      continue;
    }
    first_refusal = r;
    break;
  }
  // min_sends 10: nine pass, the tenth trips the block.
  CHECK(created == 9);
  require_limited(first_refusal, "prefix_anomaly", 30 * 60);
  CHECK(first_refusal.json()["message"].get<std::string>().find("number range") !=
        std::string::npos);
  CHECK(first_refusal.body.find("+49176") == std::string::npos);

  // The range stays blocked, in parallel too: nothing more is sent to it.
  const auto blocked = in_parallel(10, [&] {
    return create_as(p, key, {{"phone_number", in_range("+49176")}});
  });
  for (const auto& r : blocked) require_limited(r, "prefix_anomaly", 30 * 60);

  // A safelisted number in the blocked range, and a safelisted range, are sent to.
  CHECK(create_as(p, key, {{"phone_number", safe_number}}).status == 201);
  CHECK(create_as(p, key, {{"phone_number", in_range("+49170")}}).status == 201);
  // Other ranges are not affected.
  CHECK(create_as(p, key, {{"phone_number", fresh_phone()}}).status == 201);

  int to_range = 0;
  for (const auto& line : p.outbox_lines()) {
    const std::string to = line.value("to", "");
    if (to.starts_with("+49176") && to != safe_number) ++to_range;
  }
  CHECK(to_range == 9);
  CHECK(sms_to(p, safe_number) == 1);

  // One prefix_blocked event naming the range; the refusals are rate_limited events.
  const std::string events = events_with(brand, "limit\nprefix_anomaly", 11);
  CHECK(count_of(events, "prefix_blocked") == 1);
  CHECK(events.find("prefix\n+49176") != std::string::npos);
  CHECK(count_of(events, "limit\nprefix_anomaly") == 11);
}

TEST_CASE("pumping: a fresh brand's first burst is not an anomaly, factor 0 switches it off",
          "[e2e][pumping]") {
  TempBrands brands;
  const std::string fresh = unique_brand("pump-fresh");
  const std::string off = unique_brand("pump-off");
  brands.add(fresh, brand_json(R"({"min_sends":5})"));
  brands.add(off, brand_json(R"({"min_sends":5,"factor":0})"));
  seed_history(off);
  brands.add_key("fresh", fresh, "shop");
  brands.add_key("off", off, "shop");
  OtpgateProcess p(brands.options());
  for (int i = 0; i < 12; ++i) {
    INFO(i);
    CHECK(create_as(p, brands.key("fresh"), {{"phone_number", "+49176" + fresh_phone().substr(6)}})
              .status == 201);
    CHECK(create_as(p, brands.key("off"), {{"phone_number", "+49176" + fresh_phone().substr(6)}})
              .status == 201);
  }
  // factor 0 counts nothing either.
  CHECK(redis_cli(shared_redis_port(), {"EXISTS", "otp:{brand:" + off + "}:pump:3:px:+49176"}) ==
        "0");
}

TEST_CASE("a brand file with a malformed safelist entry stops start-up", "[e2e][pumping]") {
  TempBrands brands;
  const std::string brand = unique_brand("pump-bad");
  brands.add(brand, brand_json(R"({"safelist":["0176 123"]})"));
  brands.add_key("shop", brand, "shop");
  OtpgateOptions o = brands.options();
  o.wait_healthy = false;
  OtpgateProcess p(o);
  CHECK(p.wait_exit() == 2);
  CHECK_THAT(p.log_text(), Catch::Contains("/pumping/safelist"));
}
