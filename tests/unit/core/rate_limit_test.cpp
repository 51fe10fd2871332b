// The GCRA rule stepped by hand: burst, steady rate, retry-after, a clock going back; and the
// destination prefix a prefix limit counts by.
#include "otpgate/core/brand.hpp"
#include "otpgate/core/rate_limit.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <optional>

using namespace otpgate;

namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;

// Admits at `now` and, when allowed, stores the new TAT as the script does.
GcraDecision step(std::optional<std::int64_t>& tat, std::int64_t now, const Rate& rate) {
  const GcraDecision d = gcra_admit(tat, now, rate);
  if (d.allowed) tat = d.new_tat_ms;
  return d;
}

}  // namespace

TEST_CASE("GCRA: a quiet key admits a full burst at once, then refuses", "[unit][rate_limit]") {
  const Rate five_per_10min{5, 600'000};  // interval 120 s
  std::optional<std::int64_t> tat;
  for (int i = 0; i < 5; ++i) {
    INFO(i);
    CHECK(step(tat, t0, five_per_10min).allowed);
  }
  CHECK(tat == t0 + 5 * 120'000);
  const GcraDecision sixth = step(tat, t0, five_per_10min);
  CHECK_FALSE(sixth.allowed);
  CHECK(sixth.retry_after_ms == 120'000);  // one interval until one more fits
  CHECK(tat == t0 + 5 * 120'000);          // a refusal stores nothing
}

TEST_CASE("GCRA: after the burst one event per interval, retry-after counts down",
          "[unit][rate_limit]") {
  const Rate two_per_minute{2, 60'000};  // interval 30 s
  std::optional<std::int64_t> tat;
  CHECK(step(tat, t0, two_per_minute).allowed);
  CHECK(step(tat, t0, two_per_minute).allowed);
  CHECK(step(tat, t0 + 10'000, two_per_minute).retry_after_ms == 20'000);
  CHECK(step(tat, t0 + 29'999, two_per_minute).retry_after_ms == 1);
  CHECK(step(tat, t0 + 30'000, two_per_minute).allowed);  // the refill
  CHECK_FALSE(step(tat, t0 + 30'000, two_per_minute).allowed);
  // Steady rate: one every 30 s is always admitted, faster is not.
  for (int i = 2; i < 10; ++i) {
    INFO(i);
    CHECK(step(tat, t0 + i * 30'000, two_per_minute).allowed);
    CHECK_FALSE(step(tat, t0 + i * 30'000 + 1, two_per_minute).allowed);
  }
  // A long pause refills the whole burst, never more.
  const std::int64_t later = t0 + 3'600'000;
  CHECK(step(tat, later, two_per_minute).allowed);
  CHECK(step(tat, later, two_per_minute).allowed);
  CHECK_FALSE(step(tat, later, two_per_minute).allowed);
}

TEST_CASE("GCRA: a limit of one", "[unit][rate_limit]") {
  const Rate one_per_hour{1, 3'600'000};
  std::optional<std::int64_t> tat;
  CHECK(step(tat, t0, one_per_hour).allowed);
  const auto denied = step(tat, t0 + 600'000, one_per_hour);
  CHECK_FALSE(denied.allowed);
  CHECK(denied.retry_after_ms == 3'000'000);
  CHECK(step(tat, t0 + 3'600'000, one_per_hour).allowed);
}

TEST_CASE("GCRA: a clock going back never loosens a limit and blocks at most an interval more",
          "[unit][rate_limit]") {
  const Rate three_per_minute{3, 60'000};  // interval 20 s
  std::optional<std::int64_t> tat;
  for (int i = 0; i < 3; ++i) CHECK(step(tat, t0, three_per_minute).allowed);
  // Ten seconds back: still full (a TAT further ahead than a full burst counts as one).
  const auto back = step(tat, t0 - 10'000, three_per_minute);
  CHECK_FALSE(back.allowed);
  CHECK(back.retry_after_ms == 20'000);
  // An hour back (another instance's clock): the stored TAT counts as one full burst, so the
  // wait is one interval, not an hour.
  const auto far_back = step(tat, t0 - 3'600'000, three_per_minute);
  CHECK_FALSE(far_back.allowed);
  CHECK(far_back.retry_after_ms == 20'000);
  // Back to the right time: nothing was counted while refused.
  CHECK(step(tat, t0 + 20'000, three_per_minute).allowed);
  CHECK_FALSE(step(tat, t0 + 20'000, three_per_minute).allowed);
}

TEST_CASE("GCRA: the interval is at least one millisecond", "[unit][rate_limit]") {
  CHECK(Rate{1000, 60'000}.interval_ms() == 60);
  CHECK(Rate{1'000'000, 60'000}.interval_ms() == 1);
  CHECK_FALSE(Rate{0, 60'000}.enabled());
  CHECK(Rate{1, 60'000}.enabled());
}

TEST_CASE("destination prefix: country calling code plus leading digits", "[unit][rate_limit]") {
  CHECK(destination_prefix("+4915112345678", 3) == "+49151");
  CHECK(destination_prefix("+4930123456", 2) == "+4930");
  CHECK(destination_prefix("+447700900123", 3) == "+44770");
  CHECK(destination_prefix("+12025550123", 3) == "+1202");
  CHECK(destination_prefix("+79161234567", 3) == "+7916");
  CHECK(destination_prefix("+353861234567", 3) == "+353861");  // Ireland: three-digit code
  CHECK(destination_prefix("+41791234567", 3) == "+41791");
  CHECK(destination_prefix("+43664123456", 3) == "+43664");
  CHECK(destination_prefix("+88212345678", 2) == "+88212");  // international networks
  CHECK(destination_prefix("+4915", 6) == "+4915");          // shorter than asked
  CHECK(calling_code_length("49") == 2);
  CHECK(calling_code_length("1") == 1);
  CHECK(calling_code_length("353") == 3);
  CHECK(calling_code_length("299") == 3);  // Greenland, not "29"
}

TEST_CASE("brand limits: defaults, overrides, switching off", "[unit][rate_limit][brand]") {
  const auto base = nlohmann::json::parse(R"({"display_name":"X","sender_id":"Xyz",
    "locales":["en"],"default_locale":"en","allowed_countries":["DE"],"gateways":["file"]})");
  const Brand d = brand_from_json(*BrandId::parse("limits"), base);
  CHECK(d.limits.phone_per_10_minutes.count == 5);
  CHECK(d.limits.phone_per_10_minutes.period_ms == 600'000);
  CHECK(d.limits.phone_per_day.count == 10);
  CHECK(d.limits.ip_per_hour.count == 30);
  CHECK(d.limits.prefix_per_hour.count == 1000);
  CHECK(d.limits.brand_per_minute.count == 600);
  CHECK(d.limits.prefix_digits == 3);
  auto doc = base;
  doc["limits"] = {
      {"phone_sends_per_10_minutes", 2}, {"brand_sends_per_minute", 0}, {"prefix_digits", 4}};
  const Brand o = brand_from_json(*BrandId::parse("limits"), doc);
  CHECK(o.limits.phone_per_10_minutes.count == 2);
  CHECK_FALSE(o.limits.brand_per_minute.enabled());
  CHECK(o.limits.prefix_digits == 4);
  doc["limits"] = nlohmann::json::parse(R"({"phone_sends_per_day": 0})");
  CHECK_THROWS_AS(brand_from_json(*BrandId::parse("limits"), doc), std::invalid_argument);
}
