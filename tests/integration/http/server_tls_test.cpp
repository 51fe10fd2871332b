// The HTTPS listener over loopback: requests and keep-alive over TLS, the protocol and cipher
// policy as a client sees it, handshake deadlines, non-TLS bytes, graceful shutdown and the
// access log. The client is OpenSSL (tests/support/tls_client), the certificate made per test.
#include "http_fixture.hpp"
#include "support/process.hpp"
#include "support/tls_client.hpp"
#include "support/tls_test_cert.hpp"

#include "otpgate/http/tls.hpp"
#include "otpgate/util/log.hpp"

using namespace otpgate::test;
using namespace otpgate::test::http_fixture;
using otpgate::http::TlsContext;
using otpgate::http::TlsListenerConfig;

namespace {

ServerConfig with_tls(const TestCertificate& cert, ServerConfig c = test_config()) {
  c.tls = TlsListenerConfig{"127.0.0.1", 0,
                            TlsContext::from_pem_files(cert.cert_file(), cert.key_file())};
  return c;
}

// A server with the HTTPS listener on its own free port (read_timeout 300 ms unless given).
struct tls_server {
  explicit tls_server(ServerConfig c = test_config()) : s(with_tls(cert, std::move(c))) {}
  TestCertificate cert;
  running_server s;
};

TlsClientOptions trusting(const TestCertificate& cert, TlsClientOptions o = {}) {
  o.ca_file = cert.cert_file();
  return o;
}

std::optional<reply> read_tls_reply(TlsClient& c, std::string& buf) {
  return take_reply(buf, [&] { return c.receive(buf); });
}

// One GET over a fresh TLS connection; nullopt when the handshake or the exchange fails.
std::optional<reply> tls_get(const tls_server& t, const std::string& path) {
  TlsClient c(t.s.tls_port(), trusting(t.cert));
  if (!c.handshake() || !c.send(get(path))) return std::nullopt;
  std::string buf;
  return read_tls_reply(c, buf);
}

// Runs body with stderr redirected to a temp file and returns what was written meanwhile.
template <class Body>
std::string captured_stderr(Body body) {
  char path[] = "/tmp/otpgate-tls-log-XXXXXX";
  const int log_fd = ::mkstemp(path);
  REQUIRE(log_fd >= 0);
  struct restore_stderr {
    int saved = ::dup(STDERR_FILENO);
    ~restore_stderr() {
      ::dup2(saved, STDERR_FILENO);
      ::close(saved);
    }
  };
  {
    restore_stderr restore;  // also when a REQUIRE in body throws
    ::dup2(log_fd, STDERR_FILENO);
    body();
  }
  ::close(log_fd);
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  ::unlink(path);
  return all.str();
}

std::vector<json> log_lines(const std::string& text, const std::string& msg) {
  std::vector<json> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("msg", "") == msg) out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

TEST_CASE("https: GET over TLS, two requests on one connection, the configured certificate",
          "[integration][http][tls]") {
  tls_server t;
  REQUIRE(t.s.tls_port() != 0);
  CHECK(t.s.tls_port() != t.s.port());
  TlsClient c(t.s.tls_port(), trusting(t.cert));
  REQUIRE(c.handshake());
  CHECK(c.verified());  // chains to the test certificate and names 127.0.0.1
  CHECK(c.peer_certificate_der() == t.cert.der());
  CHECK(c.protocol() == "TLSv1.3");

  std::string buf;
  REQUIRE(c.send(get("/first?x=1", "X-Correlator: tls-1\r\n")));
  const auto first = read_tls_reply(c, buf);
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->header("x-correlator") == "tls-1");
  CHECK(lower(first->header("connection")) != "close");
  const auto j = parsed(*first);
  CHECK(j["path"] == "/first");
  CHECK(j["target"] == "/first?x=1");
  CHECK(j["remote"] == "127.0.0.1");

  REQUIRE(c.send(post("/second", R"({"a":1})")));  // same TLS connection, kept alive
  const auto second = read_tls_reply(c, buf);
  REQUIRE(second);
  CHECK(second->status == 200);
  CHECK(parsed(*second)["path"] == "/second");
  CHECK(parsed(*second)["body"] == R"({"a":1})");

  const auto plain = exchange(t.s.port(), get("/plain"));  // the plain listener still serves
  REQUIRE(plain);
  CHECK(plain->status == 200);
}

