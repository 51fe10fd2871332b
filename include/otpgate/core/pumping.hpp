// SMS pumping: a destination prefix whose send rate jumps far above its own recent baseline,
// while the brand's other traffic does not, is blocked for a while. Each brand keeps two
// exponentially decayed send counts (a short `window` and a long `baseline`) per prefix and for
// all its prefixes together; the Redis script mirrors pumping_admit step by step. Pure: tests
// step it by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate {

struct PumpingPolicy {
  // A prefix is an anomaly when its growth (recent rate / baseline rate) exceeds factor x the
  // growth of the brand's other traffic (at least 1); 0 switches the block off. Otherwise 1 to
  // below baseline / (2 x window): growth cannot exceed baseline / window, so a larger factor
  // would never block (brand_from_json refuses it).
  double factor = 10;
  // ... and the window must have seen at least this many sends to the prefix (the decayed
  // count, rounded), so a handful of sends to a quiet prefix is never an anomaly.
  int min_sends = 20;
  std::chrono::milliseconds window{600'000};       // recent rate: 10 minutes
  std::chrono::milliseconds baseline{86'400'000};  // baseline rate: 24 hours
  std::chrono::milliseconds block{3'600'000};      // how long a prefix stays blocked
  // E.164 numbers or prefixes ("+4915112345678", "+49151") that bypass the block and are not
  // counted (test numbers, a partner's range).
  std::vector<std::string> safelist;

  bool enabled() const { return factor > 0; }
  bool safelisted(std::string_view e164) const;
  // The largest factor that can still block: baseline / (2 x window).
  double max_factor() const;
};

// Decayed send counts, as stored per brand and prefix, and for the brand's prefixes together.
struct Traffic {
  double recent = 0;                  // sends, decayed with time constant `window`
  double baseline = 0;                // sends, decayed with time constant `baseline`
  std::int64_t updated_ms = 0;        // 0: never (no history)
  std::int64_t blocked_until_ms = 0;  // a prefix's block; 0: not blocked (unused for the brand)
};

enum class PumpingVerdict {
  allowed,  // counted
  tripped,  // this send made the prefix an anomaly: refused, the block starts now
  blocked,  // the prefix is blocked: refused, not counted
};

struct PumpingDecision {
  PumpingVerdict verdict = PumpingVerdict::allowed;
  Traffic prefix;                   // to store (unchanged when blocked)
  Traffic brand;                    // to store (unchanged when blocked)
  std::int64_t retry_after_ms = 0;  // refused: until the block ends
};

// One send to a prefix. watching_since_ms: when the brand's traffic was first counted. A rate
// divides a decayed count by the time it could have accumulated over (its time constant, or
// less while the brand is younger than that), so a fresh deployment does not see every prefix
// as new, while a prefix the brand never sent to before, suddenly busy, does. The brand's other
// traffic (brand minus prefix) sets the bar: a campaign that lifts every range does not block
// them, a surge on one range does. A clock going back counts as no time passing.
PumpingDecision pumping_admit(const Traffic& prefix, const Traffic& brand,
                              std::int64_t watching_since_ms, std::int64_t now_ms,
                              const PumpingPolicy& policy);

// A safelist entry: "+" and 2 to 15 digits.
bool is_safelist_entry(std::string_view s);

}  // namespace otpgate
