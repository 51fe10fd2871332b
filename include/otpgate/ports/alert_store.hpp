// Port: a brand's anomaly alerts (core/anomaly.hpp), on the brand's slot. Production:
// store/redis/redis_analytics.hpp (RedisAlertStore).
#pragma once

#include "otpgate/core/anomaly.hpp"
#include "otpgate/core/errc.hpp"
#include "otpgate/ports/task.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace otpgate {

class AlertStore {
 public:
  virtual ~AlertStore() = default;
  virtual task<result<std::vector<Alert>>> open_alerts(const std::string& brand) = 0;
  // Closed alerts, newest first.
  virtual task<result<std::vector<Alert>>> closed_alerts(const std::string& brand,
                                                         std::size_t limit) = 0;
  // True when this caller may evaluate the brand now: one evaluator per brand and period,
  // however many otpgate processes run.
  virtual task<result<bool>> take_lease(const std::string& brand, std::int64_t ttl_ms) = 0;
  virtual task<result<bool>> put_open(const std::string& brand, const Alert& a) = 0;
  virtual task<result<bool>> close(const std::string& brand, const Alert& a) = 0;
};

}  // namespace otpgate
