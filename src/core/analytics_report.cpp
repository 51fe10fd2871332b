#include "otpgate/core/analytics_report.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace otpgate::analytics {

std::int64_t count_of(const Counts& c, std::string_view field) {
  const auto it = c.find(field);
  return it == c.end() ? 0 : it->second;
}

void add_counts(Counts& into, const Counts& from) {
  for (const auto& [k, v] : from) {
    // c:last is a time, not a count: the newest one wins.
    if (k == "c:last")
      into[k] = std::max(count_of(into, k), v);
    else
      into[k] += v;
  }
}

Funnel& Funnel::operator+=(const Funnel& o) {
  started += o.started;
  sent += o.sent;
  delivered += o.delivered;
  approved += o.approved;
  failed += o.failed;
  cancelled += o.cancelled;
  send_failed += o.send_failed;
  expired += o.expired;
  pending += o.pending;
  return *this;
}

Funnel funnel_of(const Counts& c, std::int64_t now_ms, std::int64_t ttl_ms) {
  Funnel f{.started = count_of(c, "c:started"),
           .sent = count_of(c, "c:sent"),
           .delivered = count_of(c, "c:delivered"),
           .approved = count_of(c, "c:approved"),
           .failed = count_of(c, "c:failed"),
           .cancelled = count_of(c, "c:cancelled"),
           .send_failed = count_of(c, "c:send_failed")};
  const std::int64_t open =
      std::max<std::int64_t>(0, f.started - f.approved - f.failed - f.cancelled - f.send_failed);
  if (now_ms >= count_of(c, "c:last") + ttl_ms)
    f.expired = open;
  else
    f.pending = open;
  return f;
}

Funnel settled_funnel_of(const Counts& c) {
  return funnel_of(c, std::numeric_limits<std::int64_t>::max() / 2, 0);
}

std::vector<Tile> recent_minutes(std::int64_t from_ms, std::int64_t to_ms, std::int64_t now_ms,
                                 std::int64_t ttl_ms) {
  std::vector<Tile> out;
  const std::int64_t minute = info(Granularity::minute).bucket_ms;
  const std::int64_t lo = std::max(from_ms, bucket_floor(now_ms - ttl_ms - minute, Granularity::minute));
  const std::int64_t hi = std::min(to_ms, bucket_floor(now_ms, Granularity::minute) + minute);
  for (std::int64_t t = lo; t < hi; t += minute) out.push_back(Tile{Granularity::minute, t});
  return out;
}

void move_pending(Funnel& f, const Counts& minute, std::int64_t now_ms, std::int64_t ttl_ms) {
  const std::int64_t pending = funnel_of(minute, now_ms, ttl_ms).pending;
  const std::int64_t moved = std::min(pending, f.expired);
  f.expired -= moved;
  f.pending += moved;
}

std::optional<double> ratio(std::int64_t num, std::int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

Rates rates_of(const Funnel& f) {
  return Rates{.conversion = ratio(f.approved, f.started),
               .delivery = ratio(f.delivered, f.sent),
               .abandonment = ratio(f.abandoned(), f.started),
               .failure = ratio(f.failed, f.started),
               .send_failure = ratio(f.send_failed, f.started)};
}

std::optional<double> per_1000(std::int64_t count, std::int64_t started) {
  const auto r = ratio(count, started);
  if (!r) return std::nullopt;
  return *r * 1000.0;
}

std::optional<double> estimate_quantile(const std::vector<int>& bounds,
                                        const std::vector<std::int64_t>& counts, double q) {
  std::int64_t total = 0;
  for (auto n : counts) total += n;
  if (total == 0) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  double below = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double n = static_cast<double>(counts[i]);
    if (n > 0 && below + n >= rank) {
      // The unbounded last bucket: its lower bound is all that is known.
      if (i >= bounds.size()) return bounds.empty() ? 0.0 : static_cast<double>(bounds.back());
      const double lo = i == 0 ? 0.0 : static_cast<double>(bounds[i - 1]);
      const double hi = static_cast<double>(bounds[i]);
      return lo + (hi - lo) * (rank - below) / n;
    }
    below += n;
  }
  return bounds.empty() ? 0.0 : static_cast<double>(bounds.back());
}

