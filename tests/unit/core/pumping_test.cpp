// The pumping rule stepped by hand: a steady prefix never trips, a jump far above its baseline
// does (not before min_sends), a prefix the brand never sent to trips once the brand has a
// history but not in a fresh deployment, the block holds and ends, the clock going back, the
// safelist, and the brand policy's parsing.
#include "otpgate/core/brand.hpp"
#include "otpgate/core/pumping.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>

using namespace otpgate;

namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;

// One brand's pumping state as the script keeps it: each prefix's counts and the brand's.
struct Watch {
  std::int64_t since;
  PumpingPolicy policy;
  std::map<std::string, Traffic> prefixes;
  Traffic brand;

  PumpingDecision send(const std::string& prefix, std::int64_t at) {
    const PumpingDecision d = pumping_admit(prefixes[prefix], brand, since, at, policy);
    prefixes[prefix] = d.prefix;
    brand = d.brand;
    return d;
  }
  // `count` sends to `prefix`, `every_ms` apart from `from`: the first refusal, or allowed.
  struct Run {
    PumpingVerdict verdict = PumpingVerdict::allowed;
    int allowed = 0;  // sends counted before the first refusal
    std::int64_t at = 0;
  };
  Run burst(const std::string& prefix, std::int64_t from, int count, std::int64_t every_ms) {
    Run run;
    for (int i = 0; i < count; ++i) {
      run.at = from + i * every_ms;
      const PumpingDecision d = send(prefix, run.at);
      if (d.verdict != PumpingVerdict::allowed) {
        run.verdict = d.verdict;
        return run;
      }
      ++run.allowed;
    }
    return run;
  }
  // `per_hour` sends an hour to each of `ranges`, interleaved, for `hours` from `from`; the
  // number of refusals.
  int steady(const std::vector<std::string>& ranges, std::int64_t from, double hours,
             int per_hour) {
    int refused = 0;
    const std::int64_t every = hour / per_hour;
    const auto n = static_cast<int>(hours * per_hour);
    for (int i = 0; i < n; ++i)
      for (std::size_t r = 0; r < ranges.size(); ++r)
        if (send(ranges[r], from + i * every + static_cast<std::int64_t>(r)).verdict !=
            PumpingVerdict::allowed)
          ++refused;
    return refused;
  }
};

const std::vector<std::string> five_ranges = {"+49151", "+49160", "+49170", "+49176", "+43664"};

}  // namespace

TEST_CASE("Pumping: steady traffic never trips, even when heavy", "[unit][pumping]") {
  Watch w{.since = t0};
  // Two days at 120 sends per hour on each of five ranges, from the brand's first send.
  CHECK(w.steady(five_ranges, t0, 48, 120) == 0);
  CHECK(w.prefixes["+49151"].blocked_until_ms == 0);
}

