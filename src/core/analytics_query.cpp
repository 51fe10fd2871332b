#include "otpgate/core/analytics_query.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace otpgate::analytics {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

QueryError bad(std::string parameter, std::string message) {
  return QueryError{std::move(parameter), std::move(message)};
}

std::int64_t align_up(std::int64_t ms, Granularity g) {
  const std::int64_t start = bucket_floor(ms, g);
  return start == ms ? ms : start + info(g).bucket_ms;
}

}  // namespace

std::string format_rfc3339(std::int64_t ms) {
  const std::int64_t days = (ms >= 0 ? ms : ms - 86'399'999) / 86'400'000;
  const std::int64_t in_day = ms - days * 86'400'000;
  // H. Hinnant's civil_from_days.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  // Years of four digits, every time otpgate keeps, written digit by digit: snprintf was a fifth
  // of rendering a verification's answer.
  if (y >= 0 && y <= 9999) {
    std::string out = "0000-00-00T00:00:00.000Z";
    const auto put = [&out](std::size_t end, std::int64_t value) {
      for (std::size_t i = end; value > 0; value /= 10)
        out[--i] = static_cast<char>('0' + value % 10);
    };
    put(4, y);
    put(7, m);
    put(10, d);
    put(13, in_day / 3'600'000);
    put(16, in_day / 60'000 % 60);
    put(19, in_day / 1000 % 60);
    put(23, in_day % 1000);
    return out;
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(in_day / 3'600'000),
                static_cast<long long>(in_day / 60'000 % 60),
                static_cast<long long>(in_day / 1000 % 60), static_cast<long long>(in_day % 1000));
  return buf;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || s.size() > 35 || !digits(s, 0, 4, y) || s[4] != '-' ||
      !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d) ||
      (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return std::nullopt;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
      sec > 59)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac_ms = 0;
  if (s[pos] == '.') {
    std::size_t n = 0;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n)
      if (n < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
    if (n == 0 || n > 9) return std::nullopt;
    for (; n < 3; ++n) frac_ms *= 10;
  }
  std::int64_t offset_min = 0;
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    offset_min = 0;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offset_min = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  const std::int64_t seconds =
      days_from_civil(y, mo, d) * 86'400 + h * 3'600 + mi * 60 + sec - offset_min * 60;
  if (seconds < 0) return std::nullopt;
  return seconds * 1000 + frac_ms;
}

std::size_t StatsQuery::points() const {
  return static_cast<std::size_t>((to_ms - from_ms) / info(granularity).bucket_ms);
}

std::variant<StatsQuery, QueryError> parse_stats_query(
    const std::vector<std::pair<std::string, std::string>>& params, std::int64_t now_ms) {
  std::optional<std::int64_t> from, to;
  std::optional<Granularity> granularity;
  std::vector<std::string> seen;
  for (const auto& [name, value] : params) {
    if (name != "from" && name != "to" && name != "granularity")
      return bad("query", "Unknown parameter: only from, to and granularity are read.");
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return bad(name, "Parameter '" + name + "' is given twice.");
    seen.push_back(name);
    if (name == "granularity") {
      granularity = granularity_from(value);
      if (!granularity) return bad(name, "Parameter 'granularity' must be minute, hour or day.");
      continue;
    }
    const auto t = parse_rfc3339(value);
    if (!t)
      return bad(name, "Parameter '" + name +
                           "' must be an RFC 3339 time such as 2026-12-03T10:00:00Z (in a query "
                           "string, write the + of an offset as %2B).");
    (name == "from" ? from : to) = t;
  }
  StatsQuery q;
  q.granularity = granularity.value_or(Granularity::hour);
  const GranularityInfo& g = info(q.granularity);
  const std::int64_t end = to.value_or(now_ms);
  const std::int64_t start = from.value_or(end - default_range_ms);
  if (start >= end)
    return from ? bad("from", "Parameter 'from' must be before 'to'.")
                : bad("to", "Parameter 'to' lies more than a day in the future.");
  if (start < now_ms - g.retention_ms)
    return bad("from", "Parameter 'from' lies beyond what is kept for granularity " +
                           std::string(g.name) + " (" + std::to_string(g.retention_ms / 3'600'000) +
                           " hours); choose a coarser granularity or a later start.");
  q.from_ms = bucket_floor(start, q.granularity);
  // Buckets after the current one hold nothing yet: the range ends with the current bucket.
  q.to_ms = std::min(align_up(end, q.granularity), align_up(now_ms + 1, q.granularity));
  if (q.to_ms <= q.from_ms)
    return from ? bad("from", "Parameter 'from' lies in the future.")
                : bad("to", "Parameter 'to' lies more than a day in the future.");
  if (q.points() > max_points)
    return bad("granularity", "The range holds " + std::to_string(q.points()) + " " +
                                  std::string(g.name) + " buckets, at most " +
                                  std::to_string(max_points) +
                                  " are served; choose a coarser granularity or a shorter range.");
  return q;
}

std::vector<Tile> cover(std::int64_t from_ms, std::int64_t to_ms) {
  std::vector<Tile> out;
  std::int64_t t = from_ms;
  while (t < to_ms) {
    // Minutes always fit (ranges are whole minutes); a coarser bucket where it is whole inside.
    Tile tile{Granularity::minute, t};
    for (Granularity g : {Granularity::day, Granularity::hour}) {
      if (bucket_floor(t, g) == t && t + info(g).bucket_ms <= to_ms) {
        tile.granularity = g;
        break;
      }
    }
    out.push_back(tile);
    t += info(tile.granularity).bucket_ms;
  }
  return out;
}

}  // namespace otpgate::analytics