TEST_CASE("https: TLS 1.2 gets an ECDHE AEAD suite in the server's order",
          "[integration][http][tls]") {
  tls_server t;
  TlsClientOptions o;
  o.max_version = TlsVersion::tls1_2;
  // OpenSSL's client lists AES-256-GCM first; the server's order puts AES-128-GCM first.
  TlsClient c(t.s.tls_port(), trusting(t.cert, o));
  REQUIRE(c.handshake());
  CHECK(c.protocol() == "TLSv1.2");
  CHECK(c.cipher() == "ECDHE-ECDSA-AES128-GCM-SHA256");
  std::string buf;
  REQUIRE(c.send(get("/over-1.2")));
  const auto r = read_tls_reply(c, buf);
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("https: clients that offer at most TLS 1.1 or 1.0 are refused",
          "[integration][http][tls]") {
  tls_server t;
  TlsClientOptions o;
  o.legacy = true;  // else the client itself would refuse to offer TLS 1.0/1.1
  o.min_version = TlsVersion::tls1_0;

  o.max_version = TlsVersion::tls1_2;  // control: this client can connect at all
  TlsClient modern(t.s.tls_port(), trusting(t.cert, o));
  REQUIRE(modern.handshake());

  for (const auto max : {TlsVersion::tls1_1, TlsVersion::tls1_0}) {
    o.max_version = max;
    TlsClient old(t.s.tls_port(), trusting(t.cert, o));
    CHECK_FALSE(old.handshake());
    // The server's protocol_version alert, not a refusal inside the client.
    CHECK(old.error().find("alert protocol version") != std::string::npos);
  }
  const auto after = tls_get(t, "/after");
  REQUIRE(after);
  CHECK(after->status == 200);
}

TEST_CASE("https: a TLS 1.2 client offering only CBC suites is refused",
          "[integration][http][tls]") {
  tls_server t;
  TlsClientOptions o;
  o.legacy = true;
  o.max_version = TlsVersion::tls1_2;
  o.tls12_ciphers =
      "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:"
      "ECDHE-ECDSA-AES256-SHA";
  TlsClient cbc(t.s.tls_port(), trusting(t.cert, o));
  CHECK_FALSE(cbc.handshake());
  CHECK(cbc.error().find("alert handshake failure") != std::string::npos);

  o.tls12_ciphers += ":ECDHE-ECDSA-AES128-GCM-SHA256";  // control: one AEAD suite is enough
  TlsClient aead(t.s.tls_port(), trusting(t.cert, o));
  REQUIRE(aead.handshake());
  CHECK(aead.cipher() == "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_CASE("https: a client that never starts the handshake is closed after read_timeout",
          "[integration][http][tls]") {
  tls_server t;  // read_timeout 300 ms, idle_timeout 30 s
  TlsClient silent(t.s.tls_port());

  const auto meanwhile = tls_get(t, "/meanwhile");
  REQUIRE(meanwhile);
  CHECK(meanwhile->status == 200);

  CHECK(silent.closed_by_peer_within(5s));
  const auto afterwards = tls_get(t, "/afterwards");
  REQUIRE(afterwards);
  CHECK(afterwards->status == 200);
}

TEST_CASE("https: a partial ClientHello that stalls is closed after read_timeout",
          "[integration][http][tls]") {
  tls_server t;  // read_timeout 300 ms
  const std::string hello = client_hello();
  TlsClient stalled(t.s.tls_port());
  REQUIRE(stalled.send_raw(hello.substr(0, hello.size() / 2)));
  CHECK(stalled.closed_by_peer_within(5s));
  const auto afterwards = tls_get(t, "/afterwards");
  REQUIRE(afterwards);
  CHECK(afterwards->status == 200);
}

TEST_CASE("https: plain HTTP sent to the TLS port is closed at once, without an HTTP answer",
          "[integration][http][tls]") {
  auto config = test_config();
  config.read_timeout = 10s;  // a close within 3 s below cannot be the handshake deadline
  tls_server t(config);
  TlsClient plain(t.s.tls_port());
  REQUIRE(plain.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(plain.closed_by_peer_within(3s));
  CHECK(plain.raw_received().find("HTTP/") == std::string::npos);

  const auto afterwards = tls_get(t, "/afterwards");
  REQUIRE(afterwards);
  CHECK(afterwards->status == 200);
}

TEST_CASE("https: an answer with Connection: close ends with close_notify",
          "[integration][http][tls]") {
  tls_server t;
  TlsClient c(t.s.tls_port(), trusting(t.cert));
  REQUIRE(c.handshake());
  REQUIRE(c.send(get("/bye", "Connection: close\r\n")));
  std::string buf;
  const auto r = read_tls_reply(c, buf);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(lower(r->header("connection")) == "close");
  CHECK(c.closed_by_peer_within(3s));
  CHECK(c.saw_close_notify());
}

TEST_CASE("https: stop() closes idle and mid-handshake TLS connections without the grace period",
          "[integration][http][tls]") {
  auto config = test_config();
  config.read_timeout = 10s;   // so neither close below can come from a deadline
  config.idle_timeout = 30s;   // ...
  config.shutdown_grace = 8s;  // treated as busy, they would hold stop() this long
  tls_server t(config);

  TlsClient idle(t.s.tls_port(), trusting(t.cert));
  REQUIRE(idle.handshake());
  REQUIRE(idle.send(get("/warm-up")));
  std::string buf;
  REQUIRE(read_tls_reply(idle, buf));

  // A whole ClientHello and no more: the server's answer proves it is inside the handshake.
  TlsClient mid(t.s.tls_port());
  REQUIRE(mid.send_raw(client_hello()));
  std::string server_flight;
  REQUIRE(mid.receive_raw(server_flight));
  CHECK(server_flight.substr(0, 1) == "\x16");  // a handshake record: ServerHello

  t.s.stop();
  CHECK(idle.closed_by_peer_within(3s));
  CHECK(mid.closed_by_peer_within(3s));
  CHECK(t.s.wait_stopped(3s));
}

TEST_CASE("https: requests are in the access log with tls true, handshake failures only at debug",
          "[integration][http][tls]") {
  const std::string text = captured_stderr([] {
    tls_server t;
    TlsClient c(t.s.tls_port(), trusting(t.cert));
    REQUIRE(c.handshake());
    REQUIRE(c.send(get("/users/+4917012345678", "X-Correlator: tls-log-1\r\n")));
    std::string buf;
    REQUIRE(read_tls_reply(c, buf));
    CHECK(exchange(t.s.port(), get("/plain", "X-Correlator: plain-log-1\r\n")));

    TlsClient at_info(t.s.tls_port());  // a failed handshake at the default level: no line
    REQUIRE(at_info.send_raw("GET /info HTTP/1.1\r\n\r\n"));
    CHECK(at_info.closed_by_peer_within(3s));
    otpgate::log::set_level(otpgate::log::level::debug);
    TlsClient at_debug(t.s.tls_port());
    REQUIRE(at_debug.send_raw("GET /debug HTTP/1.1\r\n\r\n"));
    CHECK(at_debug.closed_by_peer_within(3s));
  });  // stopped and joined: every line is written
  otpgate::log::set_level(otpgate::log::level::info);

  std::optional<json> over_tls, plain;
  for (const auto& j : log_lines(text, "request")) {
    if (j.value("correlator", "") == "tls-log-1") over_tls = j;
    if (j.value("correlator", "") == "plain-log-1") plain = j;
  }
  REQUIRE(over_tls);
  CHECK((*over_tls)["tls"] == true);
  CHECK((*over_tls)["route"] == "/users/{phone}");
  CHECK((*over_tls)["phone"] == "+49170****567");
  CHECK((*over_tls)["remote"] == "127.0.0.1");
  REQUIRE(plain);
  CHECK_FALSE(plain->contains("tls"));
  CHECK(text.find("4917012345678") == std::string::npos);

  const auto failures = log_lines(text, "tls handshake failed");
  REQUIRE(failures.size() == 1);  // the debug one only
  CHECK(failures[0]["level"] == "debug");
  CHECK(failures[0]["remote"] == "127.0.0.1");
  CHECK(failures[0]["error"].is_string());
}

TEST_CASE("https: the TLS listener may not share the plain listener's port",
          "[integration][http][tls]") {
  TestCertificate cert;
  auto config = with_tls(cert);
  config.port = free_loopback_port();
  config.tls->port = config.port;
  handler_state state;
  Server same_port(config, test_handlers(state));
  CHECK_THROWS_AS(same_port.bind(), std::invalid_argument);

  auto none = test_config();
  none.plain = false;  // and no TLS either: nothing would listen
  Server nothing(none, test_handlers(state));
  CHECK_THROWS_AS(nothing.bind(), std::invalid_argument);
}

TEST_CASE("https: TLS only, with the plain listener off", "[integration][http][tls]") {
  auto config = test_config();
  config.plain = false;
  tls_server t(config);
  CHECK(t.s.port() == 0);
  const auto r = tls_get(t, "/tls-only");
  REQUIRE(r);
  CHECK(r->status == 200);
}
