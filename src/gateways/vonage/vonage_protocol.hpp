// Vonage (Nexmo) legacy SMS API as a VendorProtocol: POST {base_url}/sms/json with a form body
// authenticated by api_key + api_secret, and delivery receipts (DLRs) verified as Vonage "signed
// webhooks" (the `sig` parameter over the sorted parameters, keyed by the signature secret).
//
// Settings (gateways.json, values may be "${ENV_NAME}"):
//   api_key           required
//   api_secret        required, secret
//   signature_secret  required, secret: unsigned receipts are refused
//   signature_method  "md5hash", "md5", "sha1", "sha256" or "sha512" (default "sha256"); must
//                     match the method chosen in the Vonage dashboard (whose default is md5hash)
//   base_url          default "https://rest.nexmo.com"
//   report_url        optional; sent as the per-message `callback`
#pragma once

#include "otpgate/gateways/protocol.hpp"

#include <memory>

namespace otpgate::gateways {

// Throws std::invalid_argument("/gateways/<name>/<field>: reason") for a missing, unknown or
// invalid setting, or an unset ${NAME}. Messages never contain a setting's value.
std::unique_ptr<VendorProtocol> make_vonage_protocol(const GatewayDefinition& d,
                                                     const EnvLookup& env);

}  // namespace otpgate::gateways
