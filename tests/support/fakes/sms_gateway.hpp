// The SmsGateway port and its circuit breakers, in memory: a gateway answers each send with the
// next scripted attempt (the last one repeats) at once, and records what it was asked to send;
// the circuits are the core's CircuitBreaker (core/delivery.hpp) as the gateway catalog holds
// them, by name.
#pragma once

#include "otpgate/ports/sms_gateway.hpp"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate::test {

inline SendAttempt accepted(std::string message_id = "m-1") {
  return {.outcome = SendOutcome::accepted, .message_id = std::move(message_id)};
}
inline SendAttempt transient(std::string reason = "http 503") {
  return {.outcome = SendOutcome::transient, .reason = std::move(reason)};
}
inline SendAttempt permanent(std::string reason = "http 400") {
  return {.outcome = SendOutcome::permanent, .reason = std::move(reason)};
}

class ScriptedGateway final : public SmsGateway {
 public:
  ScriptedGateway(std::string name, std::deque<SendAttempt> script)
      : name_(std::move(name)), script_(std::move(script)) {}
  const std::string& name() const override { return name_; }

  task<SendAttempt> send(const SmsMessage& message, milliseconds timeout) override {
    sent.push_back(message);
    timeouts.push_back(timeout);
    const SendAttempt a = script_.front();
    if (script_.size() > 1) script_.pop_front();
    co_return a;
  }

  std::vector<SmsMessage> sent;  // every attempt's message
  std::vector<milliseconds> timeouts;

 private:
  std::string name_;
  std::deque<SendAttempt> script_;
};

// The core's circuit breaker behind the port (single-threaded: no lock).
class FakeCircuit final : public GatewayCircuit {
 public:
  explicit FakeCircuit(CircuitPolicy p = {}) : breaker(p) {}
  Permit try_acquire(std::int64_t now_ms) override { return breaker.try_acquire(now_ms); }
  void on_result(SendOutcome outcome, std::int64_t now_ms, Permit permit) override {
    results.push_back(outcome);
    breaker.on_result(outcome, now_ms, permit);
  }
  CircuitBreaker breaker;
  std::vector<SendOutcome> results;
};

// Gateways by name, with their circuits, as SmsDispatcher takes them.
struct FakeGateways {
  struct Spec {
    std::shared_ptr<FakeCircuit> circuit;
  };
  std::map<std::string, std::unique_ptr<SmsGateway>> instances;
  std::map<std::string, Spec, std::less<>> circuits;

  // Adds a gateway answering with `script`; the returned reference stays valid.
  ScriptedGateway& add(const std::string& name, std::deque<SendAttempt> script,
                       CircuitPolicy policy = {}) {
    auto gw = std::make_unique<ScriptedGateway>(name, std::move(script));
    ScriptedGateway& ref = *gw;
    instances[name] = std::move(gw);
    circuits[name] = Spec{std::make_shared<FakeCircuit>(policy)};
    return ref;
  }
  ScriptedGateway& operator[](const std::string& name) {
    return static_cast<ScriptedGateway&>(*instances.at(name));
  }
  FakeCircuit& circuit(const std::string& name) { return *circuits.at(name).circuit; }
};

}  // namespace otpgate::test
