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

// The longest code TTL of any brand: a bucket that ended longer ago than that holds no
// verification that can still expire, so coarser buckets may stand in for it.
std::int64_t settle_ms(const BrandCatalog& brands) {
  std::int64_t longest = 0;
  for (const auto& [id, b] : brands) longest = std::max<std::int64_t>(longest, b.code.ttl.count());
  return longest;
}

// The fields a series point needs.
const std::vector<std::string>& funnel_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> f = {"c:last"};
    for (std::string_view o : an::stored_outcomes) f.push_back("c:" + std::string(o));
    return f;
  }();
  return fields;
}

}  // namespace

task<result<Figures>> StatsService::figures(const std::string& brand, std::int64_t ttl_ms,
                                            const an::StatsQuery& q, bool all_fields) {
  const std::int64_t now = clock_.now_ms();
  const auto snapshot = brands_.current();
  const std::vector<an::Tile> tiles = an::cover(q.from_ms, q.to_ms, now, settle_ms(*snapshot));
  static const std::vector<std::string> every_field;
  const auto& fields = all_fields ? every_field : an::total_fields();
  auto read = co_await store_.read(brand, tiles, fields);
  if (!read) co_return read.error();
  Figures f;
  for (const auto& counts : read.value()) {
    f.funnel += an::funnel_of(counts, now, ttl_ms);
    an::add_counts(f.totals, counts);
  }
  co_return f;
}

task<result<std::vector<SeriesPoint>>> StatsService::series(const std::string& brand,
                                                            std::int64_t ttl_ms,
                                                            const an::StatsQuery& q) {
  // Each point from the buckets that cover it: its own bucket once settled, finer ones before.
  const std::int64_t now = clock_.now_ms();
  const std::int64_t settle = settle_ms(*brands_.current());
  const std::int64_t len = an::info(q.granularity).bucket_ms;
  std::vector<an::Tile> tiles;
  std::vector<std::size_t> tiles_per_point;
  for (std::int64_t t = q.from_ms; t < q.to_ms; t += len) {
    const auto part = an::cover(t, t + len, now, settle);
    tiles.insert(tiles.end(), part.begin(), part.end());
    tiles_per_point.push_back(part.size());
  }
  auto read = co_await store_.read(brand, tiles, funnel_fields());
  if (!read) co_return read.error();
  std::vector<SeriesPoint> out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < tiles_per_point.size(); ++i) {
    SeriesPoint p{.start_ms = q.from_ms + static_cast<std::int64_t>(i) * len};
    for (std::size_t j = 0; j < tiles_per_point[i]; ++j)
      p.funnel += an::funnel_of(read.value()[next++], now, ttl_ms);
    out.push_back(p);
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
