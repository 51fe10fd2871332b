// The network signals in analytics (core/analytics.hpp): which e: counters a created or refused
// event adds for every combination of sim_swap, kyc and flagged, none for events without them,
// which checks each signal indicator is a share of, and the indicators read back from the
// summed counters of a batch.
#include "otpgate/core/analytics.hpp"
#include "otpgate/core/analytics_batch.hpp"
#include "otpgate/core/analytics_report.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace otpgate;
using namespace otpgate::analytics;

namespace {

constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z

Event create_event(EventType type, std::string sim_swap, std::string kyc, bool flagged,
                   std::string reason = "") {
  return Event{.type = type,
               .brand = "b",
               .verification_id = type == EventType::created ? "vf_x" : "",
               .country = "DE",
               .at_ms = t0 + 5'000,
               .started_ms = type == EventType::created ? t0 + 5'000 : 0,
               .reason = std::move(reason),
               .sim_swap = std::move(sim_swap),
               .kyc = std::move(kyc),
               .flagged = flagged};
}

// The e: counters of the signals among an event's event-time increments.
std::set<std::string> signal_fields(const Event& e) {
  std::set<std::string> out;
  for (const std::string& f : increments_for(e).by_event_time) {
    const std::string name = f.substr(2);
    if (std::find(signal_indicators.begin(), signal_indicators.end(), name) !=
        signal_indicators.end())
      out.insert(f);
  }
  return out;
}

// What a created event carrying these outcomes must add (the rule written out by hand).
std::set<std::string> expected_for_created(const std::string& sim, const std::string& kyc,
                                           bool flagged) {
  std::set<std::string> out;
  if (sim.empty() && kyc.empty()) return out;
  out.insert("e:signal_checks");
  if (!sim.empty()) out.insert("e:sim_swap_checks");
  if (sim == "swapped") out.insert("e:sim_swaps");
  if (sim == "error") out.insert("e:sim_swap_errors");
  if (!kyc.empty()) out.insert("e:kyc_checks");
  if (kyc == "mismatch") out.insert("e:kyc_mismatches");
  if (kyc == "error") out.insert("e:kyc_errors");
  if (flagged) out.insert("e:flagged");
  return out;
}

}  // namespace

TEST_CASE("a created event counts every combination of its signals by event time",
          "[unit][analytics][signals]") {
  for (const std::string sim : {"", "clear", "swapped", "error"}) {
    for (const std::string kyc : {"", "match", "mismatch", "error"}) {
      for (const bool flagged : {false, true}) {
        if (sim.empty() && kyc.empty() && flagged) continue;  // flagged needs a signal
        CAPTURE(sim, kyc, flagged);
        const Event e = create_event(EventType::created, sim, kyc, flagged);
        CHECK(signal_fields(e) == expected_for_created(sim, kyc, flagged));
        // The funnel is untouched: the start counts as before, in its cohort.
        const Increments inc = increments_for(e);
        CHECK(inc.marks_start);
        CHECK(std::count(inc.by_start_time.begin(), inc.by_start_time.end(), "c:started") == 1);
      }
    }
  }
}

TEST_CASE("a create without signals adds no signal counter", "[unit][analytics][signals]") {
  const Event plain = create_event(EventType::created, "", "", false);
  CHECK(signal_fields(plain).empty());
  for (const std::string& f : increments_for(plain).by_event_time) CHECK(f.rfind("e:", 0) != 0);
  // A refusal for the country asks no signal either.
  const Event country = create_event(EventType::refused, "", "", false, "country");
  CHECK(increments_for(country).by_event_time == std::vector<std::string>{"e:refused_country"});
  // Other events never count signals, even if a field were set by mistake.
  Event sent = create_event(EventType::sent, "swapped", "mismatch", true);
  CHECK(signal_fields(sent).empty());
}

