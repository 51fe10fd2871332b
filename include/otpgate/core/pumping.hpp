// SMS pumping: a destination prefix whose send rate jumps far above its own recent baseline is
// blocked for a while. Each brand and prefix keeps two exponentially decayed send counts, a
// short one (the last `window`) and a long one (the `baseline`); the Redis script mirrors
// pumping_admit step by step. Pure: tests step it by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate {

struct PumpingPolicy {
  // The recent rate must exceed factor x the baseline rate to block; 0 switches the block off.
  double factor = 10;
  // ... and the window must have seen at least this many sends (the decayed count, rounded),
  // so a handful of sends to a quiet prefix is never an anomaly.
  int min_sends = 20;
  std::chrono::milliseconds window{600'000};       // recent rate: 10 minutes
  std::chrono::milliseconds baseline{86'400'000};  // baseline rate: 24 hours
  std::chrono::milliseconds block{3'600'000};      // how long a prefix stays blocked
  // E.164 numbers or prefixes ("+4915112345678", "+49151") that bypass the block and are not
  // counted (test numbers, a partner's range).
  std::vector<std::string> safelist;

  bool enabled() const { return factor > 0; }
  bool safelisted(std::string_view e164) const;
};

// What is stored per brand and prefix.
struct PrefixTraffic {
  double recent = 0;                  // sends, decayed with time constant `window`
  double baseline = 0;                // sends, decayed with time constant `baseline`
  std::int64_t updated_ms = 0;        // 0: never (no history)
  std::int64_t blocked_until_ms = 0;  // 0: not blocked
};

enum class PumpingVerdict {
  allowed,  // counted
  tripped,  // this send made the prefix an anomaly: refused, the block starts now
  blocked,  // the prefix is blocked: refused, not counted
};

struct PumpingDecision {
  PumpingVerdict verdict = PumpingVerdict::allowed;
  PrefixTraffic next;               // to store (unchanged when blocked)
  std::int64_t retry_after_ms = 0;  // refused: until the block ends
};

// One send to a prefix. watching_since_ms: when the brand's traffic was first counted. The
// rates divide each decayed count by the time it could have accumulated over (its time
// constant, or less while the brand is younger than that), so a fresh deployment does not see
// every prefix as new, while a prefix the brand never sent to before, suddenly busy, does.
// A clock going back counts as no time passing.
PumpingDecision pumping_admit(const PrefixTraffic& stored, std::int64_t watching_since_ms,
                              std::int64_t now_ms, const PumpingPolicy& policy);

// A safelist entry: "+" and 2 to 15 digits.
bool is_safelist_entry(std::string_view s);

}  // namespace otpgate
