// Port: an SMS gateway instance (one per io thread and configured gateway) and the circuit
// breaker its sends share across threads. Production: src/gateways/ (the catalog builds the
// instances, gateways::SharedCircuit is the circuit); the application sees only this port.
#pragma once

#include "otpgate/core/delivery.hpp"
#include "otpgate/core/types.hpp"
#include "otpgate/ports/task.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace otpgate {

struct SmsMessage {
  std::string to;  // E.164
  std::string sender_id;
  Secret<std::string> text;  // holds the code
  std::string brand;
  std::string verification_id;
};

class SmsGateway {
 public:
  virtual ~SmsGateway() = default;
  virtual const std::string& name() const = 0;
  // One attempt to hand the message to the gateway, finished within `timeout`. Never throws;
  // every failure is a transient or permanent SendAttempt with a loggable reason.
  virtual task<SendAttempt> send(const SmsMessage& message, milliseconds timeout) = 0;
};

// A gateway's circuit breaker (core/delivery.hpp CircuitBreaker), shared by every io thread and
// every brand that uses the gateway: thread-safe.
class GatewayCircuit {
 public:
  virtual ~GatewayCircuit() = default;
  virtual Permit try_acquire(std::int64_t now_ms) = 0;
  // Reports the outcome of a send that try_acquire permitted.
  virtual void on_result(SendOutcome outcome, std::int64_t now_ms,
                         Permit permit = Permit::granted) = 0;
};

// The gateways' circuits by gateway name: a view of whatever holds them (in production the
// gateway catalog, gateways::GatewayCatalog: a map from name to a spec whose `circuit` points
// to one), without this header knowing its type. The holder must outlive the view.
class GatewayCircuits {
 public:
  template <class Map>
  GatewayCircuits(const Map& by_name)  // NOLINT: implicit, a catalog is passed as it is
      : find_([&by_name](std::string_view name) -> GatewayCircuit* {
          const auto it = by_name.find(name);
          return it == by_name.end() ? nullptr : it->second.circuit.get();
        }) {}
  // The named gateway's circuit, or nullptr when there is no such gateway.
  GatewayCircuit* find(std::string_view name) const { return find_(name); }

 private:
  std::function<GatewayCircuit*(std::string_view)> find_;
};

}  // namespace otpgate
