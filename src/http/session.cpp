// One HTTP/1.1 connection: read a request under a deadline, hand it to the thread's Handler,
// write the answer, repeat while keep-alive allows. The only Beast translation unit.
#include "access.hpp"
#include "otpgate/util/log.hpp"
#include "worker.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>

namespace otpgate::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using beast_request = bhttp::request<bhttp::string_body>;
using beast_response = bhttp::response<bhttp::string_body>;

// After an error answer we stop reading requests but keep draining input for a moment: closing
// with unread bytes makes the kernel send RST, and the client would lose our 413/431/400.
constexpr std::chrono::milliseconds max_linger{2'000};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Handler headers are trusted code, but a CR/LF slipping into one would split the response, and
// framing headers are ours (a second Content-Length would desynchronise the client).
bool is_allowed_extra_header(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) return false;
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) return false;
  const std::string n = lower(name);
  return n != "content-length" && n != "transfer-encoding" && n != "connection" &&
         n != "x-correlator" && n != "date";
}

// RFC 9110 15.2, 15.3.5, 15.4.5: 1xx, 204 and 304 carry no content.
bool status_has_body(unsigned status) {
  return status >= 200 && status != 204 && status != 304;
}

Request to_request(beast_request&& m, std::string_view remote) {
  Request r;
  r.method = std::string(m.method_string());
  r.target = std::string(m.target());
  r.path = r.target.substr(0, r.target.find('?'));
  r.headers.reserve(std::distance(m.begin(), m.end()));
  for (const auto& f : m) r.headers.emplace_back(lower(f.name_string()), std::string(f.value()));
  r.body = std::move(m.body());
  r.remote_address = std::string(remote);
  r.correlator = correlator_for(r.header("x-correlator"));
  return r;
}

Response error_response(unsigned status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.body = error_body(status, code, message);
  return r;
}

beast_response to_beast(Response&& r, unsigned version, bool keep_alive,
                        std::string_view correlator) {
  if (r.status < 200 || r.status > 599) {
    log::write(log::level::error, "handler returned an invalid status",
               {{"status", r.status}, {"correlator", correlator}});
    r = error_response(500, "INTERNAL", "internal error");
  }
  beast_response res;
  res.version(version);
  res.result(r.status);
  res.set(bhttp::field::date, http_date_now());
  res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) {
    if (is_allowed_extra_header(name, value))
      res.insert(name, value);
    else
      log::write(log::level::warn, "dropped a response header", {{"header", lower(name)}});
  }
  res.set("x-correlator", correlator);
  res.keep_alive(keep_alive);
  if (status_has_body(r.status)) res.body() = std::move(r.body);
  res.prepare_payload();  // Content-Length (none for 204/304, as RFC 9110 8.6 requires)
  return res;
}

// Note on g++ 12: a co_await inside a short-circuit condition (`while (!stopping && co_await
// f())`) is miscompiled; it crashed a reduced example and here kept serving a connection after
// stop(). Every co_await in this file is therefore a plain statement or initializer.

