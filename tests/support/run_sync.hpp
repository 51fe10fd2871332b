// Drives one coroutine call to completion on an io_context, bounded in time, so integration
// tests can be plain sequential code. (Tests use no coroutine lambdas: g++ 12 miscompiles some.)
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <optional>

namespace otpgate::test {

namespace detail {
template <class T>
boost::asio::awaitable<void> capture(boost::asio::awaitable<T> call, std::optional<T>& out) {
  out.emplace(co_await std::move(call));
}
}  // namespace detail

template <class T>
T run_sync(boost::asio::io_context& ioc, boost::asio::awaitable<T> call,
           std::chrono::seconds limit = std::chrono::seconds(10)) {
  std::optional<T> out;
  std::exception_ptr error;
  // A context that ran out of work is stopped and would run nothing more until restarted.
  if (ioc.stopped()) ioc.restart();
  boost::asio::co_spawn(ioc, detail::capture(std::move(call), out),
                        [&](std::exception_ptr e) { error = e; });
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!out && !error && std::chrono::steady_clock::now() < end)
    ioc.run_one_for(std::chrono::milliseconds(10));
  if (error) std::rethrow_exception(error);
  REQUIRE(out.has_value());
  return std::move(*out);
}

}  // namespace otpgate::test
