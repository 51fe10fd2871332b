// The TLS session: a handshake under read_timeout before any HTTP, and close_notify (bounded)
// after a clean end. Everything in between is session<Stream>, exactly as for plain TCP. With
// session.cpp one of the two Beast translation units.
#include "session.hpp"
#include "tls_native.hpp"
#include "otpgate/util/log_limit.hpp"

#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include <exception>

namespace otpgate::http::detail {
namespace {

// A peer that breaks sessions on purpose must not be able to flood the log.
log::limited failed_session_lines;

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// close_notify is one small record: a client that does not take it within this gets a plain
// close instead.
constexpr std::chrono::milliseconds close_notify_limit{500};

}  // namespace

// busy_ stays false here, so stop() closes a connection mid-handshake at once. The deadline
// closes a client that connects and sends nothing, or half a ClientHello; plain HTTP on this port
// fails at its first bytes.
template <>
asio::awaitable<bool> session<tls_stream>::open() {
  tcp().expires_after(w_.config.read_timeout);
  beast::error_code ec;
  co_await stream_.async_handshake(asio::ssl::stream_base::server, redirect(ec));
  if (!ec) co_return true;
  // Scanners, old clients and plain HTTP produce these all day: debug only. The text is
  // OpenSSL's reason ("wrong version number", "no shared cipher") or "timeout".
  log::write(log::level::debug, "tls handshake failed",
             {{"remote", remote_}, {"error", ec.message()}});
  co_return false;
}

// Our close_notify without waiting for the client's (RFC 8446 6.1 and RFC 5246 7.2.1 allow the
// closing side not to wait): marking the client's as received makes SSL_shutdown complete as
// soon as ours is written.
template <>
asio::awaitable<void> session<tls_stream>::close_gracefully() {
  SSL_set_shutdown(stream_.native_handle(), SSL_RECEIVED_SHUTDOWN);
  tcp().expires_after(
      std::min<std::chrono::milliseconds>(w_.config.read_timeout, close_notify_limit));
  beast::error_code ec;
  co_await stream_.async_shutdown(redirect(ec));
}

asio::awaitable<void> serve_tls_connection(asio::ip::tcp::socket socket, worker& w) {
  try {
    session<tls_stream> s(std::move(socket), w, w.config.tls->context->native().ctx);
    co_await s.run();
  } catch (const std::exception& e) {
    failed_session_lines.write(log::level::error, "https session failed", [&] {
      return nlohmann::json{{"error", e.what()}};
    });
  } catch (...) {
    failed_session_lines.write(log::level::error, "https session failed");
  }
}

}  // namespace otpgate::http::detail
