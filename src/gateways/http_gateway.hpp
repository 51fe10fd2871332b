// An SmsGateway that speaks a vendor's HTTP API: the protocol builds and reads the exchange,
// CurlMulti performs it on this io thread's loop.
#pragma once

#include "otpgate/gateways/curl_multi.hpp"
#include "otpgate/gateways/registry.hpp"

namespace otpgate::gateways {

std::unique_ptr<SmsGateway> make_http_gateway(const GatewaySpec& spec, CurlMulti& http);

}  // namespace otpgate::gateways
