// The HTTP/1.1 server: Boost.Beast with C++20 coroutines, one io_context per thread, each thread
// with its own SO_REUSEPORT acceptor so connections never cross threads (no locks on the request
// path). The server knows only I/O; the API layer supplies a Handler per thread. An optional
// second listener speaks HTTPS with the same model and the same Handler.
#pragma once

#include "otpgate/http/message.hpp"
#include "otpgate/http/tls.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace otpgate::http {

// The HTTPS listener: its own address and port, every io thread with its own acceptor as for
// plain HTTP. Timeouts and limits are the ServerConfig's.
struct TlsListenerConfig {
  std::string address = "127.0.0.1";
  unsigned short port = 8443;                 // 0 picks a free port (see Server::tls_port())
  std::shared_ptr<const TlsContext> context;  // required: certificate, key and policy
};

struct ServerConfig {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0 picks a free port (see Server::port())
  bool plain = true;           // false: no plain HTTP listener (TLS only, OTPGATE_LISTEN=off)
  std::optional<TlsListenerConfig> tls;  // the HTTPS listener, when set
  unsigned threads = 1;
  std::size_t body_limit = 16 * 1024;   // larger bodies get 413
  std::size_t header_limit = 8 * 1024;  // larger header blocks get 431
  // A request must arrive completely within this time once its first byte was read, and a TLS
  // handshake must complete within it; an idle keep-alive connection is closed after
  // idle_timeout. Slow or silent clients cannot pin us.
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};
  // On stop(): stop accepting, let in-flight requests finish for at most this long.
  std::chrono::milliseconds shutdown_grace{10'000};
};

class Server {
 public:
  // Called once per io thread, on that thread's io_context, before it accepts connections.
  using HandlerFactory = std::function<Handler(boost::asio::io_context&, unsigned thread_index)>;

  Server(ServerConfig config, HandlerFactory factory);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners (throws std::system_error naming the address on failure, and
  // std::invalid_argument when no listener is configured).
  void bind();
  // The bound plain HTTP port (after bind()); 0 when config.plain is false.
  unsigned short port() const;
  // The bound HTTPS port (after bind()); 0 when config.tls is not set.
  unsigned short tls_port() const;
  // Runs all io threads; returns after stop() has drained them. Installs no signal handlers.
  void run();
  // Thread-safe: begins a graceful shutdown.
  void stop();
  // Thread-safe: a shutdown that does not wait (a second signal): open connections are closed
  // and the threads stop without waiting out the grace or the background work.
  void stop_now();
  // On stop(), thread i stops only once busy() answers false (polled on that thread, every
  // 50 ms), within shutdown_grace like its open requests. Call it from the factory of thread i.
  void wait_on_shutdown(unsigned i, std::function<bool()> busy);
  // The io_context of thread i (valid after bind()); used to attach per-thread adapters.
  boost::asio::io_context& context(unsigned i);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace otpgate::http
