// Rate limits for log lines that repeat while a fault lasts: a gateway's open circuit, accept
// failing at the descriptor limit, Redis away. Without them one fault writes a line per request
// (73,666 lines in a minute for one open circuit) and buries everything else in the log.
#pragma once

#include "otpgate/util/log.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

namespace otpgate::log {

// Whether lines of level l are written (l is at least the level set). Defined in log.cpp; named
// here, not in log.hpp, which nearly every file includes.
bool enabled(level l);

// The rule, without a clock or a lock: at most `burst` lines per window of `interval`; a window
// starts with the first line after the previous window ended. The first line let through after
// some were held back learns how many were (its "suppressed" field), so nothing is lost silently.
class repeat_rule {
 public:
  explicit repeat_rule(std::uint32_t burst) : burst_(burst) {}

  // nullopt: hold this line back. Otherwise write it; the value is how many lines were held
  // back since the last one written (0 when none).
  std::optional<std::uint64_t> admit(std::chrono::steady_clock::time_point now,
                                     std::chrono::milliseconds interval);

 private:
  std::uint32_t burst_;
  bool started_ = false;
  std::chrono::steady_clock::time_point window_start_{};
  std::uint32_t written_ = 0;  // lines written in the current window
  std::uint64_t held_ = 0;     // lines held back since the last one written
};

// Lines per kind and window unless a kind says otherwise.
inline constexpr std::uint32_t default_repeat_burst = 5;

// The window of every limited kind (OTPGATE_LOG_REPEAT_INTERVAL_MS, default 10 s). Thread-safe.
void set_repeat_interval(std::chrono::milliseconds interval);
std::chrono::milliseconds repeat_interval();

// One kind of repeated line, shared by every io thread that writes it: a static object at its
// call site (or one per call site family). Thread-safe; a held-back line costs one uncontended
// lock and builds no fields.
class limited {
 public:
  explicit limited(std::uint32_t burst = default_repeat_burst) : rule_(burst) {}
  limited(const limited&) = delete;
  limited& operator=(const limited&) = delete;

  // Writes the line unless this kind has used its window; make_fields() (returning an
  // nlohmann::json object) runs only for a line that is written. A "suppressed" field is added
  // when lines were held back before it.
  template <class MakeFields>
  void write(level l, std::string_view msg, MakeFields&& make_fields) {
    if (!enabled(l)) return;
    const std::optional<std::uint64_t> held = admit();
    if (held) write_with_suppressed(l, msg, make_fields(), *held);
  }
  void write(level l, std::string_view msg);

 private:
  std::optional<std::uint64_t> admit();
  static void write_with_suppressed(level l, std::string_view msg, nlohmann::json fields,
                                    std::uint64_t suppressed);

  std::mutex mutex_;
  repeat_rule rule_;
};

}  // namespace otpgate::log
