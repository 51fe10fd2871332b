// Drives a hiredis async context from an Asio io_context (hiredis 0.14 ships adapters for
// libevent/libuv/ae but none for Asio).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

struct redisAsyncContext;

namespace otpgate::redis::detail {

// Installs the event hooks (ev.data, addRead/delRead/addWrite/delWrite/cleanup) on `ac`.
// Must be called before redisAsyncSetConnectCallback, which calls addWrite at once to detect
// the end of the non-blocking connect. hiredis keeps owning the socket: the watcher never
// closes it, and hiredis' cleanup hook detaches the watcher before hiredis closes the fd.
// Fails only if the reactor refuses the fd; the context is then left without hooks.
boost::system::error_code attach_asio(redisAsyncContext* ac, boost::asio::io_context& ioc);

}  // namespace otpgate::redis::detail