TEST_CASE("Pumping: one range jumping to 20x while the others keep their level is blocked",
          "[unit][pumping]") {
  Watch w{.since = t0};
  REQUIRE(w.steady(five_ranges, t0, 24, 12) == 0);  // a day of 12 per hour per range
  const std::int64_t day = t0 + 24 * hour;

  SECTION("3x for an hour is ordinary growth") {
    CHECK(w.burst("+49176", day, 36, 100'000).verdict == PumpingVerdict::allowed);
  }
  SECTION("20x trips within minutes, and the send that trips is refused") {
    const auto run = w.burst("+49176", day, 240, 15'000);
    REQUIRE(run.verdict == PumpingVerdict::tripped);
    CHECK(run.allowed >= 19);  // min_sends (20) must be reached first
    CHECK(run.at - day < 10 * minute);
    CHECK(w.prefixes["+49176"].blocked_until_ms == run.at + hour);
    // The other ranges go on.
    CHECK(w.send("+49151", run.at + 1).verdict == PumpingVerdict::allowed);
  }
}

TEST_CASE("Pumping: a campaign lifting every range 20x blocks none", "[unit][pumping]") {
  Watch w{.since = t0};
  REQUIRE(w.steady(five_ranges, t0, 7 * 24, 6) == 0);  // a week of 6 per hour per range
  // Launch day: 120 per hour on every range for two hours.
  CHECK(w.steady(five_ranges, t0 + 7 * 24 * hour, 2, 120) == 0);
  // The same jump on one range alone is blocked.
  Watch alone{.since = t0};
  REQUIRE(alone.steady(five_ranges, t0, 7 * 24, 6) == 0);
  CHECK(alone.steady({"+49176"}, t0 + 7 * 24 * hour, 2, 120) > 0);
}

TEST_CASE("Pumping: min_sends keeps a quiet prefix from tripping on a handful of sends",
          "[unit][pumping]") {
  Watch w{.since = t0 - 7 * 24 * hour};  // a brand running for a week, no other traffic
  // All at one instant, so the counts are exact (no decay between them).
  const auto burst = w.burst("+49176", t0, 19, 0);
  CHECK(burst.verdict == PumpingVerdict::allowed);
  CHECK(burst.allowed == 19);
  CHECK(w.prefixes["+49176"].recent == 19);
  CHECK(w.brand.recent == 19);
  // The 20th within the window is the anomaly (the brand's only traffic: no other range to
  // compare with, so its growth counts as 1).
  const PumpingDecision twentieth = w.send("+49176", t0);
  CHECK(twentieth.verdict == PumpingVerdict::tripped);
  CHECK(twentieth.retry_after_ms == w.policy.block.count());
  CHECK(twentieth.prefix.recent == 19);  // the refused send is not counted
  CHECK(twentieth.brand.recent == 19);
  CHECK(twentieth.prefix.blocked_until_ms == t0 + w.policy.block.count());
  // A minute later the decayed count is below 20 again, but the block holds.
  CHECK(w.send("+49176", t0 + minute).verdict == PumpingVerdict::blocked);
}

TEST_CASE("Pumping: in a fresh deployment every prefix is new, none is an anomaly",
          "[unit][pumping]") {
  // The brand's first send was a minute ago: a burst of 100 on a new prefix is no signal yet.
  Watch fresh{.since = t0};
  CHECK(fresh.burst("+49176", t0 + minute, 100, 1000).verdict == PumpingVerdict::allowed);
  // The same burst on a brand with a week of history trips.
  Watch old{.since = t0 - 7 * 24 * hour};
  CHECK(old.burst("+49176", t0, 100, 1000).verdict == PumpingVerdict::tripped);
}

TEST_CASE("Pumping: a blocked prefix refuses without counting until the block ends",
          "[unit][pumping]") {
  Watch w{.since = t0 - 7 * 24 * hour};
  const auto run = w.burst("+49176", t0, 100, 1000);
  REQUIRE(run.verdict == PumpingVerdict::tripped);
  const Traffic at_trip = w.prefixes["+49176"];
  const Traffic brand_at_trip = w.brand;
  const PumpingDecision during = w.send("+49176", run.at + 30 * minute);
  CHECK(during.verdict == PumpingVerdict::blocked);
  CHECK(during.retry_after_ms == 30 * minute);
  CHECK(during.prefix.recent == at_trip.recent);
  CHECK(during.prefix.updated_ms == at_trip.updated_ms);
  CHECK(during.brand.recent == brand_at_trip.recent);
  // After the hour the window has decayed: single sends pass again.
  const PumpingDecision after = w.send("+49176", run.at + hour);
  CHECK(after.verdict == PumpingVerdict::allowed);
  CHECK(after.prefix.blocked_until_ms == 0);
}

TEST_CASE("Pumping: a clock going back counts as no time passing", "[unit][pumping]") {
  const Traffic prefix{.recent = 5, .baseline = 50, .updated_ms = t0};
  const Traffic brand{.recent = 50, .baseline = 500, .updated_ms = t0};
  const PumpingDecision d =
      pumping_admit(prefix, brand, t0 - 7 * 24 * hour, t0 - 10 * minute, PumpingPolicy{});
  CHECK(d.verdict == PumpingVerdict::allowed);
  CHECK(d.prefix.recent == 6);  // not decayed by a negative time (which would grow it)
  CHECK(d.prefix.baseline == 51);
  CHECK(d.brand.recent == 51);
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
  SECTION("a factor that could never block, or would block steady traffic, is refused") {
    for (const double factor : {1.0, 0.5, 73.0}) {
      CAPTURE(factor);
      json doc = base;
      doc["pumping"] = {{"factor", factor}};  // the default windows allow up to 72
      CHECK_THROWS_WITH(brand_from_json(*BrandId::parse("pumping"), doc),
                        Catch::Contains("/pumping/factor"));
    }
    json doc = base;
    doc["pumping"] = {{"factor", 72}};
    CHECK(brand_from_json(*BrandId::parse("pumping"), doc).pumping.factor == 72);
    doc["pumping"] = {{"factor", 0}};
    CHECK_FALSE(brand_from_json(*BrandId::parse("pumping"), doc).pumping.enabled());
    doc["pumping"] = {{"factor", 10}, {"window_minutes", 60}, {"baseline_hours", 10}};
    CHECK_THROWS_WITH(brand_from_json(*BrandId::parse("pumping"), doc),
                      Catch::Contains("/pumping/factor"));
  }
  SECTION("a safelist entry not in E.164 form is refused") {
    json doc = base;
    doc["pumping"] = {{"safelist", {"0151 123"}}};
    CHECK_THROWS_WITH(brand_from_json(*BrandId::parse("pumping"), doc),
                      Catch::Contains("/pumping/safelist"));
  }
}
