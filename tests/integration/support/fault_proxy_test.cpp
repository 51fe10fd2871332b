// The FaultProxy (tests/support/fault_proxy.hpp) in front of a real redis-server, driven by a
// plain blocking client speaking Redis' inline protocol ("PING\r\n" -> "+PONG\r\n").
#include "support/fault_proxy.hpp"
#include "support/redis_server.hpp"
#include "support/tcp_client.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

using otpgate::test::FaultProxy;
using namespace std::chrono_literals;

namespace {

using client = otpgate::test::TcpClient;

template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(10ms);
  return pred();
}

}  // namespace

TEST_CASE("the fault proxy forwards both ways and counts connections and bytes",
          "[integration][fault_proxy]") {
  otpgate::test::RedisServer server;
  FaultProxy proxy(server.port());
  client c(proxy.port());
  c.send("PING\r\n");
  CHECK(c.read(7, 5s) == "+PONG\r\n");
  // A chunk is counted once its write completed, which may be just after the client read it.
  CHECK(eventually([&] { return proxy.counters().bytes_down == 7; }));
  const auto n = proxy.counters();
  CHECK(n.accepted == 1);
  CHECK(n.open == 1);
  CHECK(n.bytes_up == 6);
  CHECK(n.bytes_down == 7);
  c.close();
  CHECK(eventually([&] { return proxy.counters().open == 0; }));
}

TEST_CASE("the fault proxy holds replies until released, the server runs the commands",
          "[integration][fault_proxy]") {
  otpgate::test::RedisServer server;
  FaultProxy proxy(server.port());
  client c(proxy.port());
  proxy.hold_replies();
  c.send("SET otpgate:test:fault_proxy:held v\r\n");
  CHECK(eventually([&] { return server.cli({"GET", "otpgate:test:fault_proxy:held"}) == "v"; }));
  CHECK(c.read(5, 300ms).empty());  // ran, but its "+OK" is held
  proxy.pass();
  CHECK(c.read(5, 5s) == "+OK\r\n");
}

TEST_CASE("the fault proxy stalls both ways until released", "[integration][fault_proxy]") {
  otpgate::test::RedisServer server;
  FaultProxy proxy(server.port());
  client c(proxy.port());
  proxy.stall();
  c.send("SET otpgate:test:fault_proxy:stalled v\r\n");
  CHECK(c.read(5, 300ms).empty());
  CHECK(server.cli({"EXISTS", "otpgate:test:fault_proxy:stalled"}) == "0");  // never arrived
  CHECK(proxy.counters().bytes_up == 0);
  proxy.pass();
  CHECK(c.read(5, 5s) == "+OK\r\n");
  CHECK(server.cli({"EXISTS", "otpgate:test:fault_proxy:stalled"}) == "1");
}

TEST_CASE("a slow fault proxy still delivers every chunk in order", "[integration][fault_proxy]") {
  otpgate::test::RedisServer server;
  FaultProxy proxy(server.port());
  proxy.slow(20ms);
  client c(proxy.port());
  c.send("PING\r\n");
  CHECK(c.read(7, 5s) == "+PONG\r\n");
  c.send("ECHO a\r\nECHO b\r\n");
  CHECK(c.read(14, 5s) == "$1\r\na\r\n$1\r\nb\r\n");
}

TEST_CASE("the fault proxy cuts open connections with a reset", "[integration][fault_proxy]") {
  otpgate::test::RedisServer server;
  FaultProxy proxy(server.port());
  client c(proxy.port());
  c.send("PING\r\n");
  REQUIRE(c.read(7, 5s) == "+PONG\r\n");
  proxy.cut();
  CHECK(c.read(1, 5s).empty());
  CHECK(c.closed());
  CHECK(c.error() == ECONNRESET);
  CHECK(proxy.counters().open == 0);
  client again(proxy.port());  // new connections are forwarded as before
  again.send("PING\r\n");
  CHECK(again.read(7, 5s) == "+PONG\r\n");
}

TEST_CASE("a refusing fault proxy resets new connections and keeps open ones",
          "[integration][fault_proxy]") {
  otpgate::test::RedisServer server;
  FaultProxy proxy(server.port());
  client before(proxy.port());
  // connect() returns once the kernel queued it: wait until the proxy took it.
  REQUIRE(eventually([&] { return proxy.counters().accepted == 1; }));
  proxy.refuse();
  client refused(proxy.port());  // the kernel completes the handshake; the proxy resets it
  CHECK(refused.read(1, 5s).empty());
  CHECK(refused.closed());
  CHECK(proxy.counters().refused == 1);
  CHECK(proxy.counters().accepted == 1);
  before.send("PING\r\n");
  CHECK(before.read(7, 5s) == "+PONG\r\n");
  proxy.refuse(false);
  client after(proxy.port());
  after.send("PING\r\n");
  CHECK(after.read(7, 5s) == "+PONG\r\n");
}

TEST_CASE("a fault proxy mode with Scope::open leaves new connections alone",
          "[integration][fault_proxy]") {
  otpgate::test::RedisServer server;
  FaultProxy proxy(server.port());
  client old_one(proxy.port());
  old_one.send("PING\r\n");
  REQUIRE(old_one.read(7, 5s) == "+PONG\r\n");
  proxy.hold_replies(FaultProxy::Scope::open);
  old_one.send("PING\r\n");
  client new_one(proxy.port());
  new_one.send("PING\r\n");
  CHECK(new_one.read(7, 5s) == "+PONG\r\n");
  CHECK(old_one.read(7, 300ms).empty());
  proxy.pass();
  CHECK(old_one.read(7, 5s) == "+PONG\r\n");
}
