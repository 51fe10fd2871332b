// CurlMulti's public face, and the per-exchange easy handle (detail::transfer): request options,
// response collection, and the one mapping from CURLcode to errc.
#include "otpgate/gateways/curl_multi.hpp"

#include "curl_driver.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace otpgate::gateways {
namespace detail {
namespace {

// Vendors answer an SMS submission in a few hundred bytes; anything near this is not them.
constexpr std::size_t max_body = 1 << 20;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// CR or LF in a header would let a value smuggle extra headers into the request.
bool is_header_safe(const std::string& s) {
  return s.find_first_of("\r\n") == std::string::npos;
}

bool is_method_token(const std::string& m) {
  return !m.empty() &&
         std::all_of(m.begin(), m.end(), [](unsigned char c) { return std::isupper(c) != 0; });
}

}  // namespace

errc map_curl_code(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:  // total or connect timeout
      return errc::gateway_timeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_PARTIAL_FILE:
      return errc::gateway_unreachable;
    default:
      return errc::gateway_error;
  }
}

transfer::transfer(boost::asio::io_context& ioc, std::weak_ptr<curl_driver> driver)
    : driver_(std::move(driver)), wake_(ioc) {
  wake_.expires_at(boost::asio::steady_timer::time_point::max());
}

transfer::~transfer() {
  if (registered_) {
    if (auto driver = driver_.lock()) driver->forget(*this);
  }
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  curl_slist_free_all(headers_);
}

bool transfer::prepare(const HttpRequest& request, const HttpTimeouts& timeouts) {
  request_ = request;
  if (!is_method_token(request_.method)) return false;
  easy_ = curl_easy_init();
  return easy_ != nullptr && build_headers() && set_options(timeouts) && set_method();
}

bool transfer::build_headers() {
  bool has_expect = false;
  for (const auto& [name, value] : request_.headers) {
    if (!is_header_safe(name) || !is_header_safe(value)) return false;
    has_expect = has_expect || lower(name) == "expect";
    // "Name;" is libcurl's spelling of a header with an empty value.
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    curl_slist* next = curl_slist_append(headers_, line.c_str());
    if (next == nullptr) return false;
    headers_ = next;
  }
  if (has_expect) return true;
  // libcurl would send "Expect: 100-continue" for larger bodies and wait up to a second for
  // the interim answer; gateways answer at once, so that second is pure latency.
  curl_slist* next = curl_slist_append(headers_, "Expect:");
  if (next == nullptr) return false;
  headers_ = next;
  return true;
}

bool transfer::set_options(const HttpTimeouts& timeouts) {
  bool ok = true;
  const auto set = [&](CURLoption option, auto value) {
    ok = ok && curl_easy_setopt(easy_, option, value) == CURLE_OK;
  };
  set(CURLOPT_URL, request_.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500  // CURLOPT_PROTOCOLS_STR arrived in 7.85.0
  set(CURLOPT_PROTOCOLS_STR, "http,https");
#else
  set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  set(CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would resend credentials elsewhere
  set(CURLOPT_NOSIGNAL, 1L);        // no SIGALRM: we are one of many threads
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  // 0 would mean "no limit" to libcurl.
  set(CURLOPT_TIMEOUT_MS, std::max<long>(1, static_cast<long>(timeouts.total.count())));
  set(CURLOPT_CONNECTTIMEOUT_MS, std::max<long>(1, static_cast<long>(timeouts.connect.count())));
  set(CURLOPT_HTTPHEADER, headers_);
  set(CURLOPT_WRITEFUNCTION, &transfer::on_body);
  set(CURLOPT_WRITEDATA, this);
  set(CURLOPT_HEADERFUNCTION, &transfer::on_header);
  set(CURLOPT_HEADERDATA, this);
  set(CURLOPT_PRIVATE, this);
  // Never CURLOPT_VERBOSE: requests carry credentials and the code.
  return ok;
}

bool transfer::set_method() {
  const std::string& method = request_.method;
  if (method == "GET") return curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L) == CURLE_OK;
  if (method == "HEAD") return curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L) == CURLE_OK;
  bool ok = true;
  if (method == "POST" || !request_.body.empty()) {
    // The body stays in request_, which outlives the easy handle: no copy inside libcurl.
    ok = curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE,
                          static_cast<curl_off_t>(request_.body.size())) == CURLE_OK &&
         curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request_.body.data()) == CURLE_OK;
  }
  if (ok && method != "POST")
    ok = curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, method.c_str()) == CURLE_OK;
  return ok;
}

