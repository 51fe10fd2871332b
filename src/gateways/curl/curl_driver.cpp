// curl_driver: the multi handle, its sockets and its timer on Asio.
//
// Socket ownership is explicit. Connection sockets are opened and closed here (OPENSOCKET and
// CLOSESOCKET hooks). libcurl's own descriptors (the threaded resolver's socketpair) stay
// libcurl's: we watch a duplicate of each, which we close when curl stops watching it, so curl
// closing its fd early can never leave us polling a recycled number. Each watched descriptor
// lives in a shared socket_state that every async_wait holds, so a wait completing after the
// socket was closed finds `dead` set instead of freed memory.
#include "curl_driver.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>

namespace otpgate::gateways::detail {

using boost::asio::posix::stream_descriptor;

struct curl_driver::socket_state {
  socket_state(boost::asio::io_context& ioc, curl_socket_t fd, bool owned)
      : descriptor(ioc), fd(fd), owned(owned) {}

  // Marks the state dead and closes what we hold (our socket, or our duplicate of curl's fd);
  // pending waits complete with operation_aborted.
  void retire() {
    dead = true;
    want_read = want_write = false;
    boost::system::error_code ignored;
    descriptor.close(ignored);
  }

  stream_descriptor descriptor;  // the socket itself, or a duplicate of libcurl's fd
  const curl_socket_t fd;        // the number libcurl knows it by
  const bool owned;              // opened by open_socket: curl closes it through close_socket
  bool dead = false;             // late completions must do nothing
  bool want_read = false;
  bool want_write = false;
  bool reading = false;  // an async_wait of that direction is in flight
  bool writing = false;
};

namespace {

// curl_global_init is not thread-safe and must precede every other libcurl call; io threads
// construct their multis concurrently.
void init_curl_once() {
  static std::once_flag once;
  static CURLcode status = CURLE_OK;
  std::call_once(once, [] { status = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (status != CURLE_OK) throw std::runtime_error("libcurl: curl_global_init failed");
}

// Whether two descriptors refer to the same open file (a stale number was not reused).
bool same_file(int a, int b) {
  struct stat x {};
  struct stat y {};
  return ::fstat(a, &x) == 0 && ::fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

}  // namespace

curl_driver::curl_driver(boost::asio::io_context& ioc, PoolLimits limits)
    : ioc_(ioc), limits_(limits), idle_timer_(ioc), timer_(ioc) {
  init_curl_once();
  open_multi();
}

void curl_driver::open_multi() {
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw std::runtime_error("libcurl: curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &curl_driver::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &curl_driver::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // Beyond it libcurl queues the transfer (its timeout does not run while it waits there: the
  // perform() coroutine keeps that deadline itself).
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, limits_.max_host_connections);
}

void curl_driver::arm_idle_timer() {
  const std::uint64_t generation = ++idle_generation_;
  idle_timer_.expires_after(limits_.idle_timeout);
  idle_timer_.async_wait([w = weak_from_this(), generation](const boost::system::error_code& ec) {
    auto self = w.lock();
    if (ec || !self || generation != self->idle_generation_) return;
    self->close_idle_connections();
  });
}

void curl_driver::close_idle_connections() {
  if (multi_ == nullptr || !transfers_.empty()) return;
  // Closes every cached connection through close_socket; nothing is in flight.
  curl_multi_cleanup(multi_);
  multi_ = nullptr;
  ++timer_generation_;
  timer_.cancel();
  close_all_sockets();
  open_multi();
}

curl_driver::~curl_driver() {
  shutdown();
}

bool curl_driver::add(transfer& t) {
  if (multi_ == nullptr || t.easy_ == nullptr) return false;
  CURL* easy = t.easy_;
  ++idle_generation_;  // busy again: the idle timer's expiry does nothing
  // In whole seconds, at least one: a cached connection idle longer is closed, not reused.
  const auto max_age = std::chrono::ceil<std::chrono::seconds>(limits_.idle_timeout);
  curl_easy_setopt(easy, CURLOPT_MAXAGE_CONN,
                   std::max<long>(1, static_cast<long>(max_age.count())));
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &curl_driver::open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &curl_driver::close_socket);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
  transfers_.insert(&t);
  t.registered_ = true;
  // Calls on_timer(0): the transfer starts from the loop, not from here.
  if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
    forget(t);
    return false;
  }
  t.in_multi_ = true;
  return true;
}

void curl_driver::forget(transfer& t) {
  if (t.in_multi_ && multi_ != nullptr) curl_multi_remove_handle(multi_, t.easy_);
  t.in_multi_ = false;
  t.registered_ = false;
  transfers_.erase(&t);
  if (transfers_.empty() && multi_ != nullptr) arm_idle_timer();
}

void curl_driver::shutdown() {
  if (multi_ == nullptr) return;
  auto victims = std::exchange(transfers_, {});
  for (transfer* t : victims) {
    if (t->in_multi_) curl_multi_remove_handle(multi_, t->easy_);
    t->in_multi_ = false;
    t->registered_ = false;
    t->abandon();
  }
  // Closes the cached connections through close_socket while the driver is still whole;
  // what remains (resolver mirrors) is closed below.
  curl_multi_cleanup(multi_);
  multi_ = nullptr;
  ++timer_generation_;
  timer_.cancel();
  ++idle_generation_;
  idle_timer_.cancel();
  close_all_sockets();
}

void curl_driver::close_all_sockets() {
  auto sockets = std::exchange(sockets_, {});
  for (auto& [fd, s] : sockets) s->retire();
}

void curl_driver::act(curl_socket_t fd, int events) {
  if (multi_ == nullptr) return;
  int running = 0;
  // Errors here are misuse (bad handle, recursive call), which the design rules out; a
  // transfer's own failure arrives as its CURLMSG_DONE result.
  curl_multi_socket_action(multi_, fd, events, &running);
  collect_done();
}

void curl_driver::collect_done() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // msg is invalid once the handle is removed: copy what we need first.
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    char* priv = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    auto* t = reinterpret_cast<transfer*>(priv);
    curl_multi_remove_handle(multi_, easy);
    if (t == nullptr || transfers_.count(t) == 0) continue;
    t->in_multi_ = false;
    t->finish(code);  // only cancels its timer: the coroutine resumes from the loop
  }
}

