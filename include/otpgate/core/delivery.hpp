// The pure rules of SMS delivery: what one gateway attempt came to, when to retry, when to fail
// over to the next gateway, and the per-gateway circuit breaker. No I/O: the adapters perform the
// attempts and sleeps, these functions decide (tests step them by hand).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

using std::chrono::milliseconds;

// How one attempt at one gateway ended.
enum class SendOutcome {
  accepted,   // the gateway took the SMS (message_id set)
  transient,  // worth retrying: timeout, connection error, 5xx, 429
  permanent,  // retrying cannot help: invalid number, bad credentials, rejected content
};

struct SendAttempt {
  SendOutcome outcome = SendOutcome::transient;
  std::string message_id;                   // accepted: the vendor's id for the message
  std::optional<milliseconds> retry_after;  // transient: the vendor's Retry-After, if any
  // Short and safe for logs: "http 503", "timeout", a vendor error code. Never the message
  // text, the number or a credential.
  std::string reason;
};

// A brand's delivery policy (brand.json "delivery"; defaults documented in docs/brands.md).
struct DeliveryPolicy {
  milliseconds attempt_timeout{3'000};  // one HTTP exchange with one gateway
  milliseconds deadline{8'000};         // all attempts at all gateways together
  int retries = 2;                      // extra attempts per gateway, transient failures only
  milliseconds backoff{200};            // first retry delay; doubles per retry, full jitter
  milliseconds max_backoff{2'000};
  bool resend_on_undelivered = false;  // an "undelivered" report triggers one failover resend
};

enum class NextStep { done, retry, next_gateway };

struct Decision {
  NextStep step = NextStep::done;
  milliseconds delay{0};  // retry: wait this long first
};

// What to do after attempt number `attempt` (1-based) at the current gateway ended with `a`,
// `elapsed` after the send began. `jitter` is uniform in [0, 1) (injected for tests). Retries
// only transient failures, waits max(jittered backoff, Retry-After), and moves to the next
// gateway when the retries are used up or the wait would cross the deadline. done: accepted, or
// nothing more to try within the deadline (the caller stops when no gateway is left).
Decision decide_after_attempt(const DeliveryPolicy& p, const SendAttempt& a, int attempt,
                              milliseconds elapsed, double jitter);

// The timeout for the next attempt: the policy's attempt timeout, cut to what is left of the
// deadline (zero when nothing is left).
milliseconds attempt_budget(const DeliveryPolicy& p, milliseconds elapsed);

// Circuit breaker for one gateway (gateways.json "circuit"). Closed: every send goes through.
// After `failures` consecutive transient failures it opens and refuses sends for `open_for`;
// then it lets one probe through (half-open): success closes it, failure opens it again.
// Permanent errors (a bad number) say nothing about the gateway's health and do not count.
struct CircuitPolicy {
  int failures = 5;
  milliseconds open_for{30'000};
};

// What try_acquire granted: nothing, a send while closed, or the one half-open probe.
enum class Permit { denied, granted, probe };

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };

  explicit CircuitBreaker(CircuitPolicy p = {}) : policy_(p) {}

  // Whether a send may go to this gateway now. In half-open state only one caller gets the
  // probe until that probe reports back.
  Permit try_acquire(std::int64_t now_ms);
  // The result of a send made under `permit`. Only the probe's result decides a half-open
  // circuit; a slow send granted while it was still closed cannot close or reopen it.
  void on_result(SendOutcome outcome, std::int64_t now_ms, Permit permit = Permit::granted);
  State state(std::int64_t now_ms) const;

 private:
  CircuitPolicy policy_;
  State state_ = State::closed;
  int consecutive_failures_ = 0;
  std::int64_t opened_at_ms_ = 0;
  bool probe_in_flight_ = false;
};

std::string_view to_string(CircuitBreaker::State s);

}  // namespace otpgate
