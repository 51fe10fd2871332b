#include "otpgate/metrics/metered.hpp"

#include <chrono>

namespace otpgate::metrics {

void MeteredEventSink::publish(const Event& e) {
  m_.count_event(e);
  inner_.publish(e);
}

task<SendAttempt> MeteredGateway::send(const SmsMessage& message, milliseconds timeout) {
  const auto started = std::chrono::steady_clock::now();
  SendAttempt a = co_await inner_->send(message, timeout);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  const std::string_view outcome = a.outcome == SendOutcome::accepted    ? "accepted"
                                   : a.outcome == SendOutcome::permanent ? "permanent"
                                                                         : "transient";
  m_.observe_gateway_attempt(inner_->name(), outcome, took.count());
  co_return a;
}

std::map<std::string, std::unique_ptr<SmsGateway>> metered(
    std::map<std::string, std::unique_ptr<SmsGateway>> gateways, OtpgateMetrics& m) {
  for (auto& [name, gw] : gateways) gw = std::make_unique<MeteredGateway>(std::move(gw), m);
  return gateways;
}

Registration export_circuit_states(Registry& r, const gateways::GatewayCatalog& catalog,
                                   const Clock& clock) {
  return r.collected_gauge("otpgate_gateway_circuit_state",
                           "State of the gateway's circuit breaker: 0 closed, 1 half-open, 2 open.",
                           {"gateway"}, [&catalog, &clock] {
                             std::vector<Sample> out;
                             const std::int64_t now = clock.now_ms();
                             for (const auto& [name, spec] : catalog) {
                               if (!spec.circuit) continue;
                               const auto state = spec.circuit->state(now);
                               const double v = state == CircuitBreaker::State::closed      ? 0
                                                : state == CircuitBreaker::State::half_open ? 1
                                                                                            : 2;
                               out.push_back(Sample{{name}, v});
                             }
                             return out;
                           });
}

}  // namespace otpgate::metrics
