// Rate limits: GCRA (generic cell rate algorithm), the rule the Redis script applies atomically
// per key, and the destination prefix a prefix limit counts by. Pure: tests step it by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

// "count events per period": GCRA with emission interval period / count and a burst of count.
// A quiet key admits `count` at once, then one more every interval. count 0: no limit.
struct Rate {
  int count = 0;
  std::int64_t period_ms = 0;

  bool enabled() const { return count > 0 && period_ms > 0; }
  // At least 1 ms (a limit finer than that is no limit a script can store).
  std::int64_t interval_ms() const;
};

struct GcraDecision {
  bool allowed = false;
  // The theoretical arrival time to store when allowed (the key then lives until it, i.e. for
  // new_tat_ms - now_ms; a key that expired is the same as a TAT in the past).
  std::int64_t new_tat_ms = 0;
  // Denied: how long until one event would be admitted (> 0).
  std::int64_t retry_after_ms = 0;
};

// One event against one key: stored_tat is the key's value (nullopt: no key). A stored TAT
// further ahead than a full burst (possible only when the clock went back since it was written)
// is treated as a full burst: a clock going back never loosens a limit and never blocks for more
// than one interval beyond it.
GcraDecision gcra_admit(std::optional<std::int64_t> stored_tat, std::int64_t now_ms,
                        const Rate& rate);

// The length of the E.164 country calling code at the start of digits (1, 2 or 3): ITU-T E.164
// codes are prefix-free (1 and 7; the assigned two-digit codes; every other code has three).
int calling_code_length(std::string_view digits);

// The destination prefix of an E.164 number: "+", the country calling code and the first
// `national_digits` digits after it (fewer when the number is shorter). "+4915112345678", 3 ->
// "+49151".
std::string destination_prefix(std::string_view e164, int national_digits);

}  // namespace otpgate
