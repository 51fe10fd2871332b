// The Idempotency-Key a create may carry (docs/api.md, "Idempotent creates").
#pragma once

#include <algorithm>
#include <string_view>

namespace otpgate {

// 1 to 255 visible ASCII characters.
inline bool valid_idempotency_key(std::string_view key) {
  return !key.empty() && key.size() <= 255 &&
         std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace otpgate
