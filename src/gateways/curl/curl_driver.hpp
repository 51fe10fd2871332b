// The engine behind CurlMulti: one libcurl multi handle driven by an io_context (socket and timer
// callbacks, curl_multi_socket_action), and the per-exchange easy handle that lives in the
// perform() coroutine's frame. Single-threaded: everything runs on the io_context's thread.
//
// libcurl forbids calling it back from its own callbacks, so the socket and timer callbacks only
// record what curl wants and arm Asio waits; curl_multi_socket_action, add and remove run from
// Asio handlers or from the coroutine, never from inside libcurl.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/gateways/curl_multi.hpp"
#include "otpgate/gateways/http.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace otpgate::gateways::detail {

class curl_driver;

// One exchange: the easy handle, its header list and the response being collected. Lives in
// the perform() coroutine's frame, which waits on wake_ (expiring never) until the driver
// cancels it on CURLMSG_DONE.
class transfer {
 public:
  transfer(boost::asio::io_context& ioc, std::weak_ptr<curl_driver> driver);
  // Removes the easy handle from the multi if both are still alive (the frame was destroyed
  // mid-flight), then frees it.
  ~transfer();
  transfer(const transfer&) = delete;
  transfer& operator=(const transfer&) = delete;

  // Creates and configures the easy handle; false when libcurl refuses.
  bool prepare(const HttpRequest& request, const HttpTimeouts& timeouts);
  // True once the exchange finished and the multi is still there to report it.
  bool ready() const { return done_ && !abandoned_; }
  // True once the multi went away under it: it will never be ready.
  bool abandoned() const { return abandoned_; }
  boost::asio::steady_timer& wake() { return wake_; }
  // The outcome of a ready() transfer; unregisters it from the driver.
  result<HttpResponse> take_result();

 private:
  friend class curl_driver;

  // Called by curl_driver from the io loop.
  void finish(CURLcode code);
  // The multi is going away: the easy handle is already removed; free it. wake_ is left
  // waiting, so the coroutine is never resumed and its frame dies with the io_context.
  void abandon();

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user);
  bool build_headers();
  bool set_options(const HttpTimeouts& timeouts);
  bool set_method();
  void add_header_line(std::string_view line);

  std::weak_ptr<curl_driver> driver_;
  boost::asio::steady_timer wake_;
  HttpRequest request_;  // the easy handle points into its url and body
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  HttpResponse response_;
  CURLcode code_ = CURLE_OK;
  bool body_too_large_ = false;
  bool registered_ = false;  // known to the driver
  bool in_multi_ = false;    // added to the multi handle
  bool done_ = false;
  bool abandoned_ = false;
};

class curl_driver : public std::enable_shared_from_this<curl_driver> {
 public:
  // Throws std::runtime_error when libcurl cannot be initialised (start-up error).
  curl_driver(boost::asio::io_context& ioc, PoolLimits limits);
  ~curl_driver();
  curl_driver(const curl_driver&) = delete;
  curl_driver& operator=(const curl_driver&) = delete;

  // Installs the socket hooks on t's easy handle and adds it to the multi; false on failure.
  bool add(transfer& t);
  // Takes t out of the multi (if still in it) and out of the registry. The last one out arms
  // the idle timer.
  void forget(transfer& t);
  // Removes and frees every easy handle, abandons their transfers, closes every socket.
  // Idempotent; the driver does nothing afterwards.
  void shutdown();
  std::size_t active() const { return transfers_.size(); }

 private:
  struct socket_state;
  using socket_ptr = std::shared_ptr<socket_state>;

  // libcurl callbacks. They never call libcurl.
  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  static curl_socket_t open_socket(void* self, curlsocktype purpose, curl_sockaddr* address);
  static int close_socket(void* self, curl_socket_t fd);

  void watch(curl_socket_t fd, int what);
  // Watches a duplicate of one of libcurl's own descriptors.
  socket_ptr mirror(curl_socket_t fd);
  curl_socket_t open_owned(const curl_sockaddr& address);
  int close_owned(curl_socket_t fd);
  void arm(const socket_ptr& s);
  void wait(const socket_ptr& s, boost::asio::posix::stream_descriptor::wait_type type);
  void on_ready(const socket_ptr& s, bool read, const boost::system::error_code& ec);
  void set_timer(long timeout_ms);
  void close_all_sockets();
  // A multi handle with our callbacks and pool limits; throws std::runtime_error on failure.
  void open_multi();
  // libcurl prunes idle connections only when a transfer starts, so a quiet multi would keep
  // them for ever: idle_timeout after the last transfer, a new multi replaces it (closing them).
  void arm_idle_timer();
  void close_idle_connections();

  // Drives libcurl (from Asio handlers only) and reports finished transfers.
  void act(curl_socket_t fd, int events);
  void collect_done();

  boost::asio::io_context& ioc_;
  const PoolLimits limits_;
  CURLM* multi_ = nullptr;
  boost::asio::steady_timer idle_timer_;
  std::uint64_t idle_generation_ = 0;  // a stale idle expiry does nothing
  boost::asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;  // a stale expiry (re-armed or deleted) does nothing
  std::unordered_map<curl_socket_t, socket_ptr> sockets_;
  std::unordered_set<transfer*> transfers_;
};

// The one place libcurl's result codes become otpgate errors.
errc map_curl_code(CURLcode code);

}  // namespace otpgate::gateways::detail
