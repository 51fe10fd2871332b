// The pumping rule stepped by hand: a steady prefix never trips, a jump far above its baseline
// does (not before min_sends), a prefix the brand never sent to trips once the brand has a
// history but not in a fresh deployment, the block holds and ends, the clock going back, the
// safelist, and the brand policy's parsing.
#include "otpgate/core/brand.hpp"
#include "otpgate/core/pumping.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace otpgate;

namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;

// Sends `count` SMS spaced `every_ms` apart starting at `from`, as the script does (storing
// what each decision says); the verdict of the first refused send, or allowed.
struct Run {
  PumpingVerdict verdict = PumpingVerdict::allowed;
  int allowed = 0;  // sends counted before the first refusal
  std::int64_t at = 0;
};

Run send(PrefixTraffic& t, std::int64_t since, std::int64_t from, int count, std::int64_t every_ms,
         const PumpingPolicy& p = {}) {
  Run run;
  for (int i = 0; i < count; ++i) {
    run.at = from + i * every_ms;
    const PumpingDecision d = pumping_admit(t, since, run.at, p);
    t = d.next;
    if (d.verdict != PumpingVerdict::allowed) {
      run.verdict = d.verdict;
      return run;
    }
    ++run.allowed;
  }
  return run;
}

}  // namespace

