#include "otpgate/core/delivery.hpp"

#include <algorithm>

namespace otpgate {

Decision decide_after_attempt(const DeliveryPolicy& p, const SendAttempt& a, int attempt,
                              milliseconds elapsed, double jitter) {
  if (a.outcome == SendOutcome::accepted) return {NextStep::done};
  if (a.outcome == SendOutcome::permanent || attempt > p.retries) return {NextStep::next_gateway};
  // Exponential backoff with full jitter (the AWS architecture blog's "full jitter"): spreads
  // the retries of many concurrent sends instead of hitting a recovering gateway in waves.
  const auto doublings = std::min(attempt - 1, 20);
  const milliseconds grown(p.backoff.count() * (std::int64_t{1} << doublings));
  const milliseconds cap = std::min(p.max_backoff, grown);
  const milliseconds jittered(static_cast<long long>(static_cast<double>(cap.count()) * jitter));
  const milliseconds wait = std::max(jittered, a.retry_after.value_or(milliseconds(0)));
  // A wait that leaves no time for the attempt itself is better spent on the next gateway.
  if (elapsed + wait >= p.deadline) return {NextStep::next_gateway};
  return {NextStep::retry, wait};
}

milliseconds attempt_budget(const DeliveryPolicy& p, milliseconds elapsed) {
  const milliseconds left = p.deadline - elapsed;
  if (left <= milliseconds(0)) return milliseconds(0);
  return std::min(p.attempt_timeout, left);
}

Permit CircuitBreaker::try_acquire(std::int64_t now_ms) {
  switch (state(now_ms)) {
    case State::closed:
      return Permit::granted;
    case State::open:
      return Permit::denied;
    case State::half_open:
      if (probe_in_flight_) return Permit::denied;
      state_ = State::half_open;
      probe_in_flight_ = true;
      return Permit::probe;
  }
  return Permit::denied;
}

void CircuitBreaker::on_result(SendOutcome outcome, std::int64_t now_ms, Permit permit) {
  const bool probe = permit == Permit::probe;
  if (probe) probe_in_flight_ = false;
  // Sends granted before the circuit opened say nothing about the gateway after it did.
  if (!probe && state_ != State::closed) return;
  if (outcome == SendOutcome::accepted) {
    state_ = State::closed;
    consecutive_failures_ = 0;
    return;
  }
  // A permanent error (invalid number, rejected content) means the gateway is up and answering.
  if (outcome == SendOutcome::permanent) {
    if (probe) state_ = State::closed;
    consecutive_failures_ = 0;
    return;
  }
  ++consecutive_failures_;
  if (probe || consecutive_failures_ >= policy_.failures) {
    state_ = State::open;
    opened_at_ms_ = now_ms;
  }
}

CircuitBreaker::State CircuitBreaker::state(std::int64_t now_ms) const {
  if (state_ == State::open && now_ms - opened_at_ms_ >= policy_.open_for.count())
    return State::half_open;
  return state_;
}

std::string_view to_string(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::closed:
      return "closed";
    case CircuitBreaker::State::open:
      return "open";
    case CircuitBreaker::State::half_open:
      return "half_open";
  }
  return "closed";
}

}  // namespace otpgate
