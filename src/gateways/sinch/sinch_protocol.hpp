// Sinch SMS REST API as a VendorProtocol: "Send a batch"
// (POST {base_url}/xms/v1/{service_plan_id}/batches) and the recipient delivery reports Sinch
// posts to callback_url, verified with the x-sinch-webhook-signature HMAC headers. Pure
// functions; see otpgate/gateways/protocol.hpp.
//
// gateways.json settings (docs/gateways.md):
//   service_plan_id  required
//   api_token        required, secret: sent as "Authorization: Bearer <token>"
//   webhook_secret   required, secret: the service plan's callback HMAC secret (ask Sinch to
//                    enable HMAC callbacks); unsigned reports are refused
//   base_url         optional, default "https://us.sms.api.sinch.com"; a service plan lives in
//                    one region: eu., au., br. or ca.sms.api.sinch.com for the others
//   report_url       optional: sent as callback_url with per-recipient delivery reports; without
//                    it no delivery report is requested
#pragma once

#include "otpgate/gateways/protocol.hpp"

#include <memory>

namespace otpgate::gateways {

std::unique_ptr<VendorProtocol> make_sinch_protocol(const GatewayDefinition& d,
                                                    const EnvLookup& env);

}  // namespace otpgate::gateways
