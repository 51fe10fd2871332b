// The connection pool to a gateway is bounded (OTPGATE_GATEWAY_MAX_CONNECTIONS per io thread)
// and idle connections are closed after OTPGATE_GATEWAY_IDLE_TIMEOUT_MS although no further
// send comes (before: 163 idle connections held for 140 s after 200 concurrent slow sends).
// Open connections are read from the kernel (/proc/net/tcp): the ones to the fake's port.
#include "fault_world.hpp"

#include "support/tcp_connections.hpp"

using namespace otpgate::test;
using namespace otpgate::test::fault_e2e;
using namespace std::chrono_literals;

TEST_CASE("a burst of slow sends uses at most the pool's connections, closed once idle",
          "[e2e][gateways][pool]") {
  FakeHttpServer slow([](const RecordedRequest& r) {
    FakeReply reply = gateway_e2e::twilio_accepts(r);
    reply.delay = 200ms;
    return reply;
  });
  OwnBrandWorld w({{"tw", gateway_e2e::twilio_gateway(slow)}}, {"tw"},
                  {{"OTPGATE_THREADS", "2"},
                   {"OTPGATE_GATEWAY_MAX_CONNECTIONS", "3"},
                   {"OTPGATE_GATEWAY_IDLE_TIMEOUT_MS", "1000"}},
                  {{"retries", 0}, {"attempt_timeout_ms", 10000}, {"deadline_ms", 20000}});
  const auto answers = in_parallel(40, [&] { return w.create(fresh_phone()); });
  const auto created = std::count_if(answers.begin(), answers.end(),
                                     [](const HttpResponse& a) { return a.status == 201; });
  CHECK(created == 40);  // the sends beyond the pool waited for a connection
  CHECK(slow.request_count() == 40);
  // Two io threads, three connections each.
  CHECK(slow.max_concurrent() <= 6);
  CHECK(slow.connection_count() <= 6);
  CHECK(established_connections_to(slow.port()) <= 6);
  // No send follows: the idle timer alone closes them.
  const auto end = std::chrono::steady_clock::now() + 15s;
  while (established_connections_to(slow.port()) > 0 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(100ms);
  CHECK(established_connections_to(slow.port()) == 0);
  // And the next send opens a new one.
  CHECK(w.create(fresh_phone()).status == 201);
}

// The default pool carries a burst of slow sends at once: 100 creates to a gateway that answers
// after 1.5 s are all in flight together (before: 32 connections per io thread, so at most 64,
// and scripts/bench's 600 concurrent creates to a 200 ms gateway were answered 92 % 502).
TEST_CASE("the default pool carries 100 slow sends at once", "[e2e][gateways][pool]") {
  FakeHttpServer slow([](const RecordedRequest& r) {
    FakeReply reply = gateway_e2e::twilio_accepts(r);
    reply.delay = 1500ms;
    return reply;
  });
  OwnBrandWorld w({{"tw", gateway_e2e::twilio_gateway(slow)}}, {"tw"}, {{"OTPGATE_THREADS", "2"}},
                  {{"retries", 0}, {"attempt_timeout_ms", 10000}, {"deadline_ms", 20000}});
  const auto answers = in_parallel(100, [&] { return w.create(fresh_phone()); });
  const auto created = std::count_if(answers.begin(), answers.end(),
                                     [](const HttpResponse& a) { return a.status == 201; });
  CHECK(created == 100);
  CHECK(slow.max_concurrent() > 64);
}
