// Dev gateway: prints each SMS (with its code) to stdout. Never use in production.
#pragma once

#include "otpgate/gateways/registry.hpp"

namespace otpgate::gateways {

std::unique_ptr<SmsGateway> make_log_gateway();

}  // namespace otpgate::gateways
