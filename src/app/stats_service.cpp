#include "otpgate/app/stats_service.hpp"

#include <algorithm>

namespace otpgate {

namespace an = analytics;

Figures& Figures::operator+=(const Figures& o) {
  funnel += o.funnel;
  an::add_counts(totals, o.totals);
  return *this;
}

namespace {

constexpr std::size_t recent_closed_alerts = 50;

// A bucket that ended longer ago than the longest code TTL is final: every verification that
// started in it has its outcome or has expired (only a late delivery report still adds).
std::int64_t longest_ttl_ms(const BrandCatalog& brands) {
  std::int64_t longest = 0;
  for (const auto& [id, b] : brands) longest = std::max<std::int64_t>(longest, b.code.ttl.count());
  return longest;
}

// The fields a funnel needs.
const std::vector<std::string>& funnel_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> f = {"c:last"};
    for (std::string_view o : an::stored_outcomes) f.push_back("c:" + std::string(o));
    return f;
  }();
  return fields;
}

// The fields a series point needs: its funnel and the network signals.
const std::vector<std::string>& series_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> f = funnel_fields();
    for (std::string_view i : an::signal_indicators) f.push_back("e:" + std::string(i));
    return f;
  }();
  return fields;
}

SeriesPoint series_point(std::int64_t start_ms, const an::Counts& c) {
  SeriesPoint p{.start_ms = start_ms, .funnel = an::settled_funnel_of(c)};
  for (std::string_view i : an::signal_indicators)
    p.signals[std::string(i)] = an::count_of(c, "e:" + std::string(i));
  return p;
}

}  // namespace

task<result<Figures>> StatsService::figures(const std::string& brand, std::int64_t ttl_ms,
                                            const an::StatsQuery& q, bool all_fields) {
  // The fewest buckets, summed inside Redis, as if every verification had its outcome or had
  // expired; then the recent minutes' verifications still within their TTL are pending.
  static const std::vector<std::string> every_field;
  const auto& fields = all_fields ? every_field : an::total_fields();
  const std::int64_t now = clock_.now_ms();
  const std::int64_t final_after = longest_ttl_ms(*brands_.current());
  std::vector<an::Tile> ended, current;
  for (const auto& t : an::cover(q.from_ms, q.to_ms))
    (t.start_ms + an::info(t.granularity).bucket_ms + final_after <= now ? ended : current)
        .push_back(t);
  auto past = co_await ended_sum(brand, ended, fields, all_fields);
  if (!past) co_return past.error();
  auto summed = co_await store_.sum(brand, current, fields);
  if (!summed) co_return summed.error();
  an::add_counts(summed.value(), past.value());
  Figures f{.funnel = an::settled_funnel_of(summed.value()), .totals = std::move(summed.value())};
  auto recent = co_await recent_minutes(brand, ttl_ms, q);
  if (!recent) co_return recent.error();
  for (const auto& [start, counts] : recent.value())
    an::move_pending(f.funnel, counts, clock_.now_ms(), ttl_ms);
  co_return f;
}

task<result<an::Counts>> StatsService::ended_sum(const std::string& brand,
                                                 const std::vector<an::Tile>& tiles,
                                                 const std::vector<std::string>& fields,
                                                 bool all_fields) {
  if (tiles.empty()) co_return an::Counts{};
  const auto& last = tiles.back();
  const std::string key = brand + (all_fields ? "|a|" : "|t|") +
                          std::to_string(tiles.front().start_ms) + "|" +
                          std::to_string(last.start_ms + an::info(last.granularity).bucket_ms);
  const std::int64_t now = clock_.now_ms();
  if (const auto hit = ended_cache_.find(key); hit != ended_cache_.end() && hit->second.first > now)
    co_return hit->second.second;
  auto summed = co_await store_.sum(brand, tiles, fields);
  if (!summed) co_return summed.error();
  if (ended_cache_.size() >= ended_cache_entries) ended_cache_.clear();
  ended_cache_[key] = {now + ended_cache_ms, summed.value()};
  co_return summed;
}

