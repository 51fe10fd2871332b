#include "support/fakes/stats_store.hpp"

#include <algorithm>

namespace otpgate::test {

namespace an = analytics;

void FakeStatsStore::add(const std::string& brand, an::Granularity g, std::int64_t start_ms,
                         const an::Counts& counts) {
  an::add_counts(buckets[brand][{static_cast<int>(g), start_ms}], counts);
}

an::Counts FakeStatsStore::bucket(const std::string& brand, const an::Tile& t,
                                  const std::vector<std::string>& fields) const {
  const auto b = buckets.find(brand);
  if (b == buckets.end()) return {};
  const auto it = b->second.find({static_cast<int>(t.granularity), t.start_ms});
  if (it == b->second.end()) return {};
  if (fields.empty()) return it->second;
  an::Counts out;
  for (const auto& f : fields)
    if (const auto v = it->second.find(f); v != it->second.end()) out.insert(*v);
  return out;
}

task<result<std::vector<an::Counts>>> FakeStatsStore::read(const std::string& brand,
                                                           const std::vector<an::Tile>& tiles,
                                                           const std::vector<std::string>& fields) {
  ++reads;
  if (failing.count(brand)) co_return make_error_code(errc::store_unavailable);
  std::vector<an::Counts> out;
  for (const auto& t : tiles) out.push_back(bucket(brand, t, fields));
  co_return out;
}

task<result<an::Counts>> FakeStatsStore::sum(const std::string& brand,
                                             const std::vector<an::Tile>& tiles,
                                             const std::vector<std::string>& fields) {
  ++sums;
  tiles_summed += static_cast<int>(tiles.size());
  if (failing.count(brand)) co_return make_error_code(errc::store_unavailable);
  an::Counts out;
  for (const auto& t : tiles) an::add_counts(out, bucket(brand, t, fields));
  co_return out;
}

task<result<std::vector<Alert>>> FakeAlertStore::open_alerts(const std::string& brand) {
  if (failing.count(brand)) co_return make_error_code(errc::store_unavailable);
  std::vector<Alert> out;
  for (const auto& [id, a] : open[brand]) out.push_back(a);
  co_return out;
}

task<result<std::vector<Alert>>> FakeAlertStore::closed_alerts(const std::string& brand,
                                                               std::size_t limit) {
  if (failing.count(brand)) co_return make_error_code(errc::store_unavailable);
  std::vector<Alert> out = closed[brand];
  if (out.size() > limit) out.resize(limit);
  co_return out;
}

task<result<bool>> FakeAlertStore::take_lease(const std::string& brand, std::int64_t) {
  if (failing.count(brand)) co_return make_error_code(errc::store_unavailable);
  co_return !leased.count(brand);
}

task<result<bool>> FakeAlertStore::put_open(const std::string& brand, const Alert& a) {
  if (failing.count(brand)) co_return make_error_code(errc::store_unavailable);
  open[brand][a.id] = a;
  co_return true;
}

task<result<bool>> FakeAlertStore::close(const std::string& brand, const Alert& a) {
  if (failing.count(brand)) co_return make_error_code(errc::store_unavailable);
  open[brand].erase(a.id);
  auto& c = closed[brand];
  c.insert(c.begin(), a);
  co_return true;
}

}  // namespace otpgate::test
