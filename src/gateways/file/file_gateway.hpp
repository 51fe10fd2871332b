// Dev gateway: appends each SMS as one JSON line to a file (the "outbox"), so a developer or a
// test can read the code. Never use in production: the file holds codes.
#pragma once

#include "otpgate/gateways/registry.hpp"

namespace otpgate::gateways {

std::unique_ptr<SmsGateway> make_file_gateway(const GatewaySettings& settings);

}  // namespace otpgate::gateways