// --- Timer -----------------------------------------------------------------------------------

int curl_driver::on_timer(CURLM*, long timeout_ms, void* self) {
  static_cast<curl_driver*>(self)->set_timer(timeout_ms);
  return 0;
}

// -1 deletes the timer; 0 means "as soon as possible", which still goes through the loop
// (libcurl must not be re-entered from this callback).
void curl_driver::set_timer(long timeout_ms) {
  ++timer_generation_;
  if (timeout_ms < 0) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  timer_.async_wait(
      [w = weak_from_this(), generation = timer_generation_](const boost::system::error_code& ec) {
        auto self = w.lock();
        if (ec || !self || generation != self->timer_generation_) return;
        self->act(CURL_SOCKET_TIMEOUT, 0);
      });
}

// --- Sockets ---------------------------------------------------------------------------------

int curl_driver::on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
  try {
    static_cast<curl_driver*>(self)->watch(fd, what);
    return 0;
  } catch (...) {  // never unwind through libcurl's C frames
    return -1;
  }
}

void curl_driver::watch(curl_socket_t fd, int what) {
  auto it = sockets_.find(fd);
  // A mirror whose number curl closed and reused without telling us: start over.
  if (it != sockets_.end() && !it->second->owned &&
      !same_file(fd, it->second->descriptor.native_handle())) {
    it->second->retire();
    sockets_.erase(it);
    it = sockets_.end();
  }
  if (what == CURL_POLL_REMOVE) {
    if (it == sockets_.end()) return;
    // An owned socket stays until close_socket (it may idle in the connection cache); a
    // mirror goes now, as curl may close its fd at any time.
    if (it->second->owned) {
      it->second->want_read = it->second->want_write = false;
    } else {
      it->second->retire();
      sockets_.erase(it);
    }
    return;
  }
  if (it == sockets_.end()) it = sockets_.emplace(fd, mirror(fd)).first;
  const socket_ptr s = it->second;
  s->want_read = (what & CURL_POLL_IN) != 0;
  s->want_write = (what & CURL_POLL_OUT) != 0;
  arm(s);
}

