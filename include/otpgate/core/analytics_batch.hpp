// Analytics, the write side for several events at once: what a batch of one brand's events adds
// to each bucket, so that the store writes every counter once per batch (HINCRBY by the total)
// instead of once per event. The rule of which counters one event adds stays increments_for;
// this only places and sums its results.
#pragma once

#include "otpgate/core/analytics.hpp"
#include "otpgate/core/analytics_query.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <string>

namespace otpgate::analytics {

// What one bucket receives from a batch.
struct BucketAdds {
  std::map<std::string, std::int64_t> counts;  // field -> how much it grows (> 0)
  // The newest start among the batch's verifications that started in this bucket (0 = none):
  // c:last moves to it unless the bucket already holds a later one.
  std::int64_t last_start = 0;
};

// The start a counter "by start time" is placed at: the verification's start, or for events
// without a verification (a refused create, a rate limit on create) the event's own time.
std::int64_t start_of(const Event& e);

// Every bucket that a batch of one brand's events adds to (the events' brands are not looked
// at), with the sum of what each event adds there (increments_for): by_event_time in the minute,
// hour and day of the event's time, by_start_time in those of start_of. The same as adding the
// events one by one, in any order: sums commute, and c:last keeps the maximum.
std::map<Tile, BucketAdds> aggregate_increments(std::span<const Event> events);

}  // namespace otpgate::analytics
