// Port: where the verification events go (core/events.hpp). Production: the Redis stream and
// analytics counters (store/redis/redis_analytics.hpp), behind metrics::MeteredEventSink.
#pragma once

#include "otpgate/core/events.hpp"

namespace otpgate {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Never fails the caller: a lost event is logged, the request goes on.
  virtual void publish(const Event& e) = 0;
};

}  // namespace otpgate
