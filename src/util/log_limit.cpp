#include "otpgate/util/log_limit.hpp"

#include <nlohmann/json.hpp>

#include <atomic>

namespace otpgate::log {
namespace {

std::atomic<std::int64_t> interval_ms{10'000};

}  // namespace

std::optional<std::uint64_t> repeat_rule::admit(std::chrono::steady_clock::time_point now,
                                                std::chrono::milliseconds interval) {
  if (!started_ || now - window_start_ >= interval) {
    started_ = true;
    window_start_ = now;
    written_ = 0;
  }
  if (written_ >= burst_) {
    ++held_;
    return std::nullopt;
  }
  ++written_;
  const std::uint64_t held = held_;
  held_ = 0;
  return held;
}

void set_repeat_interval(std::chrono::milliseconds interval) {
  interval_ms.store(interval.count(), std::memory_order_relaxed);
}

std::chrono::milliseconds repeat_interval() {
  return std::chrono::milliseconds(interval_ms.load(std::memory_order_relaxed));
}

std::optional<std::uint64_t> limited::admit() {
  const auto now = std::chrono::steady_clock::now();
  const auto interval = repeat_interval();
  std::lock_guard lock(mutex_);
  return rule_.admit(now, interval);
}

void limited::write(level l, std::string_view msg) {
  write(l, msg, [] { return nlohmann::json::object(); });
}

void limited::write_with_suppressed(level l, std::string_view msg, nlohmann::json fields,
                                    std::uint64_t suppressed) {
  if (suppressed > 0) fields["suppressed"] = suppressed;
  log::write(l, msg, fields);
}

}  // namespace otpgate::log