// Completion token: errors land in ec instead of being thrown through the coroutine.
asio::redirect_error_t<asio::use_awaitable_t<>> redirect(beast::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// RFC 9110 9.3.2: a HEAD answer has GET's headers but no content. Sending the handler's body anyway
// would be read as the start of the next response on a keep-alive connection.
void drop_body_keep_length(beast_response& res) {
  const auto length = res.body().size();
  res.body().clear();
  if (status_has_body(res.result_int())) res.content_length(length);
}

bool is_disconnect(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
         ec == asio::error::broken_pipe;
}

class session final : public connection_control {
 public:
  session(tcp::socket socket, worker& w) : w_(w), stream_(std::move(socket)) {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
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
    // Plain statements, not `while (!stopping && co_await ...)`: see the note on g++ 12 above.
    for (;;) {
      if (w_.stopping) break;
      const bool request_arrived = co_await wait_for_request();
      if (!request_arrived) break;
      busy_ = true;
      const bool keep = co_await serve_request();
      busy_ = false;
      if (!keep) break;
    }
    close_now();
  }

  void close_if_idle() override {
    if (!busy_) close_now();
  }

  void close_now() override {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  // Idle phase: wait up to idle_timeout for the first byte of the next request.
  asio::awaitable<bool> wait_for_request() {
    if (buffer_.size() > 0) co_return true;  // pipelined bytes already here
    stream_.expires_after(w_.config.idle_timeout);
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
    stream_.expires_after(w_.config.read_timeout);
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
    Request req = to_request(parser.release(), remote_);
    Response res = co_await call_handler(req);
    // Checked after the handler: a stop() during it must still close this connection.
    const bool keep = client_keep_alive && !w_.stopping;
    // The raw path never reaches the log: it may hold a phone number or an id. The handler
    // names the route template.
    const access_entry entry{req.method, res.log_route.empty() ? "{unrouted}" : res.log_route,
                             res.log_phone_masked};
    auto out = to_beast(std::move(res), version, keep, req.correlator);
    if (req.method == "HEAD") drop_body_keep_length(out);
    const bool sent = co_await send(out);
    log_access(entry, sent_status_, req.correlator, started);
    co_return sent&& keep;
  }

  struct access_entry {
    std::string method, route, phone;
  };

  static bool wants_continue(const beast_request& m) {
    return m.version() >= 11 && beast::iequals(m[bhttp::field::expect], "100-continue");
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
    stream_.expires_after(w_.config.read_timeout);  // a client that never reads is dropped too
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
    Response res;
    if (ec == bhttp::error::body_limit)
      res =
          error_response(413, "PAYLOAD_TOO_LARGE",
                         "request body exceeds " + std::to_string(w_.config.body_limit) + " bytes");
    else if (ec == bhttp::error::header_limit)
      res = error_response(
          431, "HEADERS_TOO_LARGE",
          "request headers exceed " + std::to_string(w_.config.header_limit) + " bytes");
    else
      res = error_response(400, "INVALID_REQUEST", "malformed HTTP request");
    // Fields parsed before the error are usable; the rest of the message is not.
    const auto client = partial.find("x-correlator");
    const std::string correlator = correlator_for(
        client == partial.end() ? std::nullopt : std::optional<std::string_view>(client->value()));
    // Not the target: a request cut off by a limit never reached the router, which alone
    // knows which part of a path is a phone number or an id.
    const access_entry entry{std::string(partial.method_string()), "{unread}", {}};
    auto out = to_beast(std::move(res), 11, false, correlator);
    const bool sent = co_await send(out);
    if (sent) co_await linger();
    log_access(entry, sent_status_, correlator, started);
  }

  // Half-close and discard input until the client closes or the deadline passes.
  asio::awaitable<void> linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::min<clock::duration>(w_.config.read_timeout, max_linger));
    char sink[16 * 1024];
    while (!ec) co_await stream_.async_read_some(asio::buffer(sink), redirect(ec));
  }

  void log_access(const access_entry& e, unsigned status, std::string_view correlator,
                  clock::time_point started) const {
    const std::chrono::duration<double, std::milli> took = clock::now() - started;
    write_access_log({e.method, e.route, status, took.count(), correlator, e.phone, remote_});
  }

  worker& w_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_;
  unsigned sent_status_ = 0;
  bool busy_ = false;  // a request's first byte arrived and its answer is not yet written
};

}  // namespace

asio::awaitable<void> serve_connection(tcp::socket socket, worker& w) {
  try {
    session s(std::move(socket), w);
    co_await s.run();
  } catch (const std::exception& e) {
    log::write(log::level::error, "http session failed", {{"error", e.what()}});
  } catch (...) {
    log::write(log::level::error, "http session failed");
  }
}

}  // namespace otpgate::http::detail
