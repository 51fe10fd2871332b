// Private to src/http, and only for the two Beast translation units (session.cpp: plain TCP,
// tls_session.cpp: TLS): one HTTP/1.1 connection over either stream. Read a request under a
// deadline, hand it to the thread's Handler, write the answer, repeat while keep-alive allows.
#pragma once

#include "access.hpp"
#include "otpgate/util/log.hpp"
#include "worker.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

namespace otpgate::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using beast_request = bhttp::request<bhttp::string_body>;
using beast_response = bhttp::response<bhttp::string_body>;

// Message helpers (session.cpp): no stream involved.
Request to_request(beast_request&& m, std::string_view remote);
Response error_response(unsigned status, std::string_view code, std::string_view message);
// Every answer goes out through here, the handler's as well as the server's own, so here it gets
// the edge headers for the path it answers (http/edge_headers.hpp).
beast_response to_beast(Response&& r, std::string_view path, unsigned version, bool keep_alive,
                        std::string_view correlator);
// RFC 9110 9.3.2: a HEAD answer has GET's headers but no content.
void drop_body_keep_length(beast_response& res);
bool is_disconnect(const beast::error_code& ec);
bool wants_continue(const beast_request& m);
// The 413, 431 or 400 answer to a request Beast could not read (ec is not a timeout or a
// disconnect), and the correlator to use for it.
Response read_error_response(const beast::error_code& ec, const ServerConfig& config);
std::string correlator_of_partial(const beast_request& partial);
// The path of a request Beast could not read, as far as it can be told: the parsed target, else
// the second word of the raw request line still in `unread` (Beast consumes nothing of a request
// line it refuses, nor of a header block over the limit); "" when there is none. Only for the
// answer's edge headers: it never reaches the log.
std::string path_of_unread(const beast_request& partial, const beast::flat_buffer& unread);
// RFC 9112 3.2: an HTTP/1.1 request without a Host, or any request with more than one, MUST be
// answered 400. The answer, or nullopt for a request that is fine.
std::optional<Response> host_error(const beast_request& m);

struct access_entry {
  std::string method, route, phone;
};
// The access log line, written once the answer is out (or failed).
void log_access(const access_entry& e, unsigned status, std::string_view correlator,
                std::chrono::steady_clock::time_point started, std::string_view remote, bool tls);
// The request's metrics (otpgate_http_*), counted just before the answer is written: a client
// that has read its answer and then scrapes /metrics must find it counted. Like the log, they
// name the route template, never the raw path.
void count_request(const access_entry& e, unsigned status,
                   std::chrono::steady_clock::time_point started);

