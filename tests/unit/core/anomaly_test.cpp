// Anomaly alerts (core/anomaly.hpp): when an indicator opens and closes an alert.
#include "otpgate/core/analytics.hpp"
#include "otpgate/core/anomaly.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::analytics;

namespace {

constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z (a whole hour)

}  // namespace

TEST_CASE("an indicator is anomalous above factor x its reference, with enough events",
          "[unit][analytics][alerts]") {
  const AlertPolicy p{.factor = 3, .min_events = 5, .floor_per_1000 = 20};
  // 6 wrong codes for 3 starts, no history, nothing elsewhere: above 3 x the floor.
  CHECK(judge_rate({6, 3}, {}, {}, p).anomalous);
  CHECK(!judge_rate({4, 2}, {}, {}, p).anomalous);  // too few events
  // A large brand's ordinary 2 per 1,000 on its first day: the floor keeps it quiet.
  CHECK(!judge_rate({40, 20'000}, {}, {}, p).anomalous);
  // The brand's own baseline: 100 per 1,000 usually, 250 now is below 3x, 350 above.
  CHECK(!judge_rate({25, 100}, {70, 700}, {}, p).anomalous);
  CHECK(judge_rate({35, 100}, {70, 700}, {}, p).anomalous);
  // With a baseline the market does not matter: another brand under attack (1,000 per 1,000
  // elsewhere) cannot mask this one.
  CHECK(judge_rate({35, 100}, {70, 700}, {1000, 1000}, p).anomalous);
  // Without one, the rest of the market is the reference: 500 is below 3 x 200.
  CHECK(!judge_rate({50, 100}, {}, {20, 100}, p).anomalous);
  // No start at all (refused creates): the count itself is the rate's numerator.
  CHECK(rate_per_1000({7, 0}) == Approx(7000.0));
}

TEST_CASE("an open alert stays open until clearly back to normal", "[unit][analytics][alerts]") {
  const AlertPolicy p{.factor = 3, .min_events = 10, .floor_per_1000 = 20};
  // 250 per 1,000 against 100: not enough to open (300), enough to stay open (225).
  CHECK(!judge_rate({25, 100}, {70, 700}, {}, p).anomalous);
  CHECK(judge_rate({25, 100}, {70, 700}, {}, p, true).anomalous);
  CHECK(!judge_rate({22, 100}, {70, 700}, {}, p, true).anomalous);
  // 6 events: below min_events to open, at least half of it to stay open.
  CHECK(!judge_rate({6, 10}, {}, {}, p).anomalous);
  CHECK(judge_rate({6, 10}, {}, {}, p, true).anomalous);
  CHECK(!judge_rate({4, 10}, {}, {}, p, true).anomalous);
}

TEST_CASE("a prefix surging without conversions is the pumping signature",
          "[unit][analytics][alerts]") {
  const AlertPolicy p{.factor = 3, .min_events = 5, .window_minutes = 60};
  CHECK(judge_prefix(6, 0, 0.0, std::nullopt, p).anomalous);
  CHECK(!judge_prefix(4, 0, 0.0, std::nullopt, p).anomalous);  // too few
  CHECK(!judge_prefix(6, 5, 0.0, 0.8, p).anomalous);           // converts
  CHECK(!judge_prefix(30, 0, 20.0, 0.8, p).anomalous);         // its usual volume
  CHECK(judge_prefix(61, 1, 20.0, 0.8, p).anomalous);
  CHECK(!judge_prefix(61, 0, 20.0, 0.0, p).anomalous);  // nothing converts anywhere
}
