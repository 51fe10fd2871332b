// A fake mobile operator for tests, the bench and the demo: a real HTTP server (FakeHttpServer)
// serving the OAuth2 client-credentials token endpoint, CAMARA SIM Swap 2.1.0
// (POST /sim-swap/v2/check) and KYC Match 0.4.0 (POST /kyc-match/v0.4/match), answering from a
// table of test numbers, scriptable to fail, counting its calls and checking every request
// against the vendored specs (specs/camara, converted to JSON at build time).
//
// Every member function is safe from any thread while it serves.
#pragma once

#include "support/fake_http_server.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace otpgate::test {

class FakeOperator {
 public:
  enum class Endpoint { token, sim_swap, kyc };

  struct Options {
    std::string client_id = "otpgate";
    std::string client_secret = "operator-secret";
    std::chrono::seconds token_lifetime{3600};  // expires_in of the tokens it issues
  };

  // One subscriber's record field, as KYC Match compares it: equal (ASCII case-insensitive)
  // answers "true"; different "false", with `score` when the spec gives the field a score.
  struct KycValue {
    std::string value;
    int score = 50;
  };
  using KycRecord = std::map<std::string, KycValue>;  // by CAMARA name: "givenName"

  // How the next requests to an endpoint are answered instead of normally.
  struct Fault {
    int status = 0;     // e.g. 500, 401 (0: answer normally, after delay)
    bool hang = false;  // never answer
    std::chrono::milliseconds delay{0};
  };

  explicit FakeOperator(Options options);
  FakeOperator() : FakeOperator(Options{}) {}
  ~FakeOperator();
  FakeOperator(const FakeOperator&) = delete;
  FakeOperator& operator=(const FakeOperator&) = delete;

  std::string base_url() const;   // the APIs' root
  std::string token_url() const;  // base_url() + "/oauth2/token"
  unsigned short port() const;
  const Options& options() const { return options_; }

  // The table. A number it does not know answers 404 IDENTIFIER_NOT_FOUND.
  void set_sim_swap(const std::string& phone, std::optional<int> swapped_hours_ago);
  void set_kyc(const std::string& phone, KycRecord record);
  // Numbers not in the table are known from now on: never swapped, with this KYC record (the
  // benchmark's any-number operator).
  void answer_unknown_numbers(KycRecord record);
  // The numbers of docs/signals.md's demo table.
  void load_demo_table();

  // The next `times` requests to the endpoint get `fault` (times < 0: every one, until
  // clear_faults).
  void fail(Endpoint endpoint, Fault fault, int times = 1);
  void clear_faults();
  // Every request to the endpoint is answered after this long (the benchmark's latency).
  void set_delay(Endpoint endpoint, std::chrono::milliseconds delay);
  // Every token issued so far is refused from now on (401, as an expired token is).
  void expire_tokens();

  // Requests received per endpoint (faulted and refused ones included).
  std::size_t calls(Endpoint endpoint) const;
  // Problems of the requests received against the specs (empty: every request was valid), and
  // of requests to anything else.
  std::vector<std::string> request_problems() const;
  // The underlying server: every request received, the highest number answered at once.
  const FakeHttpServer& server() const { return *server_; }

 private:
  struct State;
  FakeReply handle(const RecordedRequest& r);
  // The normal answer (under the state's lock).
  FakeReply answer(Endpoint endpoint, const RecordedRequest& r);

  Options options_;
  std::unique_ptr<State> state_;
  std::unique_ptr<FakeHttpServer> server_;
};

}  // namespace otpgate::test
