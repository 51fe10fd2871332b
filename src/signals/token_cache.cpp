#include "otpgate/signals/token_cache.hpp"

#include "otpgate/signals/camara_protocol.hpp"
#include "otpgate/signals/signal_metrics.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace otpgate::signals {
namespace {

using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

}  // namespace

std::int64_t refresh_margin_ms(std::int64_t expires_in_ms) {
  return std::min<std::int64_t>(expires_in_ms / 10, 30'000);
}

std::optional<std::string> TokenCache::valid_token_locked() const {
  if (token_.empty() || clock_.now_ms() >= refresh_at_ms_) return std::nullopt;
  return token_;
}

std::uint64_t TokenCache::fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

void TokenCache::drop(const std::string& token) {
  std::lock_guard lock(mutex_);
  if (token_ == token) token_.clear();
}

task<TokenCache::Result> TokenCache::get(HttpClient& http, Deadline deadline) {
  const auto executor = co_await boost::asio::this_coro::executor;
  for (;;) {
    auto timer = std::make_shared<boost::asio::steady_timer>(executor);
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      if (auto t = valid_token_locked()) co_return *t;
      if (!fetching_) {
        fetching_ = true;
        break;
      }
      // Registered under the lock that saw the fetch running: its end cannot be missed.
      seen = generation_;
      timer->expires_at(deadline);
      waiters_.push_back(timer);
    }
    boost::system::error_code ec;
    co_await timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    std::lock_guard lock(mutex_);
    if (auto t = valid_token_locked()) co_return *t;
    if (generation_ != seen && last_failure_) co_return *last_failure_;
    if (Deadline::clock::now() >= deadline) co_return SignalFailure::timeout;
  }
  co_return co_await fetch(http, deadline);
}

task<TokenCache::Result> TokenCache::fetch(HttpClient& http, Deadline deadline) {
  Result out = SignalFailure::timeout;
  const auto start = steady::now();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start);
  if (left.count() > 0) {
    const HttpRequest request = token_request(op_);
    const HttpTimeouts timeouts{.total = left, .connect = std::min(left, HttpTimeouts{}.connect)};
    auto r = co_await http.perform(request, timeouts);
    if (!r) {
      out =
          r.error() == errc::gateway_timeout ? SignalFailure::timeout : SignalFailure::unreachable;
    } else if (auto f = failure_of_status(r.value().status)) {
      // RFC 6749 §5.2: a refused client answers 400 or 401.
      out = *f == SignalFailure::rejected ? SignalFailure::unauthorized : *f;
    } else if (auto t = parse_token(r.value().body); std::holds_alternative<Token>(t)) {
      Token& token = std::get<Token>(t);
      std::lock_guard lock(mutex_);
      refresh_at_ms_ =
          clock_.now_ms() + token.expires_in_ms - refresh_margin_ms(token.expires_in_ms);
      token_ = token.access_token;
      out = std::move(token.access_token);
    } else {
      out = std::get<SignalFailure>(t);
    }
  }
  const auto failure = std::holds_alternative<SignalFailure>(out)
                           ? std::optional(std::get<SignalFailure>(out))
                           : std::nullopt;
  record_call(op_.id, Api::token, failure, seconds_since(start));
  finish_fetch(out);
  co_return out;
}

void TokenCache::finish_fetch(const Result& r) {
  std::vector<std::weak_ptr<boost::asio::steady_timer>> waiters;
  {
    std::lock_guard lock(mutex_);
    fetching_ = false;
    ++generation_;
    ++fetches_;
    last_failure_ = std::holds_alternative<SignalFailure>(r)
                        ? std::optional(std::get<SignalFailure>(r))
                        : std::nullopt;
    waiters.swap(waiters_);
  }
  // Each timer is cancelled on its own io thread: timers are not thread-safe.
  for (auto& w : waiters)
    if (auto timer = w.lock())
      boost::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

}  // namespace otpgate::signals
