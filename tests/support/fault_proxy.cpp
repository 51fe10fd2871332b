// FaultProxy: Asio on a private io_context and thread, callback-style like FakeHttpServer (no
// coroutines in a helper every tier links). Each connection is a tunnel with two pumps (up:
// client -> server, down: server -> client) that read a chunk, pass the gate, then write it;
// the pump's own pending handlers keep the tunnel alive. The gate is one timer that never
// expires: a held pump waits on it, and a mode change cancels it, waking every held pump to
// look again.
#include "support/fault_proxy.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace otpgate::test {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

enum dir : std::size_t { up = 0, down = 1 };

// What a tunnel does with the chunks it reads.
struct mode {
  bool hold[2] = {false, false};
  std::chrono::milliseconds delay{0};
};

// What the tunnels share with the control calls. Touched only on the proxy thread, but for
// the counters, which the test thread reads.
struct proxy_state {
  explicit proxy_state(asio::io_context& ioc) : gate(ioc, asio::steady_timer::time_point::max()) {}

  mode for_new;  // what a new tunnel starts with
  bool refusing = false;
  asio::steady_timer gate;
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> refused{0};
  std::array<std::atomic<std::uint64_t>, 2> bytes{};
};

void close_socket(tcp::socket& s, bool rst) {
  error_code ignored;
  if (rst) s.set_option(tcp::socket::linger(true, 0), ignored);
  s.close(ignored);
}

class tunnel : public std::enable_shared_from_this<tunnel> {
 public:
  tunnel(tcp::socket client, proxy_state& state)
      : mode_(state.for_new),
        client_(std::move(client)),
        server_(client_.get_executor()),
        timers_{asio::steady_timer(client_.get_executor()),
                asio::steady_timer(client_.get_executor())},
        state_(state) {}

  void start(unsigned short target) {
    const tcp::endpoint to(asio::ip::address_v4::loopback(), target);
    server_.async_connect(to, [self = shared_from_this()](error_code ec) {
      if (ec) return self->close(true);  // the target is down: the client sees a reset
      self->do_read(up);
      self->do_read(down);
    });
  }

  // Idempotent; the pumps' handlers find the sockets closed and stop.
  void close(bool rst) {
    if (closed_) return;
    closed_ = true;
    close_socket(client_, rst);
    close_socket(server_, rst);
    for (auto& t : timers_) t.cancel();
    --state_.open;
  }

  // The caller wakes the held pumps (proxy_state::gate).
  void set_mode(const mode& m) { mode_ = m; }

 private:
  tcp::socket& from(dir d) { return d == up ? client_ : server_; }
  tcp::socket& to(dir d) { return d == up ? server_ : client_; }

  void do_read(dir d) {
    from(d).async_read_some(asio::buffer(buffers_[d]),
                            [self = shared_from_this(), d](error_code ec, std::size_t n) {
                              if (ec) return self->close(false);  // EOF or error: end both
                              self->lengths_[d] = n;
                              self->do_gate(d);
                            });
  }

  void do_gate(dir d) {
    if (closed_) return;
    if (mode_.hold[d]) {
      state_.gate.async_wait([self = shared_from_this(), d](error_code) { self->do_gate(d); });
      return;
    }
    if (mode_.delay.count() <= 0) return do_write(d);
    timers_[d].expires_after(mode_.delay);
    timers_[d].async_wait([self = shared_from_this(), d](error_code ec) {
      if (!ec) self->do_write(d);
    });
  }

  void do_write(dir d) {
    if (closed_) return;
    asio::async_write(to(d), asio::buffer(buffers_[d].data(), lengths_[d]),
                      [self = shared_from_this(), d](error_code ec, std::size_t n) {
                        if (ec) return self->close(false);
                        self->state_.bytes[d] += n;
                        self->do_read(d);
                      });
  }

  mode mode_;
  tcp::socket client_;
  tcp::socket server_;
  std::array<asio::steady_timer, 2> timers_;
  proxy_state& state_;
  std::array<std::array<char, 16384>, 2> buffers_;
  std::array<std::size_t, 2> lengths_{};
  bool closed_ = false;
};

}  // namespace

struct FaultProxy::Impl {
  explicit Impl(unsigned short target_port) : target(target_port) {
    const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
    error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("FaultProxy: cannot listen: " + ec.message());
    port = acceptor.local_endpoint().port();
    do_accept();
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    ioc.stop();
    thread.join();
  }

  void do_accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) on_accept(std::move(socket));
      do_accept();
    });
  }

  void on_accept(tcp::socket socket) {
    if (state.refusing) {
      ++state.refused;
      return close_socket(socket, true);
    }
    ++state.accepted;
    ++state.open;
    auto t = std::make_shared<tunnel>(std::move(socket), state);
    std::erase_if(tunnels, [](const std::weak_ptr<tunnel>& w) { return w.expired(); });
    tunnels.push_back(t);
    t->start(target);
  }

  // Runs fn on the proxy thread and waits for it: the change is in force when this returns.
  template <class Fn>
  void apply(Fn fn) {
    std::promise<void> done;
    asio::post(ioc, [&] {
      fn();
      state.gate.cancel();  // held pumps look at the gate again
      done.set_value();
    });
    done.get_future().wait();
  }

  void set_mode(const mode& m, FaultProxy::Scope scope) {
    apply([&] {
      if (scope == FaultProxy::Scope::all) state.for_new = m;
      for (auto& w : tunnels)
        if (auto t = w.lock()) t->set_mode(m);
    });
  }

  void cut_all() {
    for (auto& w : tunnels)
      if (auto t = w.lock()) t->close(true);
    tunnels.clear();
  }

  // The thread is joined before any member goes; the io_context goes last and frees the
  // tunnels' handlers without running them (a tunnel's destructor does not touch `state`).
  const unsigned short target;
  asio::io_context ioc;
  proxy_state state{ioc};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{ioc};
  std::vector<std::weak_ptr<tunnel>> tunnels;
  unsigned short port = 0;
  std::thread thread;
};

FaultProxy::FaultProxy(unsigned short target_port) : impl_(std::make_unique<Impl>(target_port)) {}

FaultProxy::~FaultProxy() = default;

unsigned short FaultProxy::port() const {
  return impl_->port;
}

void FaultProxy::pass(Scope scope) {
  impl_->set_mode({}, scope);
}

void FaultProxy::stall(Scope scope) {
  impl_->set_mode({{true, true}, {}}, scope);
}

void FaultProxy::hold_replies(Scope scope) {
  impl_->set_mode({{false, true}, {}}, scope);
}

void FaultProxy::slow(std::chrono::milliseconds delay, Scope scope) {
  impl_->set_mode({{false, false}, delay}, scope);
}

void FaultProxy::cut() {
  impl_->apply([this] { impl_->cut_all(); });
}

void FaultProxy::refuse(bool on) {
  impl_->apply([this, on] { impl_->state.refusing = on; });
}

FaultProxy::Counters FaultProxy::counters() const {
  Counters c;
  c.accepted = impl_->state.accepted.load();
  c.open = impl_->state.open.load();
  c.refused = impl_->state.refused.load();
  c.bytes_up = impl_->state.bytes[up].load();
  c.bytes_down = impl_->state.bytes[down].load();
  return c;
}

}  // namespace otpgate::test
