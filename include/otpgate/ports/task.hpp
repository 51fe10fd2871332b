// The coroutine type of every asynchronous port: an Asio awaitable, resumed on the caller's io
// thread. Implementations never block that thread.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace otpgate {

template <class T>
using task = boost::asio::awaitable<T>;

}  // namespace otpgate
