// Runs two coroutines side by side on the caller's executor and returns both results: two Redis
// calls on one connection go out back to back and cost one round trip, not two. Neither task
// may throw (otpgate's tasks return failures as values); if one does, the exception is rethrown
// here after both have finished.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace otpgate {

template <class A, class B>
boost::asio::awaitable<std::pair<A, B>> when_both(boost::asio::awaitable<A> a,
                                                  boost::asio::awaitable<B> b) {
  namespace asio = boost::asio;
  struct state {
    std::optional<A> a;
    std::optional<B> b;
    std::exception_ptr error;
  };
  auto st = std::make_shared<state>();
  auto ex = co_await asio::this_coro::executor;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&](auto handler) {
        // Resumes the caller once, when the second of the two has finished.
        auto resume = std::make_shared<decltype(handler)>(std::move(handler));
        auto left = std::make_shared<int>(2);
        auto finished = [st, resume, left](std::exception_ptr e) {
          if (e && !st->error) st->error = e;
          if (--*left == 0) (*resume)();
        };
        asio::co_spawn(
            ex,
            [st, t = std::move(a)]() mutable -> asio::awaitable<void> {
              st->a.emplace(co_await std::move(t));
            },
            finished);
        asio::co_spawn(
            ex,
            [st, t = std::move(b)]() mutable -> asio::awaitable<void> {
              st->b.emplace(co_await std::move(t));
            },
            finished);
      },
      asio::use_awaitable);
  if (st->error) std::rethrow_exception(st->error);
  co_return std::pair<A, B>(std::move(*st->a), std::move(*st->b));
}

}  // namespace otpgate
