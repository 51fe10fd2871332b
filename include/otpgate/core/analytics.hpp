// Analytics, the write side: which time-bucketed counters an event adds to. Every event lands in
// counters per brand and bucket (minute, hour, day), written by the same script call that
// appends it to the brand's event stream, so counts and events agree. A counter is a field of
// the bucket's hash; its name says what it counts:
//
//   c:<outcome>[|gw=<gateway>|cc=<country>|lc=<locale>|pp=<purpose>|px=<prefix>]
//       the cohort funnel: verifications counted in the bucket in which they STARTED
//       (started, sent, delivered, approved, failed, cancelled, send_failed); expired and
//       pending are derived when reading (core/analytics_report.hpp)
//   c:att=<n>, c:spa=<n>, c:tta=<bound>   attempts, sends and time (s) per approval (cohort)
//   c:last                                when the bucket's newest verification started (ms)
//   e:<indicator>[|<kind>]                activity and fraud indicators, by event time
//   e:dlat|<gateway>|<bound>              delivery latency histogram (send to report, s)
//
// The rules live here (pure, unit-tested); the Lua script only adds what it is given.
#pragma once

#include "otpgate/core/events.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate::analytics {

enum class Granularity { minute, hour, day };

struct GranularityInfo {
  std::string_view name;      // minute, hour, day
  char key = 'm';             // in the bucket's Redis key
  std::int64_t bucket_ms;     // the bucket's length
  std::int64_t retention_ms;  // how long its buckets are kept (the keys' TTL after the bucket)
};

const GranularityInfo& info(Granularity g);
std::optional<Granularity> granularity_from(std::string_view name);
inline constexpr std::array<Granularity, 3> all_granularities = {
    Granularity::minute, Granularity::hour, Granularity::day};

// The start of the bucket holding `ms` (UTC: days start at midnight UTC).
std::int64_t bucket_floor(std::int64_t ms, Granularity g);

// The cohort outcomes stored per bucket (expired and pending are derived).
inline constexpr std::array<std::string_view, 7> stored_outcomes = {
    "started", "sent", "delivered", "approved", "failed", "cancelled", "send_failed"};

// Upper bounds (seconds) of the time-to-approve and delivery-latency histograms; a last,
// unbounded bucket ("inf") follows.
inline constexpr std::array<int, 12> time_to_approve_bounds = {5,  10, 15,  20,  30,  45,
                                                               60, 90, 120, 180, 300, 600};
inline constexpr std::array<int, 11> delivery_latency_bounds = {1,  2,   5,   10,  20,  30,
                                                                60, 120, 300, 600, 1800};
// The histogram bucket label of a duration: the first bound >= seconds, or "inf".
template <std::size_t N>
std::string bound_label(const std::array<int, N>& bounds, double seconds) {
  for (int b : bounds)
    if (seconds <= b) return std::to_string(b);
  return "inf";
}

// The network signals' indicators, counted on a created event, or a refused one, that carries
// them (sim_swap / kyc set): creates that asked any signal, then per signal its checks and what
// they found (docs/analytics.md). Also the CSVs' signal columns.
inline constexpr std::array<std::string_view, 11> signal_indicators = {
    "signal_checks",    "sim_swap_checks", "sim_swaps",           "sim_swap_errors",
    "kyc_checks",       "kyc_mismatches",  "kyc_errors",          "flagged",
    "refused_sim_swap", "refused_kyc",     "refused_signal_error"};
// The indicators counted by event time (e:<name>), in the order the API lists them: these, then
// the network signals'.
inline constexpr std::array<std::string_view, 23> indicators = [] {
  constexpr std::array<std::string_view, 12> activity = {
      "wrong_codes", "rate_limited",      "prefix_blocked",  "locked",
      "unlocked",    "refused_line_type", "refused_country", "send_failures",
      "undelivered", "resends",           "support_calls",   "anomalies"};
  std::array<std::string_view, activity.size() + signal_indicators.size()> all{};
  std::size_t i = 0;
  for (std::string_view name : activity) all[i++] = name;
  for (std::string_view name : signal_indicators) all[i++] = name;
  return all;
}();
// The checks a signal indicator is a share of (its rate per 1,000 checks: swaps among the
// creates that asked for a SIM swap check, ...); nullopt for the checks themselves and for
// every other indicator.
std::optional<std::string_view> checks_of(std::string_view indicator);
// The kinds of rate_limited (e:rate_limited|<kind>).
inline constexpr std::array<std::string_view, 5> limit_kinds = {"phone", "ip", "prefix", "brand",
                                                                "prefix_anomaly"};

struct Increments {
  std::vector<std::string> by_event_time;  // added to the buckets of the event's time
  std::vector<std::string> by_start_time;  // added to the buckets of the verification's start
  bool marks_start = false;  // a verification started: c:last of its buckets moves to its start
};

// What one event adds (each field +1). Empty for events analytics does not count.
Increments increments_for(const Event& e);

}  // namespace otpgate::analytics
