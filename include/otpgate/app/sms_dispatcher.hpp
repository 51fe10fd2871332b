// Gets one SMS out through a brand's gateways: the delivery rules of core/delivery.hpp (retries
// with jittered backoff, Retry-After, failover, the overall deadline) performed with this io
// thread's gateway instances and the process-wide circuit breakers.
#pragma once

#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/random.hpp"
#include "otpgate/ports/sms_gateway.hpp"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace otpgate {

struct DispatchResult {
  bool accepted = false;
  std::string gateway;     // the gateway that accepted, or the last one tried
  std::string message_id;  // accepted: the vendor's id
  int attempts = 0;        // HTTP exchanges made, all gateways together
};

class SmsDispatcher {
 public:
  // circuits: every gateway's circuit breaker by name (in production the gateway catalog,
  // wired in main).
  SmsDispatcher(std::map<std::string, std::unique_ptr<SmsGateway>>& gateways,
                GatewayCircuits circuits, const Clock& clock, Random& random)
      : gateways_(gateways), circuits_(std::move(circuits)), clock_(clock), random_(random) {}

  // Tries order[first], order[first + 1], ... until one accepts or the policy's deadline passes.
  // Gateways whose circuit is open are skipped. Logs each failed attempt (never the text).
  task<DispatchResult> send(const DeliveryPolicy& policy, const std::vector<std::string>& order,
                            std::size_t first, const SmsMessage& message);

 private:
  struct Progress;
  // All attempts at one gateway; true when it accepted.
  task<bool> try_gateway(const DeliveryPolicy& policy, const std::string& name,
                         const SmsMessage& message, Progress& progress);
  double jitter();

  std::map<std::string, std::unique_ptr<SmsGateway>>& gateways_;
  GatewayCircuits circuits_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace otpgate
