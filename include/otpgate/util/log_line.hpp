// A log line built without a JSON document, for lines written once per request (the access
// log): log::write copies its fields into an ordered map and dumps it, a dozen allocations a
// line. The bytes are the same as log::write's for the same fields (keys sorted, values escaped
// as nlohmann::json dumps them; tests/component/util/log_line_test.cpp compares the two).
#pragma once

#include "otpgate/util/log.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace otpgate::log {

class line {
 public:
  // Keys and string values are viewed, not copied: they must outlive write(). Keys are distinct
  // and none is "ts", "level" or "msg" (log::write would let a field replace those; this line
  // has no use for that).
  line(level l, std::string_view msg) : level_(l), msg_(msg) {}

  line& add(std::string_view key, std::string_view value);
  // Without it a string literal would pick the bool overload (a pointer converts to bool).
  line& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  line& add(std::string_view key, double value);
  line& add(std::string_view key, std::uint64_t value);
  line& add(std::string_view key, bool value);

  // Writes {"ts":..., "level":..., "msg":..., fields...} with keys in order, as one write(2),
  // when the level is enabled (log::set_level).
  void write() const;

  static constexpr std::size_t max_fields = 13;  // beyond it, add() drops the field

 private:
  struct field {
    enum class kind { string, real, count, boolean } type = kind::string;
    std::string_view key;
    std::string_view text;
    double real = 0;
    std::uint64_t count = 0;
    bool boolean = false;
  };
  line& push(const field& f);

  level level_;
  std::string_view msg_;
  std::array<field, max_fields> fields_{};
  std::size_t size_ = 0;
};

}  // namespace otpgate::log
