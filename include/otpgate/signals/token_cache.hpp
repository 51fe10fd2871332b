// One operator's OAuth2 access token, shared by every io thread of the process. A token is used
// until shortly before its expires_in, then fetched again; one fetch at a time: a thread that
// misses while another thread's fetch is under way waits for that fetch (on a timer of its own
// io thread, woken by the fetcher) instead of fetching too.
#pragma once

#include "otpgate/core/signals.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/http_client.hpp"
#include "otpgate/signals/operators.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace otpgate::signals {

class TokenCache {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  using Result = std::variant<std::string, SignalFailure>;  // the token, or why none

  TokenCache(const OperatorConfig& op, const Clock& clock) : op_(op), clock_(clock) {}

  // A valid token: the cached one, or one fetched with `http` (the caller's io thread), or the
  // one another thread is fetching. Answers by the deadline (timeout otherwise).
  task<Result> get(HttpClient& http, Deadline deadline);
  // Forgets `token` if it is still the cached one (the operator answered 401 to it).
  void drop(const std::string& token);
  // Token fetches answered so far (for tests).
  std::uint64_t fetches() const;

 private:
  task<Result> fetch(HttpClient& http, Deadline deadline);
  std::optional<std::string> valid_token_locked() const;
  void finish_fetch(const Result& r);

  const OperatorConfig& op_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::string token_;               // "" when none
  std::int64_t refresh_at_ms_ = 0;  // the token is used until then (Clock time)
  bool fetching_ = false;
  std::uint64_t generation_ = 0;               // fetches finished
  std::optional<SignalFailure> last_failure_;  // of the last fetch finished
  std::uint64_t fetches_ = 0;
  // Threads waiting for the fetch: each one's timer, cancelled on its own executor when it ends.
  std::vector<std::weak_ptr<boost::asio::steady_timer>> waiters_;
};

// How long before expires_in a token is replaced: a tenth of its lifetime, at most 30 s, so a
// token never expires on its way to the operator.
std::int64_t refresh_margin_ms(std::int64_t expires_in_ms);

}  // namespace otpgate::signals
