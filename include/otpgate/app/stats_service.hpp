// The analysts' figures: a brand's funnel, rates, histograms, breakdowns and series over a
// range, and the same over all brands of the deployment (the market). Reads the buckets through
// the StatsStore port; the arithmetic is core/analytics_report.
#pragma once

#include "otpgate/app/brand_registry.hpp"
#include "otpgate/core/analytics_query.hpp"
#include "otpgate/core/analytics_report.hpp"
#include "otpgate/ports/alert_store.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/stats_store.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace otpgate {

// One brand's (or the market's) figures over a range: the funnel (pending and expired
// derived per bucket) and the summed counters (indicators, histograms, breakdowns).
struct Figures {
  analytics::Funnel funnel;
  analytics::Counts totals;
  Figures& operator+=(const Figures& o);
};

struct SeriesPoint {
  std::int64_t start_ms = 0;
  analytics::Funnel funnel;
  // the network signals' indicators (analytics::signal_indicators) in the bucket, by event time
  std::map<std::string, std::int64_t> signals;
};

struct BrandStats {
  std::string brand;
  analytics::StatsQuery query;
  Figures own;                      // every counter, breakdowns included
  std::vector<SeriesPoint> series;  // one point per bucket of the query's granularity
  Figures market;                   // totals only, over every brand (this one included)
  Figures rest;                     // totals only, over every other brand
  std::size_t market_brands = 0;
  std::vector<Alert> alerts;  // the brand's open alerts
};

struct BrandAlerts {
  std::vector<Alert> open;    // newest first
  std::vector<Alert> recent;  // closed, newest first
};

struct MarketStats {
  analytics::StatsQuery query;
  std::vector<std::pair<std::string, Figures>> brands;  // totals only, by brand id
  Figures market;
};

class StatsService {
 public:
  StatsService(const BrandRegistry& brands, StatsStore& store, AlertStore& alerts,
               const Clock& clock)
      : brands_(brands), store_(store), alerts_(alerts), clock_(clock) {}

  // errc::not_found for a brand that is not configured.
  task<result<BrandStats>> brand(const std::string& brand, const analytics::StatsQuery& q);
  task<result<MarketStats>> market(const analytics::StatsQuery& q);
  task<result<BrandAlerts>> alerts(const std::string& brand);

 private:
  // One brand's figures over q's range from the fewest buckets that cover it (all fields, or
  // only the totals').
  task<result<Figures>> figures(const std::string& brand, std::int64_t ttl_ms,
                                const analytics::StatsQuery& q, bool all_fields);
  // The sum of buckets that ended longer ago than the longest code TTL (final but for a late
  // delivery report), kept ended_cache_ms per brand and range in this instance: a dashboard
  // asks again every few seconds.
  task<result<analytics::Counts>> ended_sum(const std::string& brand,
                                            const std::vector<analytics::Tile>& tiles,
                                            const std::vector<std::string>& fields,
                                            bool all_fields);
  // The minutes of q's range that may hold verifications still within their TTL.
  task<result<std::vector<std::pair<std::int64_t, analytics::Counts>>>> recent_minutes(
      const std::string& brand, std::int64_t ttl_ms, const analytics::StatsQuery& q);
  // One funnel per bucket of q's granularity.
  task<result<std::vector<SeriesPoint>>> series(const std::string& brand, std::int64_t ttl_ms,
                                                const analytics::StatsQuery& q);

  static constexpr std::int64_t ended_cache_ms = 60'000;
  static constexpr std::size_t ended_cache_entries = 4096;

  const BrandRegistry& brands_;
  StatsStore& store_;
  AlertStore& alerts_;
  // brand|fields|from|to -> (valid until, sum); one per io thread, so no lock.
  std::map<std::string, std::pair<std::int64_t, analytics::Counts>> ended_cache_;
  const Clock& clock_;
};

}  // namespace otpgate
