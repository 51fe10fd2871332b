// The NetworkSignals port over the operators' CAMARA APIs (docs/signals.md): SIM Swap and KYC
// Match over the io thread's HttpClient (gateways::CurlMulti), with OAuth2 client-credentials
// tokens, a deadline per query, a circuit breaker per operator and a short cache of answers.
//
// One CamaraSignals per io thread; the operators' state (token, circuit, answers) is one
// SignalsShared per process, shared by all of them (every member is thread-safe).
#pragma once

#include "otpgate/gateways/registry.hpp"
#include "otpgate/metrics/registry.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/http_client.hpp"
#include "otpgate/ports/network_signals.hpp"
#include "otpgate/signals/operators.hpp"
#include "otpgate/signals/result_cache.hpp"
#include "otpgate/signals/signal_metrics.hpp"
#include "otpgate/signals/token_cache.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace otpgate::signals {

// One operator's process-wide state.
struct OperatorState {
  OperatorState(const OperatorConfig& c, const Clock& clock)
      : config(c), tokens(config, clock), circuit(config.circuit) {}
  const OperatorConfig config;
  TokenCache tokens;
  gateways::SharedCircuit circuit;  // core/delivery.hpp's CircuitBreaker under a mutex
  ResultCache results;
};

class SignalsShared {
 public:
  SignalsShared(const OperatorCatalog& operators, const Clock& clock);
  // nullptr when the operators file has no such operator.
  OperatorState* find(std::string_view id) const;
  // otpgate_signal_circuit_state{operator} (signal_metrics.hpp), read at each scrape. Keep the
  // handle no longer than this object.
  [[nodiscard]] metrics::Registration export_circuit_states(metrics::Registry& r) const;
  const Clock& clock() const { return clock_; }

 private:
  const Clock& clock_;
  std::map<std::string, std::unique_ptr<OperatorState>, std::less<>> operators_;
};

class CamaraSignals final : public NetworkSignals {
 public:
  // http: the io thread's client; shared and clock outlive this object.
  CamaraSignals(HttpClient& http, SignalsShared& shared) : http_(http), shared_(shared) {}
  task<SignalAnswers> query(const SignalQuery& q) override;

  using Deadline = std::chrono::steady_clock::time_point;
  // One exchange's outcome: a failure, or the operator's 2xx answer.
  struct Exchange {
    std::optional<SignalFailure> failure;
    int status = 0;
    HttpResponse response;
  };

 private:
  struct Join;
  task<void> run_sim_swap(std::shared_ptr<Join> join, std::string phone, SignalQuery::SimSwap ask);
  task<void> run_kyc(std::shared_ptr<Join> join, std::string phone, SignalQuery::Kyc ask);
  task<SimSwapAnswer> sim_swap(OperatorState& op, const std::string& phone, int max_age);
  task<KycAnswer> kyc(OperatorState& op, const std::string& phone, const Customer& customer);
  // Reads a 2xx body into the caller's answer; its failure when the body breaks the spec.
  using Parse = std::function<std::optional<SignalFailure>(const std::string& body)>;
  // Through the circuit, with a token and the one retry after a 401; metered and logged.
  task<Exchange> call(OperatorState& op, Api api, const std::string& phone, HttpRequest request,
                      const Parse& parse);
  task<Exchange> authorized(OperatorState& op, const HttpRequest& request, Deadline deadline);
  task<Exchange> send(const HttpRequest& request, const std::string& token, Deadline deadline);

  HttpClient& http_;
  SignalsShared& shared_;
};

}  // namespace otpgate::signals
