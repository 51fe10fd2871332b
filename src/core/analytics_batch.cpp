#include "otpgate/core/analytics_batch.hpp"

#include <algorithm>

namespace otpgate::analytics {
namespace {

void add_all(std::map<Tile, BucketAdds>& into, std::int64_t at_ms,
             const std::vector<std::string>& fields) {
  if (fields.empty()) return;  // a bucket that receives nothing is not touched at all
  for (Granularity g : all_granularities) {
    auto& counts = into[Tile{g, bucket_floor(at_ms, g)}].counts;
    for (const auto& f : fields) ++counts[f];
  }
}

}  // namespace

std::int64_t start_of(const Event& e) {
  return e.started_ms > 0 ? e.started_ms : e.at_ms;
}

std::map<Tile, BucketAdds> aggregate_increments(std::span<const Event> events) {
  std::map<Tile, BucketAdds> out;
  for (const Event& e : events) {
    const Increments inc = increments_for(e);
    const std::int64_t started = start_of(e);
    add_all(out, e.at_ms, inc.by_event_time);
    add_all(out, started, inc.by_start_time);
    if (!inc.marks_start) continue;
    for (Granularity g : all_granularities) {
      auto& last = out[Tile{g, bucket_floor(started, g)}].last_start;
      last = std::max(last, started);
    }
  }
  return out;
}

}  // namespace otpgate::analytics
