// A Redis connection to the run's shared Redis on its own io_context, connected before the
// test body runs (REQUIREd within 10 s) and stopped and drained afterwards. Integration
// fixtures derive from it and add the adapter they test.
#pragma once

#include "otpgate/redis/connection.hpp"
#include "support/redis_server.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>

namespace otpgate::test {

struct ConnectedRedis {
  boost::asio::io_context ioc;
  redis::Connection conn{ioc, config()};

  ConnectedRedis() {
    conn.start();
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!conn.connected() && std::chrono::steady_clock::now() < end)
      ioc.run_one_for(std::chrono::milliseconds(10));
    REQUIRE(conn.connected());
  }
  ~ConnectedRedis() {
    conn.stop();
    ioc.restart();
    ioc.run_for(std::chrono::seconds(1));
  }
  ConnectedRedis(const ConnectedRedis&) = delete;
  ConnectedRedis& operator=(const ConnectedRedis&) = delete;

  static redis::Config config() {
    redis::Config cfg;
    cfg.port = shared_redis_port();
    return cfg;
  }
};

}  // namespace otpgate::test
