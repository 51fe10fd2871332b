// The SMS gateway catalog. Vendors are protocols (one folder each under src/gateways/, one line
// in registry.cpp); gateways.json names configured instances of them ("twilio-eu", type
// "twilio"), and brands list those names in failover order. The local "file" and "log" gateways
// need no configuration. The catalog is built once at start-up; SmsGateway instances are made
// per io thread from it.
#pragma once

#include "otpgate/core/delivery.hpp"
#include "otpgate/gateways/protocol.hpp"
#include "otpgate/ports/sms_gateway.hpp"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace otpgate::gateways {

class CurlMulti;

// Settings of the local gateways; parsed once at start-up from the environment.
struct GatewaySettings {
  std::string outbox_path = "var/sms-outbox.jsonl";  // file gateway
};

// A gateway's circuit breaker, shared by every io thread and every brand that uses the gateway
// (the GatewayCircuit port: a mutex around core/delivery.hpp's CircuitBreaker).
class SharedCircuit final : public GatewayCircuit {
 public:
  explicit SharedCircuit(CircuitPolicy p) : breaker_(p) {}
  Permit try_acquire(std::int64_t now_ms) override;
  void on_result(SendOutcome outcome, std::int64_t now_ms,
                 Permit permit = Permit::granted) override;
  CircuitBreaker::State state(std::int64_t now_ms) const;

 private:
  mutable std::mutex mutex_;
  CircuitBreaker breaker_;
};

// One configured gateway; immutable after start-up except for its circuit's state.
struct GatewaySpec {
  std::string name;
  std::string type;                                // file, log, or a protocol_factories() key
  std::shared_ptr<const VendorProtocol> protocol;  // null for file and log
  milliseconds connect_timeout{1'000};
  std::string report_url;  // the public URL of this gateway's delivery-report endpoint, or ""
  std::unique_ptr<SharedCircuit> circuit;
};

using GatewayCatalog = std::map<std::string, GatewaySpec, std::less<>>;

// type -> factory for every HTTP vendor protocol.
const std::map<std::string, ProtocolFactory>& protocol_factories();

// "file" and "log", plus every entry of a gateways.json document ({"gateways": {name: {...}}},
// see docs/gateways.md; null for none). Throws std::invalid_argument("/gateways/<name>/<field>:
// reason") for anything invalid, including a ${NAME} that env cannot resolve.
GatewayCatalog build_catalog(const nlohmann::json& doc, const EnvLookup& env);

// This io thread's instances of the named catalog gateways (all names must be in the catalog).
std::map<std::string, std::unique_ptr<SmsGateway>> create(const std::vector<std::string>& names,
                                                          const GatewayCatalog& catalog,
                                                          CurlMulti& http,
                                                          const GatewaySettings& settings);

// The real environment, for EnvLookup.
std::optional<std::string> process_env(const std::string& name);

}  // namespace otpgate::gateways
