// otpgate-fake-gateway: a fake SMS gateway for scripts/bench (the test support's FakeHttpServer
// as a process). Answers every request with 202 {"id":"bench-N"} after DELAY_MS milliseconds,
// all requests concurrently. Prints its port, then serves until SIGTERM or SIGINT.
//   usage: otpgate_fake_gateway [DELAY_MS]   (default 200)
#include "support/fake_http_server.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  const long delay_ms = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 200;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  // Blocked before the server's thread starts, so only sigwait below sees them.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::atomic<unsigned long> sent{0};
  otpgate::test::FakeHttpServer server([&](const otpgate::test::RecordedRequest&) {
    otpgate::test::FakeReply r;
    r.status = 202;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = "{\"id\":\"bench-" + std::to_string(++sent) + "\"}";
    r.delay = std::chrono::milliseconds(delay_ms);
    return r;
  });
  std::printf("%u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  std::fprintf(stderr, "fake gateway: %lu messages accepted\n", sent.load());
  return 0;
}
