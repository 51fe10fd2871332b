// A private redis-server for tests, on a free loopback port, with persistence off.
#pragma once

#include <string>
#include <vector>

namespace otpgate::test {

class RedisServer {
 public:
  // Starts redis-server on a free 127.0.0.1 port and waits until it answers PING.
  RedisServer();
  // Kills the server (SIGKILL if SIGTERM does not end it quickly).
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  unsigned short port() const { return port_; }
  // Stops the server; the port stays reserved for start().
  void stop();
  // Starts it again on the same port (after stop()) and waits for PING.
  void start();
  bool running() const { return pid_ > 0; }
  // The server's process id (-1 when stopped).
  int pid() const { return pid_; }
  // SIGSTOP: the server keeps its data and connections but answers nothing (commands sent
  // meanwhile wait in its sockets and run after resume()). SIGCONT resumes it.
  void pause() const;
  void resume() const;
  // Runs redis-cli against this server and returns its trimmed stdout.
  std::string cli(const std::vector<std::string>& args) const;

 private:
  unsigned short port_ = 0;
  int pid_ = -1;
};

// The Redis a test run shares: the one scripts/test started (OTPGATE_TEST_REDIS_PORT), or else
// one started on first use for this test process.
unsigned short shared_redis_port();

// Runs redis-cli against 127.0.0.1:port and returns trimmed stdout.
std::string redis_cli(unsigned short port, const std::vector<std::string>& args);

}  // namespace otpgate::test