TEST_CASE("Pumping: steady traffic on a prefix never trips, even when heavy", "[unit][pumping]") {
  PrefixTraffic t;
  // Two days at 120 sends per hour (one every 30 s), from the brand's first send.
  const Run run = send(t, t0, t0, 2 * 24 * 120, 30'000);
  CHECK(run.verdict == PumpingVerdict::allowed);
  CHECK(run.allowed == 2 * 24 * 120);
  CHECK(t.blocked_until_ms == 0);
}

TEST_CASE("Pumping: a jump to 20x the baseline blocks the prefix, 3x does not", "[unit][pumping]") {
  const std::int64_t since = t0;
  PrefixTraffic t;
  // A day of baseline: 12 sends per hour.
  REQUIRE(send(t, since, t0, 24 * 12, 5 * minute).verdict == PumpingVerdict::allowed);
  const std::int64_t day = t0 + 24 * hour;

  SECTION("3x for an hour is ordinary growth") {
    const Run run = send(t, since, day, 36, 100'000);
    CHECK(run.verdict == PumpingVerdict::allowed);
  }
  SECTION("20x trips within minutes, and the send that trips is refused") {
    const Run run = send(t, since, day, 240, 15'000);
    REQUIRE(run.verdict == PumpingVerdict::tripped);
    CHECK(run.allowed >= 19);  // min_sends (20) must be reached first
    CHECK(run.at - day < 10 * minute);
    CHECK(t.blocked_until_ms == run.at + hour);
  }
}

TEST_CASE("Pumping: min_sends keeps a quiet prefix from tripping on a handful of sends",
          "[unit][pumping]") {
  const std::int64_t since = t0 - 7 * 24 * hour;  // a brand running for a week
  PrefixTraffic t;                                // a prefix it never sent to
  PumpingPolicy p;
  p.min_sends = 20;
  // All at one instant, so the counts are exact (no decay between them).
  const Run burst = send(t, since, t0, 19, 0, p);
  CHECK(burst.verdict == PumpingVerdict::allowed);
  CHECK(burst.allowed == 19);
  CHECK(t.recent == 19);
  // The 20th within the window is the anomaly.
  const PumpingDecision twentieth = pumping_admit(t, since, t0, p);
  CHECK(twentieth.verdict == PumpingVerdict::tripped);
  CHECK(twentieth.retry_after_ms == p.block.count());
  CHECK(twentieth.next.recent == 19);  // the refused send is not counted
  CHECK(twentieth.next.blocked_until_ms == t0 + p.block.count());
  // A minute later the decayed count is below 20 again, but the block holds.
  CHECK(pumping_admit(twentieth.next, since, t0 + minute, p).verdict == PumpingVerdict::blocked);
}

TEST_CASE("Pumping: in a fresh deployment every prefix is new, none is an anomaly",
          "[unit][pumping]") {
  // The brand's first send was a minute ago: a burst of 100 on a new prefix is no signal yet.
  PrefixTraffic t;
  const Run run = send(t, t0, t0 + minute, 100, 1000);
  CHECK(run.verdict == PumpingVerdict::allowed);
  // The same burst on a brand with a week of history trips.
  PrefixTraffic u;
  const Run old = send(u, t0 - 7 * 24 * hour, t0, 100, 1000);
  CHECK(old.verdict == PumpingVerdict::tripped);
}

TEST_CASE("Pumping: a blocked prefix refuses without counting until the block ends",
          "[unit][pumping]") {
  const std::int64_t since = t0 - 7 * 24 * hour;
  PrefixTraffic t;
  const Run run = send(t, since, t0, 100, 1000);
  REQUIRE(run.verdict == PumpingVerdict::tripped);
  const PrefixTraffic at_trip = t;
  const PumpingDecision during = pumping_admit(t, since, run.at + 30 * minute, PumpingPolicy{});
  CHECK(during.verdict == PumpingVerdict::blocked);
  CHECK(during.retry_after_ms == 30 * minute);
  CHECK(during.next.recent == at_trip.recent);
  CHECK(during.next.updated_ms == at_trip.updated_ms);
  // After the hour the window has decayed: single sends pass again.
  const PumpingDecision after = pumping_admit(t, since, run.at + hour, PumpingPolicy{});
  CHECK(after.verdict == PumpingVerdict::allowed);
  CHECK(after.next.blocked_until_ms == 0);
}

TEST_CASE("Pumping: a clock going back counts as no time passing", "[unit][pumping]") {
  const std::int64_t since = t0 - 7 * 24 * hour;
  PrefixTraffic t{.recent = 5, .baseline = 50, .updated_ms = t0};
  const PumpingDecision d = pumping_admit(t, since, t0 - 10 * minute, PumpingPolicy{});
  CHECK(d.verdict == PumpingVerdict::allowed);
  CHECK(d.next.recent == 6);  // not decayed by a negative time (which would grow it)
  CHECK(d.next.baseline == 51);
}

TEST_CASE("Pumping: factor 0 switches the block off", "[unit][pumping]") {
  PumpingPolicy p;
  CHECK(p.enabled());
  p.factor = 0;
  CHECK_FALSE(p.enabled());
}

TEST_CASE("Pumping: the safelist matches numbers and prefixes", "[unit][pumping]") {
  PumpingPolicy p;
  p.safelist = {"+4915112345678", "+43664"};
  CHECK(p.safelisted("+4915112345678"));
  CHECK_FALSE(p.safelisted("+4915112345679"));
  CHECK(p.safelisted("+436641234567"));
  CHECK_FALSE(p.safelisted("+43676123456"));
  CHECK(is_safelist_entry("+49"));
  CHECK(is_safelist_entry("+491511234567890"));
  CHECK_FALSE(is_safelist_entry("+4"));
  CHECK_FALSE(is_safelist_entry("4915112345678"));
  CHECK_FALSE(is_safelist_entry("+49 151"));
  CHECK_FALSE(is_safelist_entry("+4915112345678901"));
}

TEST_CASE("Pumping: brand policy from brand.json", "[unit][pumping]") {
  using nlohmann::json;
  const json base = {{"display_name", "X"},         {"sender_id", "X"},
                     {"locales", {"en"}},           {"default_locale", "en"},
                     {"allowed_countries", {"DE"}}, {"gateways", {"file"}}};
  SECTION("defaults") {
    const PumpingPolicy p = brand_from_json(*BrandId::parse("pumping"), base).pumping;
    CHECK(p.factor == 10);
    CHECK(p.min_sends == 20);
    CHECK(p.window.count() == 10 * minute);
    CHECK(p.baseline.count() == 24 * hour);
    CHECK(p.block.count() == hour);
    CHECK(p.safelist.empty());
  }
  SECTION("given") {
    json doc = base;
    doc["pumping"] = {{"factor", 4.5},        {"min_sends", 50},     {"window_minutes", 5},
                      {"baseline_hours", 72}, {"block_minutes", 30}, {"safelist", {"+49151"}}};
    const PumpingPolicy p = brand_from_json(*BrandId::parse("pumping"), doc).pumping;
    CHECK(p.factor == 4.5);
    CHECK(p.min_sends == 50);
    CHECK(p.window.count() == 5 * minute);
    CHECK(p.baseline.count() == 72 * hour);
    CHECK(p.block.count() == 30 * minute);
    CHECK(p.safelist == std::vector<std::string>{"+49151"});
  }
  SECTION("a baseline not longer than the window is refused") {
    json doc = base;
    doc["pumping"] = {{"window_minutes", 60}, {"baseline_hours", 1}};
    CHECK_THROWS_WITH(brand_from_json(*BrandId::parse("pumping"), doc),
                      Catch::Contains("/pumping/baseline_hours"));
  }
  SECTION("a safelist entry not in E.164 form is refused") {
    json doc = base;
    doc["pumping"] = {{"safelist", {"0151 123"}}};
    CHECK_THROWS_WITH(brand_from_json(*BrandId::parse("pumping"), doc),
                      Catch::Contains("/pumping/safelist"));
  }
}
