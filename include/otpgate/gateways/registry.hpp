// The SMS gateway registry: each adapter folder under src/gateways/ registers one factory here
// (one line in registry.cpp). Instances are created per io thread.
#pragma once

#include "otpgate/app/ports.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace otpgate::gateways {

// Settings every adapter may read; parsed once at start-up from the environment.
struct GatewaySettings {
  std::string outbox_path = "var/sms-outbox.jsonl";  // file gateway
};

using Factory =
    std::function<std::unique_ptr<SmsGateway>(boost::asio::io_context&, const GatewaySettings&)>;

// name -> factory for every built-in adapter.
const std::map<std::string, Factory>& factories();

// Creates one instance of each named gateway (throws std::invalid_argument on an unknown name).
std::map<std::string, std::unique_ptr<SmsGateway>> create(const std::vector<std::string>& names,
                                                          boost::asio::io_context& ioc,
                                                          const GatewaySettings& settings);

}  // namespace otpgate::gateways
