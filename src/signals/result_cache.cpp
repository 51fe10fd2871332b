#include "otpgate/signals/result_cache.hpp"

#include "otpgate/signals/camara_protocol.hpp"

#include <algorithm>

namespace otpgate::signals {

std::string sim_swap_key(const std::string& operator_id, const std::string& phone_e164,
                         int max_age_hours) {
  return "sim_swap|" + operator_id + "|" + phone_e164 + "|" + std::to_string(max_age_hours);
}

std::string kyc_key(const std::string& operator_id, const std::string& phone_e164,
                    const Customer& customer) {
  return "kyc|" + operator_id + "|" + phone_e164 + "|" + customer_fingerprint(customer);
}

std::optional<ResultCache::Value> ResultCache::find(const std::string& key,
                                                    std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires_at_ms <= now_ms) return std::nullopt;
  return it->second.value;
}

void ResultCache::put(const std::string& key, Value value, std::int64_t now_ms,
                      std::int64_t ttl_ms) {
  if (ttl_ms <= 0 || capacity_ == 0) return;
  std::lock_guard lock(mutex_);
  if (!entries_.count(key) && entries_.size() >= capacity_) make_room_locked(now_ms);
  entries_[key] = Entry{std::move(value), now_ms + ttl_ms};
}

std::size_t ResultCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void ResultCache::make_room_locked(std::int64_t now_ms) {
  std::erase_if(entries_, [now_ms](const auto& e) { return e.second.expires_at_ms <= now_ms; });
  if (entries_.size() < capacity_) return;
  const auto oldest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
    return a.second.expires_at_ms < b.second.expires_at_ms;
  });
  entries_.erase(oldest);
}

}  // namespace otpgate::signals
