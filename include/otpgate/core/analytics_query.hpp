// A stats query (from, to, granularity) validated into aligned bucket ranges, and the plan of
// buckets that cover a range with as few keys as possible.
#pragma once

#include "otpgate/core/analytics.hpp"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace otpgate::analytics {

// RFC 3339 date-time ("2026-12-03T10:00:00Z", "2026-12-03T11:00:00.5+01:00"): ms since the
// epoch, or nullopt. Seconds 60 (leap) and dates before 1970 are refused.
std::optional<std::int64_t> parse_rfc3339(std::string_view s);
// Milliseconds since the epoch as "2026-11-22T13:27:55.123Z" (UTC).
std::string format_rfc3339(std::int64_t ms);

inline constexpr std::size_t max_points = 2000;
inline constexpr std::int64_t default_range_ms = 86'400'000;

struct StatsQuery {
  Granularity granularity = Granularity::hour;
  std::int64_t from_ms = 0;  // aligned down to a bucket start
  std::int64_t to_ms = 0;    // aligned up to a bucket end; never after the current bucket's end
  std::size_t points() const;
};

struct QueryError {
  std::string parameter;
  std::string message;
};

// The parameters as given (name, decoded value), validated: from, to (RFC 3339), granularity
// (minute, hour, day; default hour). Defaults: to = now, from = to - 24 h. Errors name the
// parameter: an unknown or repeated one, a malformed time, from >= to, a range starting before
// the granularity's retention, more than max_points buckets.
std::variant<StatsQuery, QueryError> parse_stats_query(
    const std::vector<std::pair<std::string, std::string>>& params, std::int64_t now_ms);

// The fewest buckets that cover [from, to) (whole minutes) exactly: days and hours where they lie
// whole inside, minutes elsewhere.
struct Tile {
  Granularity granularity;
  std::int64_t start_ms;
  friend auto operator<=>(const Tile&, const Tile&) = default;
};
std::vector<Tile> cover(std::int64_t from_ms, std::int64_t to_ms);

}  // namespace otpgate::analytics
