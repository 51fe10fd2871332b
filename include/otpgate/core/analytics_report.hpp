// Analytics, the read side: funnels, rates, histograms and breakdowns computed from the bucket
// counters that core/analytics.hpp defines. Pure: the store reads the buckets, these functions
// turn them into figures, the API renders them.
#pragma once

#include "otpgate/core/analytics.hpp"
#include "otpgate/core/analytics_query.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate::analytics {

// A bucket's counters: field -> count (see core/analytics.hpp for the field names).
using Counts = std::map<std::string, std::int64_t, std::less<>>;

struct Bucket {
  std::int64_t start_ms = 0;
  Counts counts;
};

std::int64_t count_of(const Counts& c, std::string_view field);
void add_counts(Counts& into, const Counts& from);

// The cohort funnel of verifications that started in some buckets.
struct Funnel {
  std::int64_t started = 0, sent = 0, delivered = 0, approved = 0, failed = 0, cancelled = 0,
               send_failed = 0, expired = 0, pending = 0;
  std::int64_t abandoned() const { return expired + cancelled; }
  Funnel& operator+=(const Funnel& o);
};

// One bucket's funnel. Verifications with no outcome yet are pending until the bucket's newest
// start (c:last) plus the brand's TTL has passed, then expired: no verification of the bucket
// can still be pending then (derived from the TTL, not from keyspace notifications).
Funnel funnel_of(const Counts& bucket, std::int64_t now_ms, std::int64_t ttl_ms);

// A bucket's funnel once all its verifications are past their TTL (nothing pending).
Funnel settled_funnel_of(const Counts& bucket);

// The minutes of [from, to) whose verifications may still be pending at now (started less than
// a TTL and a minute ago): a range's funnel is its buckets' settled funnels with these minutes'
// pending verifications moved from expired to pending (move_pending).
std::vector<Tile> recent_minutes(std::int64_t from_ms, std::int64_t to_ms, std::int64_t now_ms,
                                 std::int64_t ttl_ms);
void move_pending(Funnel& f, const Counts& minute, std::int64_t now_ms, std::int64_t ttl_ms);

// Rates as fractions; nullopt where the denominator is 0.
struct Rates {
  std::optional<double> conversion;    // approved / started
  std::optional<double> delivery;      // delivered / sent
  std::optional<double> abandonment;   // (expired + cancelled) / started
  std::optional<double> failure;       // failed (attempts used up) / started
  std::optional<double> send_failure;  // send_failed / started
};
Rates rates_of(const Funnel& f);
std::optional<double> ratio(std::int64_t num, std::int64_t den);

// A count per 1,000 verifications started (nullopt when none started).
std::optional<double> per_1000(std::int64_t count, std::int64_t started);

// A histogram read back: (upper bound label, count) in bound order, "inf" last, with the
// p50 and p90 estimated by linear interpolation inside the bucket holding the quantile.
struct Histogram {
  std::vector<std::pair<std::string, std::int64_t>> buckets;
  std::int64_t total = 0;
  std::optional<double> p50, p90;
};
Histogram time_to_approve(const Counts& c);
Histogram delivery_latency(const Counts& c, std::string_view gateway);
// Estimates quantile q (0..1) from upper bounds and counts (the last count unbounded).
std::optional<double> estimate_quantile(const std::vector<int>& bounds,
                                        const std::vector<std::int64_t>& counts, double q);

// c:att=<n> or c:spa=<n>: n -> count, ascending.
std::map<int, std::int64_t> per_approval(const Counts& c, std::string_view which);

// The values of one dimension (gw, cc, lc, pp, px) with each stored outcome's count:
// value -> outcome -> count.
using Breakdown = std::map<std::string, std::map<std::string, std::int64_t>>;
Breakdown breakdown(const Counts& c, std::string_view dimension);

// Gateways that have delivery latency counts (e:dlat|<gw>|...).
std::vector<std::string> latency_gateways(const Counts& c);

// The indicators (core/analytics.hpp `indicators`) and rate_limited kinds: name -> count.
std::map<std::string, std::int64_t> indicator_counts(const Counts& c);
std::map<std::string, std::int64_t> limit_counts(const Counts& c);

// The fields a market total needs (no breakdowns): for HMGET instead of HGETALL.
const std::vector<std::string>& total_fields();

}  // namespace otpgate::analytics
