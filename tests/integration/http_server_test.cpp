// The Beast server end to end over loopback: a real Server on port 0 with 2 io threads, a test
// handler, and raw POSIX sockets as the client so malformed and half-sent requests are possible.
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

namespace {

using namespace std::chrono_literals;
using otpgate::http::Request;
using otpgate::http::Response;
using otpgate::http::Server;
using otpgate::http::ServerConfig;
using json = nlohmann::json;

struct handler_state {
  std::atomic<bool> slow_started{false};
};

// /slow waits 300 ms on an asio timer; /throw throws; /users/... sets the access-log fields;
// everything else echoes what the server parsed.
Server::HandlerFactory test_handlers(handler_state& state) {
  return [&state](boost::asio::io_context& ioc, unsigned) -> otpgate::http::Handler {
    return [&state, &ioc](Request& req) -> boost::asio::awaitable<Response> {
      if (req.path == "/throw") throw std::runtime_error("db password is hunter2");
      Response res;
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

ServerConfig test_config() {
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

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
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
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    std::istringstream head(buf_.substr(0, end));
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
    const std::size_t length = !head_only && r.headers.count("content-length")
                                   ? std::stoul(r.headers["content-length"])
                                   : 0;
    while (buf_.size() < end + 4 + length)
      if (!fill()) return std::nullopt;
    r.body = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return r;
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

std::optional<reply> exchange(unsigned short port, const std::string& request) {
  client c(port);
  if (!c.connected() || !c.send(request)) return std::nullopt;
  return c.read_reply();
}

std::string get(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool is_sane_correlator(const std::string& c) {
  return std::regex_match(c, std::regex("[A-Za-z0-9._-]{1,64}"));
}

json parsed(const reply& r) {
  return json::parse(r.body, nullptr, false);
}

}  // namespace

TEST_CASE("http server: GET and POST round trips", "[integration][http]") {
  running_server s;
  const auto g = exchange(s.port(), get("/v1/things?limit=5", "X-Mixed-Case: Value\r\n"));
  REQUIRE(g);
  CHECK(g->status == 200);
  CHECK(g->header("content-type") == "application/json");
  CHECK(g->header("content-length") == std::to_string(g->body.size()));
  CHECK(g->header("x-test") == "yes");
  const auto gj = parsed(*g);
  CHECK(gj["method"] == "GET");
  CHECK(gj["path"] == "/v1/things");
  CHECK(gj["target"] == "/v1/things?limit=5");
  CHECK(gj["remote"] == "127.0.0.1");
  CHECK(gj["headers"]["x-mixed-case"] == "Value");  // names lower-cased, values untouched

  const std::string body = R"({"phone_number":"+4917012345678"})";
  const auto p = exchange(s.port(), post("/v1/verifications", body));
  REQUIRE(p);
  CHECK(p->status == 200);
  const auto pj = parsed(*p);
  CHECK(pj["method"] == "POST");
  CHECK(pj["path"] == "/v1/verifications");
  CHECK(pj["body"] == body);
}

TEST_CASE("http server: HEAD gets headers only, Expect: 100-continue is honoured",
          "[integration][http]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n" + get("/after-head")));
  const auto head = c.read_reply(/*head_only=*/true);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->header("content-length") != "0");  // GET's length, RFC 9110 9.3.2
  // Had the server sent the body anyway, this would parse those bytes as a status line.
  const auto after = c.read_reply();
  REQUIRE(after);
  CHECK(parsed(*after)["path"] == "/after-head");

  client e(s.port());
  REQUIRE(
      e.send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  const auto interim = e.read_reply();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(e.send("hello"));
  const auto final_reply = e.read_reply();
  REQUIRE(final_reply);
  CHECK(final_reply->status == 200);
  CHECK(parsed(*final_reply)["body"] == "hello");
}

TEST_CASE("http server: listens on IPv6 loopback", "[integration][http]") {
  const int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  any.sin6_addr = in6addr_loopback;
  const bool have_v6 =
      probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0;
  if (probe >= 0) ::close(probe);
  if (!have_v6) {
    WARN("no IPv6 loopback here; not tested");
    return;
  }
  auto config = test_config();
  config.address = "::1";
  running_server s(config);
  client c(s.port(), true);
  REQUIRE(c.connected());
  REQUIRE(c.send(get("/v6")));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(parsed(*r)["remote"] == "::1");
}

TEST_CASE("http server: keep-alive serves two requests on one connection", "[integration][http]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.connected());
  REQUIRE(c.send(get("/first") + post("/second", "abc")));  // pipelined, too
  const auto r1 = c.read_reply();
  const auto r2 = c.read_reply();
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(parsed(*r1)["path"] == "/first");
  CHECK(parsed(*r2)["body"] == "abc");
  CHECK(lower(r1->header("connection")) != "close");

  REQUIRE(c.send(get("/third")));  // and once more after the pipeline drained
  const auto r3 = c.read_reply();
  REQUIRE(r3);
  CHECK(parsed(*r3)["path"] == "/third");
}

TEST_CASE("http server: HTTP/1.0 and Connection: close end the connection", "[integration][http]") {
  running_server s;
  SECTION("Connection: close") {
    client c(s.port());
    REQUIRE(c.send(get("/a", "Connection: close\r\n")));
    const auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(lower(r->header("connection")) == "close");
    CHECK(c.closed_by_peer_within(2s));
  }
  SECTION("HTTP/1.0 without keep-alive") {
    client c(s.port());
    REQUIRE(c.send("GET /b HTTP/1.0\r\n\r\n"));
    const auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(c.closed_by_peer_within(2s));
  }
}

TEST_CASE("http server: x-correlator is echoed, generated or replaced", "[integration][http]") {
  running_server s;
  SECTION("sane value echoed") {
    const auto r = exchange(s.port(), get("/c", "X-Correlator: order-42_retry.1\r\n"));
    REQUIRE(r);
    CHECK(r->header("x-correlator") == "order-42_retry.1");
    CHECK(parsed(*r)["correlator"] == "order-42_retry.1");
  }
  SECTION("generated when absent, different per request") {
    const auto a = exchange(s.port(), get("/c"));
    const auto b = exchange(s.port(), get("/c"));
    REQUIRE(a);
    REQUIRE(b);
    CHECK(is_sane_correlator(a->header("x-correlator")));
    CHECK(parsed(*a)["correlator"] == a->header("x-correlator"));
    CHECK(a->header("x-correlator") != b->header("x-correlator"));
  }
  SECTION("hostile values replaced") {
    const std::string hostile =
        GENERATE(std::string(500, 'a'), std::string("ab\"cd"), std::string("a b"),
                 std::string("a/b"), std::string("caf\xc3\xa9"));
    const auto r = exchange(s.port(), get("/c", "X-Correlator: " + hostile + "\r\n"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->header("x-correlator") != hostile);
    CHECK(is_sane_correlator(r->header("x-correlator")));
  }
  SECTION("control characters make a malformed request, still correlated") {
    const std::string hostile = GENERATE(std::string("ab\rcd"), std::string("x\x01y"));
    const auto r = exchange(s.port(), get("/c", "X-Correlator: " + hostile + "\r\n"));
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(is_sane_correlator(r->header("x-correlator")));
  }
}

TEST_CASE("http server: a 1 MB body gets 413 PAYLOAD_TOO_LARGE", "[integration][http]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.connected());
  c.send(post("/v1/verifications", std::string(1 << 20, 'x')));  // may stop early: we read anyway
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(is_sane_correlator(r->header("x-correlator")));
  CHECK(r->header("content-type") == "application/json");
  const auto j = parsed(*r);
  CHECK(j["status"] == 413);
  CHECK(j["code"] == "PAYLOAD_TOO_LARGE");
  CHECK(j["message"].is_string());
  CHECK(c.closed_by_peer_within(3s));
}

TEST_CASE("http server: a chunked body over the limit gets 413", "[integration][http]") {
  running_server s;
  client c(s.port());
  std::string req = "POST /v1/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) req += "400\r\n" + std::string(1024, 'y') + "\r\n";  // 40 KiB
  req += "0\r\n\r\n";
  c.send(req);
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(parsed(*r)["code"] == "PAYLOAD_TOO_LARGE");
}

TEST_CASE("http server: huge headers get 431 HEADERS_TOO_LARGE", "[integration][http]") {
  running_server s;
  client c(s.port());
  c.send(get("/h", "X-Big: " + std::string(20'000, 'h') + "\r\n"));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 431);
  const auto j = parsed(*r);
  CHECK(j["status"] == 431);
  CHECK(j["code"] == "HEADERS_TOO_LARGE");
  CHECK(is_sane_correlator(r->header("x-correlator")));
}

TEST_CASE("http server: garbage bytes get 400 INVALID_REQUEST and a close", "[integration][http]") {
  running_server s;
  client c(s.port());
  static const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00 garbage\r\n\r\n";  // a TLS hello
  c.send(std::string_view(garbage, sizeof garbage - 1));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 400);
  const auto j = parsed(*r);
  CHECK(j["status"] == 400);
  CHECK(j["code"] == "INVALID_REQUEST");
  CHECK(is_sane_correlator(r->header("x-correlator")));
  CHECK(c.closed_by_peer_within(3s));
}

TEST_CASE("http server: a half-sent request is closed after read_timeout", "[integration][http]") {
  running_server s;  // read_timeout 300 ms
  client slow(s.port());
  REQUIRE(slow.connected());
  REQUIRE(slow.send("POST /v1/x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"));

  const auto meanwhile = exchange(s.port(), get("/meanwhile"));
  REQUIRE(meanwhile);
  CHECK(meanwhile->status == 200);

  CHECK(slow.closed_by_peer_within(5s));

  const auto afterwards = exchange(s.port(), get("/afterwards"));
  REQUIRE(afterwards);
  CHECK(afterwards->status == 200);
}

TEST_CASE("http server: an idle keep-alive connection is closed after idle_timeout",
          "[integration][http]") {
  auto config = test_config();
  config.idle_timeout = 300ms;
  running_server s(config);
  client c(s.port());
  REQUIRE(c.send(get("/once")));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(c.closed_by_peer_within(5s));
}

TEST_CASE("http server: a throwing handler gets 500 INTERNAL and the server keeps serving",
          "[integration][http]") {
  running_server s;
  client c(s.port());
  REQUIRE(c.send(get("/throw", "X-Correlator: boom-1\r\n")));
  const auto r = c.read_reply();
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->header("x-correlator") == "boom-1");
  const auto j = parsed(*r);
  CHECK(j["status"] == 500);
  CHECK(j["code"] == "INTERNAL");
  CHECK(j["message"] == "internal error");
  CHECK(r->body.find("hunter2") == std::string::npos);

  REQUIRE(c.send(get("/after-throw")));  // same connection still usable
  const auto again = c.read_reply();
  REQUIRE(again);
  CHECK(again->status == 200);
  const auto fresh = exchange(s.port(), get("/fresh"));
  REQUIRE(fresh);
  CHECK(fresh->status == 200);
}

TEST_CASE("http server: graceful shutdown answers in-flight requests, then refuses",
          "[integration][http]") {
  auto config = test_config();
  config.idle_timeout = 30s;  // so an idle close below can only come from stop()
  running_server s(config);
  const auto port = s.port();

  client idle(port);
  REQUIRE(idle.send(get("/warm-up")));
  REQUIRE(idle.read_reply());

  client busy(port);
  REQUIRE(busy.send(get("/slow")));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!s.state.slow_started && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  REQUIRE(s.state.slow_started);

  s.stop();
  const auto r = busy.read_reply();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(parsed(*r)["path"] == "/slow");
  CHECK(lower(r->header("connection")) == "close");
  CHECK(idle.closed_by_peer_within(3s));

  REQUIRE(s.wait_stopped(5s));  // run() returned
  client late(port);
  CHECK_FALSE(late.connected());
}

TEST_CASE("http server: access log line has route, status, correlator, not secrets",
          "[integration][http]") {
  char path[] = "/tmp/otpgate-http-log-XXXXXX";
  const int log_fd = ::mkstemp(path);
  REQUIRE(log_fd >= 0);
  const int saved_stderr = ::dup(STDERR_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  {
    running_server s;
    const auto r = exchange(s.port(),
                            "POST /users/+4917012345678?x=1 HTTP/1.1\r\nHost: t\r\n"
                            "Authorization: Bearer sk_live_SECRET123\r\n"
                            "X-Correlator: log-test-7\r\nContent-Length: 11\r\n\r\n"
                            "body-SECRET");
    CHECK(r);
    CHECK(exchange(s.port(), get("/plain?q=1", "X-Correlator: log-test-8\r\n")));
  }  // stopped and joined: every line is written
  ::dup2(saved_stderr, STDERR_FILENO);
  ::close(saved_stderr);
  ::close(log_fd);
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  ::unlink(path);
  const std::string text = all.str();

  CHECK(text.find("SECRET") == std::string::npos);  // no header value, no body
  CHECK(text.find("4917012345678") == std::string::npos);
  std::optional<json> routed, plain;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("msg", "") != "request") continue;
    if (j.value("correlator", "") == "log-test-7") routed = j;
    if (j.value("correlator", "") == "log-test-8") plain = j;
  }
  REQUIRE(routed);
  CHECK((*routed)["method"] == "POST");
  CHECK((*routed)["route"] == "/users/{phone}");
  CHECK((*routed)["status"] == 200);
  CHECK((*routed)["phone"] == "+49170****567");
  CHECK((*routed)["remote"] == "127.0.0.1");
  CHECK((*routed)["duration_ms"].is_number_float());
  REQUIRE(plain);
  CHECK((*plain)["route"] == "/plain");  // path without the query
  CHECK_FALSE(plain->contains("phone"));
}