result<HttpResponse> transfer::take_result() {
  if (auto driver = driver_.lock()) driver->forget(*this);
  if (body_too_large_) return errc::gateway_error;
  if (code_ != CURLE_OK) return map_curl_code(code_);
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  response_.status = static_cast<int>(status);
  return std::move(response_);
}

void transfer::finish(CURLcode code) {
  code_ = code;
  done_ = true;
  wake_.cancel();  // posts the coroutine's resumption
}

void transfer::abandon() {
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  easy_ = nullptr;
  abandoned_ = true;
}

std::size_t transfer::on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* self = static_cast<transfer*>(user);
  const std::size_t n = size * count;
  if (self->response_.body.size() + n > max_body) {
    self->body_too_large_ = true;
    return 0;  // anything but n aborts the transfer (CURLE_WRITE_ERROR)
  }
  try {
    self->response_.body.append(data, n);
  } catch (const std::bad_alloc&) {  // never unwind through libcurl's C frames
    return 0;
  }
  return n;
}

std::size_t transfer::on_header(char* data, std::size_t size, std::size_t count, void* user) {
  const std::size_t n = size * count;
  try {
    static_cast<transfer*>(user)->add_header_line(std::string_view(data, n));
  } catch (const std::bad_alloc&) {
    return 0;
  }
  return n;
}

void transfer::add_header_line(std::string_view line) {
  auto& headers = response_.headers;
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();  // a new status line: drop an interim (1xx) response's headers
    return;
  }
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    // obs-fold (RFC 9112 §5.2): a continuation of the previous value.
    if (!headers.empty()) headers.back().second.append(" ").append(trim(line));
    return;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return;  // the blank line ending the block
  headers.emplace_back(lower(trim(line.substr(0, colon))),
                       std::string(trim(line.substr(colon + 1))));
}

}  // namespace detail

namespace {

namespace asio = boost::asio;

// Parameters by value: perform() copies the request before the caller's co_await, so the
// caller's objects may go away while the exchange runs.
asio::awaitable<result<HttpResponse>> run_transfer(std::weak_ptr<detail::curl_driver> weak,
                                                   HttpRequest request, HttpTimeouts timeouts,
                                                   asio::io_context& ioc) {
  // libcurl's own timeout does not run while a transfer waits for a free connection (libcurl
  // 7.88 queues it with no clock), so the deadline of the whole exchange is kept here too.
  const auto deadline =
      std::chrono::steady_clock::now() + std::max(timeouts.total, std::chrono::milliseconds(1));
  detail::transfer t(ioc, weak);
  if (!t.prepare(request, timeouts)) co_return errc::gateway_error;
  {
    auto driver = weak.lock();
    if (!driver || !driver->add(t)) co_return errc::gateway_error;
  }
  // Woken by the driver cancelling t.wake() on CURLMSG_DONE, or by the deadline. After the
  // multi is destroyed, ready() stays false and the frame waits until the io_context destroys
  // it.
  t.wake().expires_at(deadline);
  boost::system::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  while (!t.ready()) {
    co_await t.wake().async_wait(token);
    if (t.ready()) break;
    if (t.abandoned()) {
      t.wake().expires_at(asio::steady_timer::time_point::max());
    } else if (std::chrono::steady_clock::now() >= deadline) {
      co_return errc::gateway_timeout;  // ~transfer takes it out of the multi
    }
  }
  auto out = t.take_result();
  co_return out;
}

}  // namespace

struct CurlMulti::Impl {
  asio::io_context& ioc;
  std::shared_ptr<detail::curl_driver> driver;  // the only strong reference
};

CurlMulti::CurlMulti(boost::asio::io_context& ioc, PoolLimits limits)
    : impl_(std::make_unique<Impl>(Impl{ioc, std::make_shared<detail::curl_driver>(ioc, limits)})) {
}

CurlMulti::~CurlMulti() {
  impl_->driver->shutdown();
}

boost::asio::awaitable<result<HttpResponse>> CurlMulti::perform(const HttpRequest& request,
                                                                const HttpTimeouts& timeouts) {
  return run_transfer(impl_->driver, request, timeouts, impl_->ioc);
}

std::size_t CurlMulti::active() const {
  return impl_->driver->active();
}

}  // namespace otpgate::gateways