curl_driver::socket_ptr curl_driver::mirror(curl_socket_t fd) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw boost::system::system_error(errno, boost::system::system_category());
  auto s = std::make_shared<socket_state>(ioc_, fd, false);
  boost::system::error_code ec;
  s->descriptor.assign(copy, ec);
  if (ec) {
    ::close(copy);
    throw boost::system::system_error(ec);
  }
  return s;
}

curl_socket_t curl_driver::open_socket(void* self, curlsocktype purpose, curl_sockaddr* address) {
  if (purpose != CURLSOCKTYPE_IPCXN || address == nullptr) return CURL_SOCKET_BAD;
  try {
    return static_cast<curl_driver*>(self)->open_owned(*address);
  } catch (...) {
    return CURL_SOCKET_BAD;
  }
}

curl_socket_t curl_driver::open_owned(const curl_sockaddr& address) {
  // The family comes from the resolved address, so IPv4 and IPv6 both work.
  const int fd = ::socket(address.family, address.socktype | SOCK_CLOEXEC, address.protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  // The kernel handed out this number, so an entry still under it is a stale mirror (curl
  // closed its fd without telling us).
  if (auto it = sockets_.find(fd); it != sockets_.end()) {
    it->second->retire();
    sockets_.erase(it);
  }
  auto s = std::make_shared<socket_state>(ioc_, fd, true);
  boost::system::error_code ec;
  s->descriptor.assign(fd, ec);
  if (ec) {
    ::close(fd);
    return CURL_SOCKET_BAD;
  }
  sockets_.emplace(fd, std::move(s));
  return fd;
}

int curl_driver::close_socket(void* self, curl_socket_t fd) {
  return static_cast<curl_driver*>(self)->close_owned(fd);
}

int curl_driver::close_owned(curl_socket_t fd) {
  auto it = sockets_.find(fd);
  if (it != sockets_.end()) {
    const socket_ptr s = it->second;
    sockets_.erase(it);
    s->retire();  // closes our socket (or a stale mirror); pending waits see `dead`
    if (s->owned) return 0;
  }
  return ::close(fd);
}

// A direction curl no longer wants keeps its wait in flight; on_ready ignores it. Cancelling
// would abort the other direction too (cancel() is per descriptor).
void curl_driver::arm(const socket_ptr& s) {
  if (s->dead) return;
  if (s->want_read && !s->reading) wait(s, stream_descriptor::wait_read);
  if (s->want_write && !s->writing) wait(s, stream_descriptor::wait_write);
}

void curl_driver::wait(const socket_ptr& s, stream_descriptor::wait_type type) {
  const bool read = type == stream_descriptor::wait_read;
  (read ? s->reading : s->writing) = true;
  s->descriptor.async_wait(type,
                           [w = weak_from_this(), s, read](const boost::system::error_code& ec) {
                             (read ? s->reading : s->writing) = false;
                             if (s->dead || ec == boost::asio::error::operation_aborted) return;
                             if (auto self = w.lock()) self->on_ready(s, read, ec);
                           });
}

void curl_driver::on_ready(const socket_ptr& s, bool read, const boost::system::error_code& ec) {
  if (read ? !s->want_read : !s->want_write) return;
  int events = read ? CURL_CSELECT_IN : CURL_CSELECT_OUT;
  if (ec) events |= CURL_CSELECT_ERR;
  act(s->fd, events);
  // curl may have closed the socket (dead) or changed what it wants inside act().
  arm(s);
}

}  // namespace otpgate::gateways::detail
