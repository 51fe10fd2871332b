// Shared by the HTTP server tests: a real Server on port 0 with 2 io threads and a test
// handler, and raw POSIX sockets as the client so malformed and half-sent requests are possible.
#pragma once

#include "otpgate/http/server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace otpgate::test::http_fixture {

using namespace std::chrono_literals;
using otpgate::http::Request;
using otpgate::http::Response;
using otpgate::http::Server;
using otpgate::http::ServerConfig;
using json = nlohmann::json;

struct handler_state {
  std::atomic<bool> slow_started{false};
};

// /slow waits 300 ms on an asio timer; a path ending in /throw throws; /users/... sets the
// access-log fields; /status/<n> answers status n with an empty body (a 304 with an ETag);
// everything else echoes what the server parsed.
inline Server::HandlerFactory test_handlers(handler_state& state) {
  return [&state](boost::asio::io_context& ioc, unsigned) -> otpgate::http::Handler {
    return [&state, &ioc](Request& req) -> boost::asio::awaitable<Response> {
      if (req.path.ends_with("/throw")) throw std::runtime_error("db password is hunter2");
      Response res;
      if (req.path.rfind("/status/", 0) == 0) {
        res.status = static_cast<unsigned>(std::stoul(req.path.substr(8)));
        if (res.status == 304) res.headers.emplace_back("ETag", "\"t1\"");
        co_return res;
      }
      if (req.path == "/slow") {
        state.slow_started = true;
        boost::asio::steady_timer timer(ioc, 300ms);
        co_await timer.async_wait(boost::asio::use_awaitable);
      }
      if (req.path.rfind("/users/", 0) == 0) {
        res.log_route = "/users/{phone}";
        res.log_phone_masked = "+49170****567";
      }
      json headers = json::object();
      for (const auto& [name, value] : req.headers) headers[name] = value;
      res.headers.emplace_back("X-Test", "yes");
      res.body = json{
          {"method", req.method},
          {"path", req.path},
          {"target", req.target},
          {"body", req.body},
          {"correlator", req.correlator},
          {"remote", req.remote_address},
          {"headers",
           headers}}.dump();
      co_return res;
    };
  };
}

inline ServerConfig test_config() {
  ServerConfig c;
  c.port = 0;
  c.threads = 2;
  c.read_timeout = 300ms;
  c.idle_timeout = 30s;
  c.shutdown_grace = 5s;
  return c;
}

// A Server running on a background thread; the destructor stops it and waits a bounded time.
class running_server {
 public:
  explicit running_server(ServerConfig config = test_config())
      : server_(std::move(config), test_handlers(state)) {
    server_.bind();
    std::promise<void> done;
    done_ = done.get_future();
    thread_ = std::thread([this, p = std::move(done)]() mutable {
      try {
        server_.run();
        p.set_value();
      } catch (...) {
        p.set_exception(std::current_exception());
      }
    });
  }
  ~running_server() {
    server_.stop();
    if (!wait_stopped(10s)) {
      std::fputs("http test server did not stop within 10 s; aborting\n", stderr);
      std::abort();  // joining would hang the whole suite
    }
    thread_.join();
  }
  running_server(const running_server&) = delete;
  running_server& operator=(const running_server&) = delete;

  bool wait_stopped(std::chrono::milliseconds bound) {
    return done_.wait_for(bound) == std::future_status::ready;
  }
  unsigned short port() const { return server_.port(); }
  unsigned short tls_port() const { return server_.tls_port(); }
  void stop() { server_.stop(); }

  handler_state state;

 private:
  Server server_;
  std::future<void> done_;
  std::thread thread_;
};

struct reply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Takes one response (Content-Length framed; head_only for a HEAD answer, which has no content)
// off the front of buf, calling fill() to append more bytes while it is incomplete; nullopt on
// close, timeout or an unparsable answer. Shared by the plain and the TLS clients.
template <class Fill>
std::optional<reply> take_reply(std::string& buf, Fill fill, bool head_only = false) {
  std::size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return std::nullopt;
  std::istringstream head(buf.substr(0, end));
  std::string line;
  std::getline(head, line);
  reply r;
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return std::nullopt;
  r.status = static_cast<unsigned>(std::stoul(line.substr(9, 3)));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    const auto value_start = line.find_first_not_of(' ', colon + 1);
    r.headers[lower(line.substr(0, colon))] =
        value_start == std::string::npos ? "" : line.substr(value_start);
  }
  const std::size_t length =
      !head_only && r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
  while (buf.size() < end + 4 + length)
    if (!fill()) return std::nullopt;
  r.body = buf.substr(end + 4, length);
  buf.erase(0, end + 4 + length);
  return r;
}

// A blocking loopback client; every receive is bounded by SO_RCVTIMEO so a bug fails, not hangs.
class client {
 public:
  explicit client(unsigned short port, bool ipv6 = false) {
    fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    set_timeout(5s);
    if (ipv6) {
      sockaddr_in6 addr{};
      addr.sin6_family = AF_INET6;
      addr.sin6_port = htons(port);
      addr.sin6_addr = in6addr_loopback;
      connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    } else {
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }

  void set_timeout(std::chrono::milliseconds t) {
    timeval tv{static_cast<time_t>(t.count() / 1000),
               static_cast<suseconds_t>(t.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One response (Content-Length framed; head_only for a HEAD answer, which has no content);
  // nullopt on close, timeout or an unparsable answer.
  std::optional<reply> read_reply(bool head_only = false) {
    return take_reply(
        buf_, [this] { return fill(); }, head_only);
  }

  // True when the server closes the connection (EOF or reset) within the bound.
  bool closed_by_peer_within(std::chrono::milliseconds bound) {
    set_timeout(bound);
    char tmp[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
      if (n < 0) return false;  // EAGAIN: the bound passed with the connection still open
    }
  }

 private:
  bool fill() {
    char tmp[4096];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

inline std::optional<reply> exchange(unsigned short port, const std::string& request) {
  client c(port);
  if (!c.connected() || !c.send(request)) return std::nullopt;
  return c.read_reply();
}

inline std::string get(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

inline std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline bool is_sane_correlator(const std::string& c) {
  return std::regex_match(c, std::regex("[A-Za-z0-9._-]{1,64}"));
}

inline json parsed(const reply& r) {
  return json::parse(r.body, nullptr, false);
}

}  // namespace otpgate::test::http_fixture
