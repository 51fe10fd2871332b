// Port: the analytics buckets a brand's events were counted into (core/analytics.hpp).
// Production: store/redis/redis_analytics.hpp.
#pragma once

#include "otpgate/core/analytics_query.hpp"
#include "otpgate/core/analytics_report.hpp"
#include "otpgate/core/errc.hpp"
#include "otpgate/ports/task.hpp"

#include <string>
#include <vector>

namespace otpgate {

class StatsStore {
 public:
  virtual ~StatsStore() = default;
  // The counters of each bucket, in the order asked (a bucket without counts is empty). With
  // `fields` only those (for totals), else every field (breakdowns included).
  virtual task<result<std::vector<analytics::Counts>>> read(
      const std::string& brand, const std::vector<analytics::Tile>& buckets,
      const std::vector<std::string>& fields) = 0;
  // The counters of the buckets summed (c:last: the newest), with `fields` only those.
  virtual task<result<analytics::Counts>> sum(const std::string& brand,
                                              const std::vector<analytics::Tile>& buckets,
                                              const std::vector<std::string>& fields) = 0;
};

}  // namespace otpgate
