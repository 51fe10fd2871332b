// The Idempotency-Key a mutating request may carry (docs/api.md, "Retries"): its syntax, and what
// a request with a key that already has an entry gets.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

namespace otpgate {

// 1 to 255 visible ASCII characters.
inline bool valid_idempotency_key(std::string_view key) {
  return !key.empty() && key.size() <= 255 &&
         std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// What an action on a verification does with its key's entry (check.lua, resend.lua and
// cancel.lua decide the same, in the call that makes the change).
enum class RetryVerdict {
  perform,   // no entry: perform the action and record its outcome under the key
  replay,    // an entry of the same request: answer its recorded outcome, change nothing
  conflict,  // an entry of another request: idempotency_conflict, change nothing
};

// recorded: the fingerprint of the entry's request, nullopt without an entry.
inline RetryVerdict judge_retry(std::optional<std::string_view> recorded,
                                std::string_view fingerprint) {
  if (!recorded) return RetryVerdict::perform;
  return *recorded == fingerprint ? RetryVerdict::replay : RetryVerdict::conflict;
}

}  // namespace otpgate
