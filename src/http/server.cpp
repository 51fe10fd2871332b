// Listeners, io threads and graceful shutdown. One io_context and one SO_REUSEPORT acceptor per
// thread and listener (plain, HTTPS): the kernel spreads connections over the acceptors and each
// connection then lives on one thread end to end, so the request path takes no locks. Beast stays
// in session.cpp and tls_session.cpp.
#include "otpgate/http/server.hpp"

#include "otpgate/util/log.hpp"
#include "otpgate/util/log_limit.hpp"
#include "worker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace otpgate::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::worker;

namespace detail {

void worker::begin_shutdown() {
  if (stopping) return;
  stopping = true;
  boost::system::error_code ec;
  if (acceptor) acceptor->close(ec);
  if (tls_acceptor) tls_acceptor->close(ec);
  // Copy: closing never unregisters synchronously, but do not iterate a set others may touch.
  const std::vector<connection_control*> live(connections.begin(), connections.end());
  for (auto* c : live) c->close_if_idle();
  grace_timer.emplace(ioc, config.shutdown_grace);
  grace_timer->async_wait([this](boost::system::error_code wait_ec) {
    if (wait_ec || finished) return;
    force_close_all();
  });
  finish_when_idle();
}

void worker::finish_when_idle() {
  if (finished || !connections.empty()) return;
  if (!background_busy || !background_busy()) return finish();
  if (drain_timer) return;  // already polling
  drain_timer.emplace(ioc, std::chrono::milliseconds(50));
  drain_timer->async_wait([this](boost::system::error_code wait_ec) {
    if (wait_ec) return;
    drain_timer.reset();
    finish_when_idle();
  });
}

void worker::force_close_all() {
  const std::vector<connection_control*> live(connections.begin(), connections.end());
  if (!live.empty())
    log::write(log::level::warn, "http shutdown grace expired",
               {{"open_connections", live.size()}});
  for (auto* c : live) c->close_now();
  // Let the aborted operations complete (sessions unregister), then stop regardless: a handler
  // stuck on a dependency must not keep the process alive past the grace period.
  asio::post(ioc, [this] { finish(); });
}

void worker::on_connection_closed() {
  if (finished) return;
  if (stopping) finish_when_idle();
}

void worker::finish() {
  if (grace_timer) grace_timer->cancel();
  if (drain_timer) drain_timer->cancel();
  // Explicit stop: per-thread adapters (a Redis connection's reader loop) keep the context busy
  // forever, so running out of work never happens by itself.
  ioc.stop();
}

}  // namespace detail

namespace {

using connection_server = asio::awaitable<void> (*)(tcp::socket, worker&);

// Accept failing (EMFILE/ENFILE at the descriptor limit, ENOBUFS) fails again at once: the
// waiting connection stays in the backlog and the listener stays readable. So each failure in a
// row waits longer, from 50 ms up to 400 ms, while the open connections are served as usual;
// once descriptors are free again the next try accepts the waiting connections.
constexpr std::chrono::milliseconds first_accept_pause{50};
constexpr std::chrono::milliseconds longest_accept_pause{400};

std::chrono::milliseconds next_accept_pause(std::chrono::milliseconds previous) {
  if (previous.count() == 0) return first_accept_pause;
  return std::min(previous * 2, longest_accept_pause);
}

// Shared by every thread's acceptor: they all fail together at the process's descriptor limit.
log::limited accept_failure_lines;

// One per listener and thread: `serve` is serve_connection or serve_tls_connection.
asio::awaitable<void> accept_loop(worker& w, tcp::acceptor& acceptor, connection_server serve) {
  std::chrono::milliseconds pause{0};  // 0 while accepting works
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (w.stopping || ec == asio::error::operation_aborted) co_return;
      pause = next_accept_pause(pause);
      accept_failure_lines.write(log::level::error, "http accept failed", [&] {
        return nlohmann::json{{"error", ec.message()}, {"retry_ms", pause.count()}};
      });
      asio::steady_timer timer(w.ioc, pause);
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    pause = std::chrono::milliseconds(0);
    socket.set_option(tcp::no_delay(true), ec);  // small JSON answers: do not wait for Nagle
    asio::co_spawn(w.ioc, serve(std::move(socket), w), [](std::exception_ptr e) {
      if (e) log::write(log::level::error, "http session escaped exception");
    });
  }
}

std::string describe(const asio::ip::address& a, unsigned short port) {
  return a.is_v6() ? "[" + a.to_string() + "]:" + std::to_string(port)
                   : a.to_string() + ":" + std::to_string(port);
}

tcp::acceptor open_acceptor(asio::io_context& ioc, const asio::ip::address& addr,
                            unsigned short port) {
  using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  const tcp::endpoint ep(addr, port);
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.set_option(reuse_port(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "cannot listen on " + describe(addr, port));
  return acceptor;
}

// SO_REUSEPORT would let us join a port another process listens on, and the kernel would split
// the connections between the two. A probe bound without it fails when anyone listens there.
void refuse_taken_port(asio::io_context& ioc, const asio::ip::address& addr, unsigned short port) {
  if (port == 0) return;
  const tcp::endpoint ep(addr, port);
  tcp::acceptor probe(ioc);
  boost::system::error_code ec;
  probe.open(ep.protocol(), ec);
  if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) probe.bind(ep, ec);
  if (ec == asio::error::address_in_use)
    throw std::system_error(
        ec, "cannot listen on " + describe(addr, port) + ": another process listens on that port");
}