task<result<std::vector<std::pair<std::int64_t, an::Counts>>>> StatsService::recent_minutes(
    const std::string& brand, std::int64_t ttl_ms, const an::StatsQuery& q) {
  const std::vector<an::Tile> minutes =
      an::recent_minutes(q.from_ms, q.to_ms, clock_.now_ms(), ttl_ms);
  auto read = co_await store_.read(brand, minutes, funnel_fields());
  if (!read) co_return read.error();
  std::vector<std::pair<std::int64_t, an::Counts>> out;
  for (std::size_t i = 0; i < minutes.size(); ++i)
    out.emplace_back(minutes[i].start_ms, std::move(read.value()[i]));
  co_return out;
}

task<result<std::vector<SeriesPoint>>> StatsService::series(const std::string& brand,
                                                            std::int64_t ttl_ms,
                                                            const an::StatsQuery& q) {
  const std::int64_t len = an::info(q.granularity).bucket_ms;
  std::vector<an::Tile> points;
  for (std::int64_t t = q.from_ms; t < q.to_ms; t += len) points.push_back({q.granularity, t});
  auto read = co_await store_.read(brand, points, series_fields());
  if (!read) co_return read.error();
  auto recent = co_await recent_minutes(brand, ttl_ms, q);
  if (!recent) co_return recent.error();
  std::vector<SeriesPoint> out;
  for (std::size_t i = 0; i < points.size(); ++i)
    out.push_back(series_point(points[i].start_ms, read.value()[i]));
  const std::int64_t now = clock_.now_ms();
  for (const auto& [start, counts] : recent.value()) {
    const auto i = static_cast<std::size_t>((start - q.from_ms) / len);
    if (i < out.size()) an::move_pending(out[i].funnel, counts, now, ttl_ms);
  }
  co_return out;
}

task<result<BrandStats>> StatsService::brand(const std::string& brand, const an::StatsQuery& q) {
  const auto snapshot = brands_.current();  // kept for the whole query
  const auto own = snapshot->find(brand);
  if (own == snapshot->end()) co_return errc::not_found;
  BrandStats out{.brand = brand, .query = q};
  const std::int64_t ttl = own->second.code.ttl.count();
  auto mine = co_await figures(brand, ttl, q, true);
  if (!mine) co_return mine.error();
  out.own = std::move(mine.value());
  auto points = co_await series(brand, ttl, q);
  if (!points) co_return points.error();
  out.series = std::move(points.value());
  auto market = co_await this->market(q);
  if (!market) co_return market.error();
  for (const auto& [id, f] : market.value().brands)
    if (id != brand) out.rest += f;
  out.market = std::move(market.value().market);
  out.market_brands = market.value().brands.size();
  auto open = co_await alerts_.open_alerts(brand);
  if (!open) co_return open.error();
  out.alerts = std::move(open.value());
  co_return out;
}

task<result<MarketStats>> StatsService::market(const an::StatsQuery& q) {
  const auto snapshot = brands_.current();
  MarketStats out{.query = q};
  for (const auto& [id, b] : *snapshot) {
    const std::string brand = id;  // a named local: no temporaries in a co_await (g++ 12)
    auto f = co_await figures(brand, b.code.ttl.count(), q, false);
    if (!f) co_return f.error();
    out.market += f.value();
    out.brands.emplace_back(brand, std::move(f.value()));
  }
  co_return out;
}

task<result<BrandAlerts>> StatsService::alerts(const std::string& brand) {
  const auto snapshot = brands_.current();
  if (snapshot->find(brand) == snapshot->end()) co_return errc::not_found;
  auto open = co_await alerts_.open_alerts(brand);
  if (!open) co_return open.error();
  auto closed = co_await alerts_.closed_alerts(brand, recent_closed_alerts);
  if (!closed) co_return closed.error();
  co_return BrandAlerts{std::move(open.value()), std::move(closed.value())};
}

}  // namespace otpgate
