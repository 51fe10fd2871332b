#include "otpgate/core/rate_limit.hpp"

#include <algorithm>
#include <array>

namespace otpgate {

std::int64_t Rate::interval_ms() const {
  return std::max<std::int64_t>(1, period_ms / std::max(1, count));
}

GcraDecision gcra_admit(std::optional<std::int64_t> stored_tat, std::int64_t now_ms,
                        const Rate& rate) {
  const std::int64_t interval = rate.interval_ms();
  const std::int64_t burst = std::max(1, rate.count);
  // Tolerance: how far ahead of now the TAT may be for one more event to fit.
  const std::int64_t tolerance = (burst - 1) * interval;
  std::int64_t tat = std::max(stored_tat.value_or(now_ms), now_ms);
  tat = std::min(tat, now_ms + burst * interval);  // the clock went back since it was stored
  if (tat - now_ms > tolerance)
    return GcraDecision{.allowed = false, .retry_after_ms = tat - tolerance - now_ms};
  return GcraDecision{.allowed = true, .new_tat_ms = tat + interval};
}

int calling_code_length(std::string_view digits) {
  if (digits.empty()) return 1;
  if (digits[0] == '1' || digits[0] == '7') return 1;
  if (digits.size() < 2) return 1;
  static constexpr std::array<std::string_view, 44> two = {
      "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
      "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
      "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"};
  const std::string_view head = digits.substr(0, 2);
  return std::find(two.begin(), two.end(), head) != two.end() ? 2 : 3;
}

std::string destination_prefix(std::string_view e164, int national_digits) {
  const std::string_view digits = e164.substr(e164.starts_with('+') ? 1 : 0);
  const std::size_t length =
      static_cast<std::size_t>(calling_code_length(digits) + std::max(0, national_digits));
  return "+" + std::string(digits.substr(0, std::min(length, digits.size())));
}

}  // namespace otpgate
