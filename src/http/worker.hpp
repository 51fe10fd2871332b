// Private to src/http: the per-thread state of the server. Every member is touched only from the
// worker's own io thread (Server::stop() reaches it through asio::post), so nothing is locked.
#pragma once

#include "otpgate/http/message.hpp"
#include "otpgate/http/server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <optional>
#include <unordered_set>

namespace otpgate::http::detail {

// What shutdown needs from a live connection (implemented by the session in session.hpp).
class connection_control {
 public:
  // Closes the connection unless a request is being read, handled or answered.
  virtual void close_if_idle() = 0;
  // Closes the connection whatever it is doing (shutdown_grace ran out).
  virtual void close_now() = 0;

 protected:
  ~connection_control() = default;
};

struct worker {
  explicit worker(const ServerConfig& c) : config(c) {}
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  const ServerConfig& config;
  // Declared before ioc so it outlives it: ~io_context destroys suspended session frames, whose
  // destructors unregister here.
  std::unordered_set<connection_control*> connections;
  bool stopping = false;  // stop() reached this thread: no new connections, no keep-alive
  bool finished = false;  // ioc.run() returned; late unregistrations must not touch ioc
  boost::asio::io_context ioc{1};
  // Declared after ioc so adapters the handler owns (sockets, timers) die before their context.
  Handler handler;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;  // plain HTTP, unless config.plain off
  std::optional<boost::asio::ip::tcp::acceptor> tls_acceptor;  // HTTPS, when config.tls is set
  std::optional<boost::asio::steady_timer> grace_timer;
  // The handler's background work this thread must finish before it stops (a send still being
  // recorded); polled while shutting down, within shutdown_grace.
  std::function<bool()> background_busy;
  std::optional<boost::asio::steady_timer> drain_timer;

  // Graceful shutdown, on the io thread: close the acceptors and idle connections (a TLS
  // connection still in its handshake is idle), give the busy ones shutdown_grace, then stop the
  // io_context.
  void begin_shutdown();
  // As the grace running out, now (a second signal): every connection closed, then the stop.
  void force_close_all();
  // A session ended (called from its destructor).
  void on_connection_closed();

 private:
  // Stops once no connection is left and no background work is pending (polled every 50 ms).
  void finish_when_idle();
  void finish();
};

// Serves one accepted connection until it closes; never throws.
boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket, worker& w);
// The same over TLS with w.config.tls's context: handshake first (under read_timeout), then
// HTTP exactly as serve_connection. Defined in tls_session.cpp.
boost::asio::awaitable<void> serve_tls_connection(boost::asio::ip::tcp::socket socket, worker& w);

}  // namespace otpgate::http::detail