namespace {

template <std::size_t N>
Histogram histogram(const Counts& c, const std::string& prefix, const std::array<int, N>& bounds) {
  Histogram h;
  std::vector<std::int64_t> counts;
  for (int b : bounds) {
    const std::string label = std::to_string(b);
    counts.push_back(count_of(c, prefix + label));
    h.buckets.emplace_back(label, counts.back());
  }
  counts.push_back(count_of(c, prefix + "inf"));
  h.buckets.emplace_back("inf", counts.back());
  for (auto n : counts) h.total += n;
  const std::vector<int> b(bounds.begin(), bounds.end());
  h.p50 = estimate_quantile(b, counts, 0.5);
  h.p90 = estimate_quantile(b, counts, 0.9);
  return h;
}

// The fields of c that start with prefix, in order.
template <class F>
void each_with_prefix(const Counts& c, std::string_view prefix, F&& f) {
  for (auto it = c.lower_bound(prefix); it != c.end(); ++it) {
    const std::string_view k = it->first;
    if (k.substr(0, prefix.size()) != prefix) break;
    f(k.substr(prefix.size()), it->second);
  }
}

}  // namespace

Histogram time_to_approve(const Counts& c) {
  return histogram(c, "c:tta=", time_to_approve_bounds);
}

Histogram delivery_latency(const Counts& c, std::string_view gateway) {
  return histogram(c, "e:dlat|" + std::string(gateway) + "|", delivery_latency_bounds);
}

std::map<int, std::int64_t> per_approval(const Counts& c, std::string_view which) {
  std::map<int, std::int64_t> out;
  each_with_prefix(c, "c:" + std::string(which) + "=", [&](std::string_view n, std::int64_t v) {
    int value = 0;
    const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
    if (ec == std::errc() && end == n.data() + n.size()) out[value] += v;
  });
  return out;
}

Breakdown breakdown(const Counts& c, std::string_view dimension) {
  Breakdown out;
  const std::string marker = "|" + std::string(dimension) + "=";
  for (std::string_view outcome : stored_outcomes) {
    each_with_prefix(c, "c:" + std::string(outcome) + marker,
                     [&](std::string_view value, std::int64_t v) {
                       out[std::string(value)][std::string(outcome)] += v;
                     });
  }
  return out;
}

std::vector<std::string> latency_gateways(const Counts& c) {
  std::vector<std::string> out;
  each_with_prefix(c, "e:dlat|", [&](std::string_view rest, std::int64_t) {
    const std::string gw(rest.substr(0, rest.find('|')));
    if (out.empty() || out.back() != gw) out.push_back(gw);
  });
  return out;
}

std::map<std::string, std::int64_t> indicator_counts(const Counts& c) {
  std::map<std::string, std::int64_t> out;
  for (std::string_view name : indicators)
    out[std::string(name)] = count_of(c, "e:" + std::string(name));
  return out;
}

std::map<std::string, std::int64_t> limit_counts(const Counts& c) {
  std::map<std::string, std::int64_t> out;
  for (std::string_view kind : limit_kinds)
    out[std::string(kind)] = count_of(c, "e:rate_limited|" + std::string(kind));
  return out;
}

const std::vector<std::string>& total_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> f = {"c:last"};
    for (std::string_view o : stored_outcomes) f.push_back("c:" + std::string(o));
    for (std::string_view i : indicators) f.push_back("e:" + std::string(i));
    for (std::string_view k : limit_kinds) f.push_back("e:rate_limited|" + std::string(k));
    for (int b : time_to_approve_bounds) f.push_back("c:tta=" + std::to_string(b));
    f.push_back("c:tta=inf");
    return f;
  }();
  return fields;
}

}  // namespace otpgate::analytics
