// Operators' answers kept for a short time (OperatorConfig::cache), shared by every io thread of
// the process and bounded in size: a repeated create for the same number (and customer) within
// that time does not call the operator again. Keys never hold customer data (sim_swap_key,
// kyc_key). Only answers are kept: a failure is never cached.
#pragma once

#include "otpgate/core/signals.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

namespace otpgate::signals {

std::string sim_swap_key(const std::string& operator_id, const std::string& phone_e164,
                         int max_age_hours);
// The customer enters only as its SHA-256 fingerprint (camara_protocol.hpp).
std::string kyc_key(const std::string& operator_id, const std::string& phone_e164,
                    const Customer& customer);

class ResultCache {
 public:
  using Value = std::variant<SimSwapAnswer, KycAnswer>;

  explicit ResultCache(std::size_t capacity = 10'000) : capacity_(capacity) {}

  // The value stored under key, if it has not expired at now_ms.
  std::optional<Value> find(const std::string& key, std::int64_t now_ms) const;
  // Stores value until now_ms + ttl_ms (nothing when ttl_ms <= 0). When full, expired entries
  // go first, then the one closest to expiry.
  void put(const std::string& key, Value value, std::int64_t now_ms, std::int64_t ttl_ms);
  std::size_t size() const;

 private:
  struct Entry {
    Value value;
    std::int64_t expires_at_ms = 0;
  };
  void make_room_locked(std::int64_t now_ms);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace otpgate::signals
