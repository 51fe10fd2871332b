// A graceful stop (SIGTERM) waits for the events its io threads still append to Redis, within its
// grace, as it waits for the sends they still record (docs/architecture.md, "Threads").
#include "fault_world.hpp"

#include "support/fault_proxy.hpp"
#include "support/redis_server.hpp"

#include <signal.h>

#include <sstream>

using namespace otpgate::test;
using namespace otpgate::test::fault_e2e;
using namespace std::chrono_literals;

TEST_CASE("a stop right after a create keeps its sent event", "[e2e][events][shutdown]") {
  RedisServer redis;
  FaultProxy proxy{redis.port()};
  FakeHttpServer gateway{gateway_e2e::twilio_accepts};
  OwnBrandWorld w{{{"tw", gateway_e2e::twilio_gateway(gateway)}},
                  {"tw"},
                  {{"OTPGATE_REDIS", "127.0.0.1:" + std::to_string(proxy.port())},
                   {"OTPGATE_REDIS_TIMEOUT_MS", "5000"},
                   {"OTPGATE_THREADS", "1"}}};
  REQUIRE(w.otpgate->wait_ready());
  // Every Redis call takes 400 ms: the create's events are still on their way when it answers.
  proxy.slow(400ms);
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  REQUIRE(w.otpgate->stop(SIGTERM));
  const auto exited = w.otpgate->wait_exit(15s);
  REQUIRE(exited.has_value());
  CHECK(*exited == 0);
  // Before: the stop dropped them ("event not recorded", cause shutdown).
  CHECK(w.log_lines("event not recorded").empty());
  const std::string stream =
      redis_cli(redis.port(), {"XRANGE", "otp:{brand:" + w.brand + "}:events", "-", "+"});
  std::istringstream lines(stream);
  int sent = 0;
  for (std::string line; std::getline(lines, line);)
    if (line == "sent") ++sent;
  CHECK(sent == 1);
}
