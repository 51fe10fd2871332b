// The message helpers every session uses, and the plain-TCP session. With tls_session.cpp one of
// the two Beast translation units: keep everything Beast out of the others.
#include "session.hpp"

#include "otpgate/http/edge_headers.hpp"
#include "otpgate/metrics/otpgate_metrics.hpp"
#include "otpgate/util/log_limit.hpp"

#include <algorithm>
#include <cctype>
#include <exception>

namespace otpgate::http::detail {
namespace {

// A peer that breaks sessions on purpose must not be able to flood the log.
log::limited failed_session_lines;

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

}  // namespace

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

beast_response to_beast(Response&& r, std::string_view path, unsigned version, bool keep_alive,
                        std::string_view correlator) {
  if (r.status < 200 || r.status > 599) {
    log::write(log::level::error, "handler returned an invalid status",
               {{"status", r.status}, {"correlator", correlator}});
    r = error_response(500, "INTERNAL", "internal error");
  }
  add_edge_headers(path, r);
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
  // RFC 9110 8.6: no Content-Length on a 204, and on a 304 only the 200's own length. Beast's
  // prepare_payload would write "Content-Length: 0" on both; without a body and without the
  // field the message is still framed (RFC 9112 6.3: these statuses end at the header).
  if (status_has_body(r.status)) {
    res.body() = std::move(r.body);
    res.prepare_payload();
  }
  return res;
}

// Sending the handler's body anyway would be read as the start of the next response on a
// keep-alive connection.
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

bool wants_continue(const beast_request& m) {
  return m.version() >= 11 && beast::iequals(m[bhttp::field::expect], "100-continue");
}

Response read_error_response(const beast::error_code& ec, const ServerConfig& config) {
  if (ec == bhttp::error::body_limit)
    return error_response(
        413, "PAYLOAD_TOO_LARGE",
        "The request body exceeds " + std::to_string(config.body_limit) + " bytes.");
  if (ec == bhttp::error::header_limit)
    return error_response(
        431, "HEADERS_TOO_LARGE",
        "The request headers exceed " + std::to_string(config.header_limit) + " bytes.");
  return error_response(400, "INVALID_REQUEST", "The request is not valid HTTP/1.1.");
}

std::string path_of_unread(const beast_request& partial, const beast::flat_buffer& unread) {
  std::string_view target = partial.target();
  if (target.empty()) {
    const std::string_view bytes(static_cast<const char*>(unread.data().data()),
                                 unread.data().size());
    // request-line = method SP request-target SP HTTP-version (RFC 9112 3)
    const std::string_view line = bytes.substr(0, bytes.find_first_of("\r\n"));
    const auto start = line.find(' ');
    if (start != std::string_view::npos) {
      target = line.substr(start + 1);
      target = target.substr(0, target.find(' '));
    }
  }
  return std::string(target.substr(0, target.find('?')));
}

std::optional<Response> host_error(const beast_request& m) {
  const std::size_t hosts = m.count(bhttp::field::host);
  if (hosts == 1 || (hosts == 0 && m.version() < 11)) return std::nullopt;
  return error_response(400, "INVALID_REQUEST", "The request needs exactly one Host header.");
}

std::string correlator_of_partial(const beast_request& partial) {
  const auto client = partial.find("x-correlator");
  return correlator_for(client == partial.end() ? std::nullopt
                                                : std::optional<std::string_view>(client->value()));
}

void log_access(const access_entry& e, unsigned status, std::string_view correlator,
                std::chrono::steady_clock::time_point started, std::string_view remote, bool tls) {
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - started;
  write_access_log({e.method, e.route, status, took.count(), correlator, e.phone, remote, tls});
}

void count_request(const access_entry& e, unsigned status,
                   std::chrono::steady_clock::time_point started) {
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  metrics::process().observe_http_request(e.method, e.route, status, took.count());
}

// Plain TCP: nothing to set up, nothing to say before closing.
template <>
asio::awaitable<bool> session<beast::tcp_stream>::open() {
  co_return true;
}

template <>
asio::awaitable<void> session<beast::tcp_stream>::close_gracefully() {
  co_return;
}

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, worker& w) {
  try {
    session<beast::tcp_stream> s(std::move(socket), w);
    co_await s.run();
  } catch (const std::exception& e) {
    failed_session_lines.write(log::level::error, "http session failed", [&] {
      return nlohmann::json{{"error", e.what()}};
    });
  } catch (...) {
    failed_session_lines.write(log::level::error, "http session failed");
  }
}

}  // namespace otpgate::http::detail