TEST_CASE(
    "a create refused for a signal counts the refusal and the signals it asked, never flagged",
    "[unit][analytics][signals]") {
  struct Case {
    const char* reason;
    const char* sim;
    const char* kyc;
    std::set<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"sim_swap",
       "swapped",
       "",
       {"e:refused_sim_swap", "e:signal_checks", "e:sim_swap_checks", "e:sim_swaps"}},
      {"sim_swap",
       "swapped",
       "match",
       {"e:refused_sim_swap", "e:signal_checks", "e:sim_swap_checks", "e:sim_swaps",
        "e:kyc_checks"}},
      {"kyc",
       "",
       "mismatch",
       {"e:refused_kyc", "e:signal_checks", "e:kyc_checks", "e:kyc_mismatches"}},
      {"kyc",
       "clear",
       "mismatch",
       {"e:refused_kyc", "e:signal_checks", "e:sim_swap_checks", "e:kyc_checks",
        "e:kyc_mismatches"}},
      {"signal_error",
       "error",
       "",
       {"e:refused_signal_error", "e:signal_checks", "e:sim_swap_checks", "e:sim_swap_errors"}},
      {"signal_error",
       "clear",
       "error",
       {"e:refused_signal_error", "e:signal_checks", "e:sim_swap_checks", "e:kyc_checks",
        "e:kyc_errors"}},
      {"signal_error",
       "error",
       "error",
       {"e:refused_signal_error", "e:signal_checks", "e:sim_swap_checks", "e:sim_swap_errors",
        "e:kyc_checks", "e:kyc_errors"}},
  };
  for (const Case& c : cases) {
    for (const bool flagged : {false, true}) {
      CAPTURE(c.reason, c.sim, c.kyc, flagged);
      const Event e = create_event(EventType::refused, c.sim, c.kyc, flagged, c.reason);
      const Increments inc = increments_for(e);
      const std::set<std::string> got(inc.by_event_time.begin(), inc.by_event_time.end());
      CHECK(got == c.expected);  // flagged or not: a refused create did not go through
      CHECK(inc.by_event_time.size() == got.size());  // each counter once
      CHECK(inc.by_start_time.empty());
      CHECK(!inc.marks_start);
    }
  }
}

TEST_CASE("each signal indicator is a share of the checks that could find it",
          "[unit][analytics][signals]") {
  CHECK(checks_of("sim_swaps") == "sim_swap_checks");
  CHECK(checks_of("sim_swap_errors") == "sim_swap_checks");
  CHECK(checks_of("refused_sim_swap") == "sim_swap_checks");
  CHECK(checks_of("kyc_mismatches") == "kyc_checks");
  CHECK(checks_of("kyc_errors") == "kyc_checks");
  CHECK(checks_of("refused_kyc") == "kyc_checks");
  CHECK(checks_of("flagged") == "signal_checks");
  CHECK(checks_of("refused_signal_error") == "signal_checks");
  for (std::string_view checks : {"signal_checks", "sim_swap_checks", "kyc_checks"})
    CHECK(!checks_of(checks));
  CHECK(!checks_of("wrong_codes"));
  CHECK(!checks_of("refused_country"));
  // Every signal indicator is listed among the indicators the API shows and the market reads.
  for (std::string_view s : signal_indicators) {
    CAPTURE(s);
    CHECK(std::find(indicators.begin(), indicators.end(), s) != indicators.end());
    CHECK(std::count(total_fields().begin(), total_fields().end(), "e:" + std::string(s)) == 1);
  }
}

TEST_CASE("a batch's signal counters sum and read back as indicators",
          "[unit][analytics][signals]") {
  const std::vector<Event> batch = {
      create_event(EventType::created, "clear", "match", false),
      create_event(EventType::created, "swapped", "match", true),
      create_event(EventType::created, "clear", "mismatch", true),
      create_event(EventType::created, "error", "", false),
      create_event(EventType::refused, "swapped", "", false, "sim_swap"),
      create_event(EventType::refused, "", "error", false, "signal_error"),
      create_event(EventType::created, "", "", false),
  };
  Counts minute;
  for (const auto& [tile, adds] : aggregate_increments(batch))
    if (tile.granularity == Granularity::minute)
      for (const auto& [field, n] : adds.counts) minute[field] += n;
  const auto got = indicator_counts(minute);
  CHECK(got.at("signal_checks") == 6);
  CHECK(got.at("sim_swap_checks") == 5);
  CHECK(got.at("sim_swaps") == 2);
  CHECK(got.at("sim_swap_errors") == 1);
  CHECK(got.at("kyc_checks") == 4);
  CHECK(got.at("kyc_mismatches") == 1);
  CHECK(got.at("kyc_errors") == 1);
  CHECK(got.at("flagged") == 2);
  CHECK(got.at("refused_sim_swap") == 1);
  CHECK(got.at("refused_kyc") == 0);
  CHECK(got.at("refused_signal_error") == 1);
  CHECK(count_of(minute, "c:started") == 5);  // the refusals started nothing
  // Per 1,000 checks: 2 swaps among 5 SIM swap checks.
  CHECK(per_1000(got.at("sim_swaps"), got.at(std::string(*checks_of("sim_swaps")))) == 400.0);
}
