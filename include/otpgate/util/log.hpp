// Structured logging: one JSON object per line on stderr, written with a single write(2) so lines
// from different io threads never interleave. Callers pass already-masked values only.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string_view>

namespace otpgate::log {

enum class level { debug, info, warn, error };

// Sets the minimum level written (default info). Thread-safe.
void set_level(level l);

// Writes {"ts":..., "level":..., "msg": msg, ...fields} as one line.
void write(level l, std::string_view msg, const nlohmann::json& fields);
void write(level l, std::string_view msg);

inline void info(std::string_view msg) {
  write(level::info, msg);
}
inline void warn(std::string_view msg) {
  write(level::warn, msg);
}
inline void error(std::string_view msg) {
  write(level::error, msg);
}

}  // namespace otpgate::log
