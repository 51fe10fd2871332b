// FakeHttpServer: Beast on a private io_context and thread. Sessions are callback-style (no
// coroutines: none of g++ 12's coroutine pitfalls in a helper every tier uses), each owned by
// its pending handlers, so stopping the io_context and destroying it closes every connection,
// hanging ones included, without waiting for anything.
#include "support/fake_http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace otpgate::test {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// What the sessions share with the test thread.
struct server_state {
  explicit server_state(FakeHttpServer::Handler h) : handler(std::move(h)) {}

  // Records the request, then asks the handler (outside the lock: it may take its time).
  FakeReply handle(const RecordedRequest& request) {
    FakeHttpServer::Handler h;
    {
      std::lock_guard lock(mutex);
      requests.push_back(request);
      h = handler;
    }
    arrived.notify_all();
    try {
      return h(request);
    } catch (const std::exception& e) {
      FakeReply reply;
      reply.status = 500;
      reply.body = std::string("fake handler threw: ") + e.what();
      return reply;
    }
  }

  void begin_request() {
    const int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
  }

  void end_request() { --in_flight; }

  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  FakeHttpServer::Handler handler;
  std::vector<RecordedRequest> requests;
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::atomic<std::size_t> connections{0};
};

RecordedRequest record(const http::request<http::string_body>& msg, std::size_t connection) {
  RecordedRequest r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  for (const auto& field : msg) r.headers.emplace_back(lower(field.name_string()), field.value());
  r.body = msg.body();
  r.connection = connection;
  return r;
}

// One accepted connection: read a request, reply as scripted, repeat while keep-alive.
class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, server_state& state, std::size_t id)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), state_(state), id_(id) {}
  ~session() { end_request(); }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(16 * 1024 * 1024);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (!ec) self->on_read();
                     });
  }

 private:
  void on_read() {
    const auto msg = parser_->release();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    in_request_ = true;
    state_.begin_request();
    reply_ = state_.handle(record(msg, id_));
    if (reply_.reset) return reset_connection();
    if (reply_.hang) return do_drain();
    if (reply_.half_close) {
      error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      return do_drain();
    }
    if (reply_.delay.count() <= 0) return do_write();
    timer_.expires_after(reply_.delay);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->do_write();
    });
  }

  void do_write() {
    res_ = {};
    res_.version(version_);
    // Beast throws on a status outside 100..999, and a throw would end the server thread.
    const bool valid = reply_.status >= 100 && reply_.status <= 999;
    res_.result(valid ? static_cast<unsigned>(reply_.status) : 500U);
    for (const auto& [name, value] : reply_.headers) res_.insert(name, value);
    res_.body() = reply_.body;
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    if (reply_.trickle.count() > 0) return start_trickle();
    http::async_write(socket_, res_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  // The response as bytes, written a piece at a time on the timer.
  void start_trickle() {
    std::ostringstream text;
    text << res_;
    trickle_ = text.str();
    trickle_at_ = 0;
    do_trickle();
  }

  void do_trickle() {
    const std::size_t n =
        std::min(std::max<std::size_t>(reply_.trickle_bytes, 1), trickle_.size() - trickle_at_);
    asio::async_write(socket_, asio::buffer(trickle_.data() + trickle_at_, n),
                      [self = shared_from_this()](error_code ec, std::size_t written) {
                        if (ec) return self->on_write(ec);
                        self->trickle_at_ += written;
                        if (self->trickle_at_ >= self->trickle_.size()) return self->on_write(ec);
                        self->timer_.expires_after(self->reply_.trickle);
                        self->timer_.async_wait([self](error_code e) {
                          if (!e) self->do_trickle();
                        });
                      });
  }

  void on_write(error_code ec) {
    end_request();
    if (ec) return;
    if (keep_alive_) return do_read();
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }

  // A hanging request: keep reading (and discarding) only to notice when the client gives up.
  void do_drain() {
    socket_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (!ec) self->do_drain();
                            });
  }

  void reset_connection() {
    error_code ignored;
    socket_.set_option(tcp::socket::linger(true, 0), ignored);
    socket_.close(ignored);
    end_request();
  }

  void end_request() {
    if (!in_request_) return;
    in_request_ = false;
    state_.end_request();
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  server_state& state_;
  const std::size_t id_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  FakeReply reply_;
  std::string trickle_;  // a trickled response's bytes, and how many of them are written
  std::size_t trickle_at_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool in_request_ = false;
  char drain_[1024];
};

}  // namespace

std::string RecordedRequest::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [k, v] : headers)
    if (k == wanted) return v;
  return "";
}

struct FakeHttpServer::Impl {
  Impl(Handler handler, bool ipv6) : state(std::move(handler)), ipv6(ipv6) {
    const auto address = ipv6 ? asio::ip::address(asio::ip::address_v6::loopback())
                              : asio::ip::address(asio::ip::address_v4::loopback());
    const tcp::endpoint endpoint(address, 0);
    error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec && ipv6) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("FakeHttpServer: cannot listen on " + address.to_string() + ": " +
                               ec.message());
    port = acceptor.local_endpoint().port();
    do_accept();
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    ioc.stop();
    thread.join();
    // Members go in reverse order: the acceptor, then the io_context, whose destruction frees
    // the sessions (closing their sockets); they touch `state`, which outlives them.
  }

  void do_accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) return retry_accept();  // e.g. EMFILE: do not spin
      const std::size_t id = ++state.connections;
      std::make_shared<session>(std::move(socket), state, id)->do_read();
      do_accept();
    });
  }

  void retry_accept() {
    retry_timer.expires_after(std::chrono::milliseconds(10));
    retry_timer.async_wait([this](error_code ec) {
      if (!ec) do_accept();
    });
  }

  server_state state;
  const bool ipv6;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry_timer{ioc};
  unsigned short port = 0;
  std::thread thread;
};

FakeHttpServer::FakeHttpServer(Handler handler, bool ipv6)
    : impl_(std::make_unique<Impl>(std::move(handler), ipv6)) {}

FakeHttpServer::~FakeHttpServer() = default;

unsigned short FakeHttpServer::port() const {
  return impl_->port;
}

std::string FakeHttpServer::base_url() const {
  const std::string host = impl_->ipv6 ? "[::1]" : "127.0.0.1";
  return "http://" + host + ":" + std::to_string(impl_->port);
}

void FakeHttpServer::set_handler(Handler handler) {
  std::lock_guard lock(impl_->state.mutex);
  impl_->state.handler = std::move(handler);
}

std::vector<RecordedRequest> FakeHttpServer::requests() const {
  std::lock_guard lock(impl_->state.mutex);
  return impl_->state.requests;
}

std::size_t FakeHttpServer::request_count() const {
  std::lock_guard lock(impl_->state.mutex);
  return impl_->state.requests.size();
}

bool FakeHttpServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->state.mutex);
  return impl_->state.arrived.wait_for(lock, timeout,
                                       [&] { return impl_->state.requests.size() >= n; });
}

int FakeHttpServer::max_concurrent() const {
  return impl_->state.max_in_flight.load();
}

std::size_t FakeHttpServer::connection_count() const {
  return impl_->state.connections.load();
}

}  // namespace otpgate::test
