// A seeded load of shop clients for fault-injection runs: each client creates a verification,
// checks wrong and right codes, resends and cancels, sends every mutating request with an
// Idempotency-Key and retries every 503 with the same key, and records what it was told. After
// the run, chaos_violations() holds the service to what the clients heard. Give the brand
// max_attempts 4: a flow sends up to 3 wrong codes and then the right one, so a wrong check
// counted twice shows as an answer no client should get.
// Used by the chaos e2e test (bounded, in scripts/test) and by scripts/bench-faults (minutes).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace otpgate::test {

struct ChaosTarget {
  std::string base_url;     // http://127.0.0.1:<port>
  std::string shop_key;     // a shop key of `brand`
  std::string support_key;  // a support key of `brand` (the subscriber lookup)
  std::string brand;
  std::string outbox_path;  // the file gateway's outbox (the SMS the service handed over)
  // The brand's limits.phone_sends_per_day: the phone tokens a flow's sends may have taken are
  // counted against it afterwards (0: not checked).
  int phone_sends_per_day = 0;
};

struct ChaosOptions {
  int clients = 4;
  std::chrono::milliseconds duration{10'000};
  std::uint64_t seed = 1;
  // A request is retried (same key, same body) while it answers 503 or IDEMPOTENCY_KEY_IN_USE,
  // up to this many times, `retry_pause` apart.
  int max_tries = 60;
  std::chrono::milliseconds retry_pause{100};
  // Wait as the 503's Retry-After says instead (as a shop following the docs would).
  bool honor_retry_after = false;
  std::chrono::milliseconds request_timeout{5'000};
  // Phone numbers are +49151<prefix><5 digits>: a run's own range.
  std::string phone_prefix = "7";
};

// One verification's story as its client saw it.
struct ChaosFlow {
  std::string phone;
  std::string id;             // empty: the create was never acknowledged
  int attempts_at_start = 0;  // attempts_left in the create's answer
  int wrong_checks = 0;       // distinct wrong-code checks answered 422
  bool uncertain = false;     // a request was still 503 after max_tries: its outcome unknown
  bool right_code_sent = false;
  bool approved = false;               // the right-code check was answered 200 approved
  bool cancelled = false;              // a cancel was answered 200
  int resends = 0;                     // distinct resends answered 200 (each one SMS)
  bool saw_503 = false;                // a request of the flow was answered 503 at least once
  std::vector<std::string> surprises;  // answers no client should ever get
};

struct ChaosReport {
  std::vector<ChaosFlow> flows;
  long requests = 0;                    // every HTTP request sent, retries included
  long answered_503 = 0;                // ... of them answered 503
  long retried_after_503 = 0;           // logical requests that got a 503 at least once
  long done_by_first_retry = 0;         // ... whose first retry got the final answer
  long gave_up = 0;                     // logical requests still 503 after max_tries
  std::vector<double> ok_latencies_ms;  // requests answered 2xx (the final try), in ms
};

// Runs the clients until `duration` has passed (each finishes its flow). Thread-safe for the
// target; faults are injected by the caller meanwhile (another thread).
ChaosReport run_chaos_load(const ChaosTarget& target, const ChaosOptions& options);

// What the service holds now against what the clients were told; empty when all agree:
// every acknowledged verification exists, once per phone; every approved one is approved, a
// pending one has used as many attempts as checks were answered; none is left pending with its
// SMS unsent; the outbox holds one SMS per acknowledged create and resend; and a flow that saw
// a 503 took a phone token for its acknowledged sends only (probed by creating until the
// phone's daily limit answers 429: destructive, so it runs last).
std::vector<std::string> chaos_violations(const ChaosTarget& target, const ChaosReport& report);

// p-th percentile (0..100) of `values` (sorted copy); 0 when empty.
double percentile(std::vector<double> values, double p);

}  // namespace otpgate::test
