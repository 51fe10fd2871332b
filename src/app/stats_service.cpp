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
  const std::vector<an::Tile> tiles = an::cover(q, now, settle_ms(*snapshot));
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

task<result<BrandStats>> StatsService::brand(const std::string& brand, const an::StatsQuery& q) {
  const auto snapshot = brands_.current();  // kept for the whole query
  const auto own = snapshot->find(brand);
  if (own == snapshot->end()) co_return errc::not_found;
  BrandStats out{.brand = brand, .query = q};
  const std::int64_t ttl = own->second.code.ttl.count();
  auto mine = co_await figures(brand, ttl, q, true);
  if (!mine) co_return mine.error();
  out.own = std::move(mine.value());

  std::vector<an::Tile> points;
  for (std::int64_t t = q.from_ms; t < q.to_ms; t += an::info(q.granularity).bucket_ms)
    points.push_back(an::Tile{q.granularity, t});
  auto series = co_await store_.read(brand, points, funnel_fields());
  if (!series) co_return series.error();
  const std::int64_t now = clock_.now_ms();
  for (std::size_t i = 0; i < points.size(); ++i)
    out.series.push_back(
        SeriesPoint{points[i].start_ms, an::funnel_of(series.value()[i], now, ttl)});

  auto market = co_await this->market(q);
  if (!market) co_return market.error();
  out.market = std::move(market.value().market);
  out.market_brands = market.value().brands.size();
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

}  // namespace otpgate