asio::ip::address parse_address(const std::string& text) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(text, ec);
  if (ec) throw std::system_error(ec, "invalid listen address '" + text + "'");
  return addr;
}

// Opens one acceptor per worker on addr:port (into the member `slot` names) and returns the
// bound port. Port 0: the first bind picks the port, the other threads join it via SO_REUSEPORT;
// a port another process holds is refused.
unsigned short open_acceptors(std::vector<std::unique_ptr<worker>>& workers,
                              std::optional<tcp::acceptor> worker::*slot,
                              const asio::ip::address& addr, unsigned short port) {
  if (!workers.empty()) refuse_taken_port(workers.front()->ioc, addr, port);
  for (auto& w : workers) {
    std::optional<tcp::acceptor>& acceptor = (*w).*slot;
    acceptor.emplace(open_acceptor(w->ioc, addr, port));
    port = acceptor->local_endpoint().port();
  }
  return port;
}

// SO_REUSEPORT lets the TLS acceptors join the plain ones on the same port without an error,
// and the kernel would then hand plain clients to the TLS session and vice versa.
void refuse_shared_port(const asio::ip::address& plain, unsigned short plain_port,
                        const asio::ip::address& tls, unsigned short tls_port) {
  if (plain_port == 0 || plain_port != tls_port) return;
  if (plain == tls || plain.is_unspecified() || tls.is_unspecified())
    throw std::invalid_argument("the TLS listener " + describe(tls, tls_port) +
                                " must not share the port of the plain listener " +
                                describe(plain, plain_port));
}

void spawn_accept_loop(worker& w, tcp::acceptor& acceptor, connection_server serve) {
  asio::co_spawn(w.ioc, accept_loop(w, acceptor, serve), [](std::exception_ptr e) {
    if (e) log::write(log::level::error, "http accept loop escaped exception");
  });
}

}  // namespace

struct Server::impl {
  ServerConfig config;
  HandlerFactory factory;
  std::vector<std::unique_ptr<worker>> workers;
  unsigned short port = 0;
  unsigned short tls_port = 0;
  std::atomic<bool> stop_requested{false};

  void run_worker(unsigned i) {
    worker& w = *workers[i];
    w.handler = factory(w.ioc, i);
    if (w.acceptor) spawn_accept_loop(w, *w.acceptor, detail::serve_connection);
    if (w.tls_acceptor) spawn_accept_loop(w, *w.tls_acceptor, detail::serve_tls_connection);
    // stop() may have run before this thread started; begin_shutdown is idempotent.
    if (stop_requested.load()) asio::post(w.ioc, [&w] { w.begin_shutdown(); });
    for (;;) {
      try {
        w.ioc.run();
        break;
      } catch (const std::exception& e) {
        // Thrown by someone else's completion handler; the server's own coroutines catch theirs.
        log::write(log::level::error, "exception escaped into the io loop", {{"error", e.what()}});
      }
    }
    w.finished = true;
  }
};

Server::Server(ServerConfig config, HandlerFactory factory) : impl_(std::make_unique<impl>()) {
  impl_->config = std::move(config);
  if (impl_->config.threads == 0) impl_->config.threads = 1;
  impl_->factory = std::move(factory);
}

Server::~Server() = default;

void Server::bind() {
  if (!impl_->workers.empty()) return;
  const ServerConfig& c = impl_->config;
  if (!c.plain && !c.tls) throw std::invalid_argument("no listener configured (plain off, no TLS)");
  if (c.tls && !c.tls->context) throw std::invalid_argument("the TLS listener has no context");
  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned i = 0; i < c.threads; ++i) workers.push_back(std::make_unique<worker>(c));
  unsigned short port = 0;
  unsigned short tls_port = 0;
  if (c.plain && c.tls)
    refuse_shared_port(parse_address(c.address), c.port, parse_address(c.tls->address),
                       c.tls->port);
  if (c.plain) port = open_acceptors(workers, &worker::acceptor, parse_address(c.address), c.port);
  if (c.tls)
    tls_port =
        open_acceptors(workers, &worker::tls_acceptor, parse_address(c.tls->address), c.tls->port);
  impl_->port = port;
  impl_->tls_port = tls_port;
  impl_->workers = std::move(workers);
}

unsigned short Server::port() const {
  return impl_->port;
}

unsigned short Server::tls_port() const {
  return impl_->tls_port;
}

void Server::wait_on_shutdown(unsigned i, std::function<bool()> busy) {
  impl_->workers.at(i)->background_busy = std::move(busy);
}

asio::io_context& Server::context(unsigned i) {
  if (i >= impl_->workers.size()) throw std::out_of_range("no io thread " + std::to_string(i));
  return impl_->workers[i]->ioc;
}

void Server::run() {
  bind();
  std::mutex error_mutex;
  std::exception_ptr first_error;
  auto body = [&](unsigned i) {
    try {
      impl_->run_worker(i);
    } catch (...) {  // the HandlerFactory threw: take the whole server down
      {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
      }
      stop();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < impl_->workers.size(); ++i) threads.emplace_back(body, i);
  body(0);
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

void Server::stop() {
  impl_->stop_requested.store(true);
  for (auto& w : impl_->workers) asio::post(w->ioc, [wp = w.get()] { wp->begin_shutdown(); });
}

void Server::stop_now() {
  impl_->stop_requested.store(true);
  for (auto& w : impl_->workers)
    asio::post(w->ioc, [wp = w.get()] {
      wp->begin_shutdown();
      wp->force_close_all();
    });
}

}  // namespace otpgate::http
