// The StatsStore and AlertStore ports in memory: each brand's analytics buckets by granularity
// and start, summed as the Redis scripts sum them (core/analytics_report.hpp add_counts); each
// brand's open and closed alerts and its evaluation lease.
#pragma once

#include "otpgate/ports/alert_store.hpp"
#include "otpgate/ports/stats_store.hpp"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace otpgate::test {

class FakeStatsStore final : public StatsStore {
 public:
  task<result<std::vector<analytics::Counts>>> read(
      const std::string& brand, const std::vector<analytics::Tile>& buckets,
      const std::vector<std::string>& fields) override;
  task<result<analytics::Counts>> sum(const std::string& brand,
                                      const std::vector<analytics::Tile>& buckets,
                                      const std::vector<std::string>& fields) override;

  // Adds counts to one bucket of a brand.
  void add(const std::string& brand, analytics::Granularity g, std::int64_t start_ms,
           const analytics::Counts& counts);

  std::map<std::string, std::map<std::pair<int, std::int64_t>, analytics::Counts>> buckets;
  std::set<std::string> failing;  // brands whose reads answer store_unavailable
  int sums = 0, reads = 0;        // calls, for assertions
  int tiles_summed = 0;           // buckets asked for by sum()

 private:
  // The bucket's counts (only `fields` when there are any).
  analytics::Counts bucket(const std::string& brand, const analytics::Tile& t,
                           const std::vector<std::string>& fields) const;
};

class FakeAlertStore final : public AlertStore {
 public:
  task<result<std::vector<Alert>>> open_alerts(const std::string& brand) override;
  task<result<std::vector<Alert>>> closed_alerts(const std::string& brand,
                                                 std::size_t limit) override;
  task<result<bool>> take_lease(const std::string& brand, std::int64_t ttl_ms) override;
  task<result<bool>> put_open(const std::string& brand, const Alert& a) override;
  task<result<bool>> close(const std::string& brand, const Alert& a) override;

  std::map<std::string, std::map<std::string, Alert>> open;  // brand -> id -> alert
  std::map<std::string, std::vector<Alert>> closed;          // brand -> newest first
  std::set<std::string> leased;  // brands another evaluator holds the lease of
  std::set<std::string> failing;
};

}  // namespace otpgate::test
