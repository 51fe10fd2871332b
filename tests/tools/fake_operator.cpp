// otpgate-fake-operator: the test support's fake operator (CAMARA SIM Swap 2.1.0, KYC Match
// 0.4.0, an OAuth2 token endpoint) as a process, for scripts/bench and the OTPGATE_DEMO_SIGNALS
// demo of scripts/run. Serves the demo table of docs/signals.md ("The fake operator"), client id
// "otpgate-demo" and secret "demo-secret", tokens valid for an hour; answers the APIs after
// DELAY_MS milliseconds. Prints its port, then serves until SIGTERM or SIGINT.
// With "any", every number outside the table is known too: never swapped, KYC record Erika
// Mustermann (scripts/bench-signals).
//   usage: otpgate_fake_operator [DELAY_MS [any]]   (default 0)
#include "support/fake_operator.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

int main(int argc, char** argv) {
  using otpgate::test::FakeOperator;
  const long delay_ms = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 0;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  // Blocked before the server's thread starts, so only sigwait below sees them.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  FakeOperator fake(
      FakeOperator::Options{.client_id = "otpgate-demo", .client_secret = "demo-secret"});
  fake.load_demo_table();
  if (argc > 2 && std::string_view(argv[2]) == "any")
    fake.answer_unknown_numbers({{"givenName", {"Erika", 70}}, {"familyName", {"Mustermann", 80}}});
  fake.set_delay(FakeOperator::Endpoint::sim_swap, std::chrono::milliseconds(delay_ms));
  fake.set_delay(FakeOperator::Endpoint::kyc, std::chrono::milliseconds(delay_ms));
  std::printf("%u\n", static_cast<unsigned>(fake.port()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  const auto problems = fake.request_problems();
  std::fprintf(stderr,
               "fake operator: %zu token, %zu sim-swap, %zu kyc-match requests; %zu broke the "
               "specs\n",
               fake.calls(FakeOperator::Endpoint::token),
               fake.calls(FakeOperator::Endpoint::sim_swap),
               fake.calls(FakeOperator::Endpoint::kyc), problems.size());
  for (const auto& p : problems) std::fprintf(stderr, "  %s\n", p.c_str());
  return problems.empty() ? 0 : 1;
}
