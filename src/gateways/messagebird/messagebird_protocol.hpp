// MessageBird (Bird) SMS API as a VendorProtocol: "Send outbound SMS" (POST {base_url}/messages)
// and the status reports MessageBird sends to reportUrl, verified with the
// MessageBird-Signature-JWT header. Pure functions; see otpgate/gateways/protocol.hpp.
//
// gateways.json settings (docs/gateways.md):
//   access_key   required, secret: sent as "Authorization: AccessKey <key>"
//   signing_key  required, secret: the dashboard's signing key (not the access key); verifies
//                the JWT on status reports
//   base_url     optional, default "https://rest.messagebird.com"
//   report_url   optional: sent as reportUrl; without it MessageBird uses the account's default
#pragma once

#include "otpgate/gateways/protocol.hpp"

#include <memory>

namespace otpgate::gateways {

std::unique_ptr<VendorProtocol> make_messagebird_protocol(const GatewayDefinition& d,
                                                          const EnvLookup& env);

}  // namespace otpgate::gateways
