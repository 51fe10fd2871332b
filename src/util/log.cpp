#include "otpgate/util/log.hpp"

#include "otpgate/util/log_limit.hpp"
#include "otpgate/util/log_line.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace otpgate::log {
namespace {

std::atomic<level> min_level{level::info};

const char* level_name(level l) {
  switch (l) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
  }
  return "info";
}

std::string utc_timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// One write(2) per line: atomic for lines under PIPE_BUF on pipes, and never interleaved
// mid-line on files opened with O_APPEND.
void write_to_stderr(std::string_view text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// A JSON string as nlohmann::json dumps it with error_handler_t::replace. Printable ASCII
// without '"' and '\\' is written as it is; anything else (escapes, UTF-8, invalid bytes) goes
// through nlohmann itself, so the two can never differ.
void append_json_string(std::string& out, std::string_view s) {
  const bool plain = std::all_of(
      s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
  if (plain) {
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void set_level(level l) {
  min_level.store(l);
}

bool enabled(level l) {
  return l >= min_level.load(std::memory_order_relaxed);
}

void write(level l, std::string_view msg, const nlohmann::json& fields) {
  if (!enabled(l)) return;
  nlohmann::json line = {{"ts", utc_timestamp()}, {"level", level_name(l)}, {"msg", msg}};
  if (fields.is_object())
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  write_to_stderr(text);
}

void write(level l, std::string_view msg) {
  write(l, msg, nlohmann::json::object());
}

line& line::push(const field& f) {
  if (size_ < fields_.size()) fields_[size_++] = f;
  return *this;
}

line& line::add(std::string_view key, std::string_view value) {
  return push({.type = field::kind::string, .key = key, .text = value});
}

line& line::add(std::string_view key, double value) {
  return push({.type = field::kind::real, .key = key, .real = value});
}

line& line::add(std::string_view key, std::uint64_t value) {
  return push({.type = field::kind::count, .key = key, .count = value});
}

line& line::add(std::string_view key, bool value) {
  return push({.type = field::kind::boolean, .key = key, .boolean = value});
}

void line::write() const {
  if (!enabled(level_)) return;
  const std::string ts = utc_timestamp();
  std::array<field, max_fields + 3> all{};
  std::copy_n(fields_.begin(), size_, all.begin());
  std::size_t n = size_;
  all[n++] = {.type = field::kind::string, .key = "ts", .text = ts};
  all[n++] = {.type = field::kind::string, .key = "level", .text = level_name(level_)};
  all[n++] = {.type = field::kind::string, .key = "msg", .text = msg_};
  // log::write's document is a std::map: its keys come out in this order.
  std::sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n),
            [](const field& a, const field& b) { return a.key < b.key; });
  thread_local std::string text;  // reused: its capacity stays
  text.clear();
  text.push_back('{');
  for (std::size_t i = 0; i < n; ++i) {
    const field& f = all[i];
    if (i > 0) text.push_back(',');
    append_json_string(text, f.key);
    text.push_back(':');
    switch (f.type) {
      case field::kind::string:
        append_json_string(text, f.text);
        break;
      case field::kind::real:  // nlohmann's shortest round-trip form ("12.5", "3.0", "null")
        text += nlohmann::json(f.real).dump();
        break;
      case field::kind::count: {
        char digits[24];
        text.append(digits, std::to_chars(digits, digits + sizeof digits, f.count).ptr);
        break;
      }
      case field::kind::boolean:
        text += f.boolean ? "true" : "false";
        break;
    }
  }
  text += "}\n";
  write_to_stderr(text);
}

}  // namespace otpgate::log