// After an error answer we stop reading requests but keep draining input for a moment: closing
// with unread bytes makes the kernel send RST, and the client would lose our 413/431/400.
inline constexpr std::chrono::milliseconds max_linger{2'000};

// Completion token: errors land in ec instead of being thrown through the coroutine.
inline asio::redirect_error_t<asio::use_awaitable_t<>> redirect(beast::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// Note on g++ 12: a co_await inside a short-circuit condition (`while (!stopping && co_await
// f())`) is miscompiled; it crashed a reduced example and here kept serving a connection after
// stop(). Every co_await in the session is therefore a plain statement or initializer.

// Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>. Deadlines, the socket
// and closing always act on the TCP layer underneath.
template <class Stream>
class session final : public connection_control {
 public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  // extra: the ssl context for a TLS stream.
  template <class... Extra>
  session(asio::ip::tcp::socket socket, worker& w, Extra&... extra)
      : w_(w), stream_(std::move(socket), extra...) {
    beast::error_code ec;
    const auto ep = tcp().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    w_.connections.insert(this);
  }
  ~session() {
    w_.connections.erase(this);
    w_.on_connection_closed();
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  asio::awaitable<void> run() {
    bool opened = false;
    // A connection accepted just before stop() reached this thread is not even opened.
    if (!w_.stopping) opened = co_await open();
    if (opened) co_await serve_requests();
    if (clean_end_) co_await close_gracefully();
    close_now();
  }

  // Idle: between requests, and (TLS) during the handshake.
  void close_if_idle() override {
    if (!busy_) close_now();
  }

  void close_now() override {
    beast::error_code ec;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    tcp().close();
  }

 private:
  using clock = std::chrono::steady_clock;

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  // Specialised per stream in session.cpp and tls_session.cpp. open(): true when the stream is
  // ready for HTTP (TLS: the handshake succeeded within read_timeout). close_gracefully(): runs
  // only after a clean end (our answer said close, or stop()); TLS sends close_notify.
  asio::awaitable<bool> open();
  asio::awaitable<void> close_gracefully();

  asio::awaitable<void> serve_requests() {
    // Plain statements, not `while (!stopping && co_await ...)`: see the note on g++ 12 above.
    for (;;) {
      if (w_.stopping) {
        clean_end_ = true;
        break;
      }
      const bool request_arrived = co_await wait_for_request();
      if (!request_arrived) break;
      busy_ = true;
      const bool keep = co_await serve_request();
      busy_ = false;
      if (!keep) break;
    }
  }

  // Idle phase: wait up to idle_timeout for the first byte of the next request.
  asio::awaitable<bool> wait_for_request() {
    if (buffer_.size() > 0) co_return true;  // pipelined bytes already here
    tcp().expires_after(w_.config.idle_timeout);
    beast::error_code ec;
    const std::size_t n = co_await stream_.async_read_some(buffer_.prepare(4096), redirect(ec));
    buffer_.commit(n);
    co_return !ec && n > 0;
  }

  // Reads, handles and answers one request; false when the connection must close.
  asio::awaitable<bool> serve_request() {
    const auto started = clock::now();
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(w_.config.header_limit, UINT32_MAX)));
    parser.body_limit(w_.config.body_limit);
    // One deadline for the whole request: a trickling client cannot extend it.
    tcp().expires_after(w_.config.read_timeout);
    beast::error_code ec;
    co_await bhttp::async_read_header(stream_, buffer_, parser, redirect(ec));
    if (!ec && wants_continue(parser.get())) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      co_await bhttp::async_write(stream_, cont, redirect(ec));
    }
    if (!ec && !parser.is_done())
      co_await bhttp::async_read(stream_, buffer_, parser, redirect(ec));
    if (ec) {
      co_await answer_read_error(ec, parser.get(), started);
      co_return false;
    }
    const unsigned version = parser.get().version();
    const bool client_keep_alive = parser.get().keep_alive();
    std::optional<Response> refused = host_error(parser.get());
    Request req = to_request(parser.release(), remote_);
    // Plain statements, not `refused ? ... : co_await ...`: see the note on g++ 12 above. The
    // message was read whole, so the connection stays usable after the 400.
    Response res;
    if (refused)
      res = std::move(*refused);
    else
      res = co_await call_handler(req);
    // Checked after the handler: a stop() during it must still close this connection.
    const bool keep = client_keep_alive && !w_.stopping;
    // The raw path never reaches the log: it may hold a phone number or an id. The handler
    // names the route template.
    const access_entry entry{req.method, res.log_route.empty() ? "{unrouted}" : res.log_route,
                             res.log_phone_masked};
    auto out = to_beast(std::move(res), req.path, version, keep, req.correlator);
    if (req.method == "HEAD") drop_body_keep_length(out);
    count_request(entry, out.result_int(), started);
    const bool sent = co_await send(out);
    log_access(entry, sent_status_, req.correlator, started, remote_, is_tls);
    if (sent && !keep) clean_end_ = true;
    co_return sent&& keep;
  }

  asio::awaitable<Response> call_handler(Request& req) {
    std::string what;
    try {
      co_return co_await w_.handler(req);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "non-standard exception";
    }
    // The text goes to our log only: it may name internals the client must not see.
    log::write(log::level::error, "handler threw",
               {{"error", what}, {"correlator", req.correlator}});
    co_return error_response(500, "INTERNAL", "internal error");
  }

  // By reference: a by-value class parameter is a temporary of the caller's co_await
  // expression, which g++ 12 may destroy twice (GCC PR 100611).
  asio::awaitable<bool> send(beast_response& res) {
    sent_status_ = res.result_int();
    tcp().expires_after(w_.config.read_timeout);  // a client that never reads is dropped too
    beast::error_code ec;
    co_await bhttp::async_write(stream_, res, redirect(ec));
    co_return !ec;
  }

  asio::awaitable<void> answer_read_error(beast::error_code ec, const beast_request& partial,
                                          clock::time_point started) {
    if (ec == beast::error::timeout) {
      // Beast closed the socket when the deadline fired, so no 408 can be sent.
      log::write(log::level::debug, "http request timed out", {{"remote", remote_}});
      co_return;
    }
    if (is_disconnect(ec)) co_return;
    Response res = read_error_response(ec, w_.config);
    // Fields parsed before the error are usable; the rest of the message is not.
    const std::string correlator = correlator_of_partial(partial);
    // Not the target: a request cut off by a limit never reached the router, which alone
    // knows which part of a path is a phone number or an id.
    const access_entry entry{std::string(partial.method_string()), "{unread}", {}};
    auto out = to_beast(std::move(res), path_of_unread(partial, buffer_), 11, false, correlator);
    if (partial.method() == bhttp::verb::head) drop_body_keep_length(out);
    count_request(entry, out.result_int(), started);
    const bool sent = co_await send(out);
    if (sent) co_await linger();
    log_access(entry, sent_status_, correlator, started, remote_, is_tls);
  }

  // Half-close and discard input until the client closes or the deadline passes. Raw TCP reads
  // even under TLS: the bytes are thrown away, so there is nothing to decrypt.
  asio::awaitable<void> linger() {
    beast::error_code ec;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    tcp().expires_after(std::min<clock::duration>(w_.config.read_timeout, max_linger));
    char sink[16 * 1024];
    while (!ec) co_await tcp().async_read_some(asio::buffer(sink), redirect(ec));
  }

  worker& w_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_;
  unsigned sent_status_ = 0;
  bool busy_ = false;       // a request's first byte arrived and its answer is not yet written
  bool clean_end_ = false;  // we chose to close (answer without keep-alive, or stop())
};

}  // namespace otpgate::http::detail
