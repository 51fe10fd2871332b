// Twilio Programmable Messaging as a VendorProtocol: "Create a Message" (POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic AccountSid:AuthToken, form body) and
// the status callback webhook signed with X-Twilio-Signature (HMAC-SHA1 keyed by the auth token).
//
// Settings (gateways.json, values may be "${ENV_NAME}"):
//   account_sid            required
//   auth_token             required, secret
//   base_url               default "https://api.twilio.com"
//   messaging_service_sid  optional; when set, sent as MessagingServiceSid instead of From
//   report_url             optional; StatusCallback = report_url + "?ref=" + verification id
#pragma once

#include "otpgate/gateways/protocol.hpp"

#include <memory>

namespace otpgate::gateways {

// Throws std::invalid_argument("/gateways/<name>/<field>: reason") for a missing, unknown or
// invalid setting, or an unset ${NAME}. Messages never contain a setting's value.
std::unique_ptr<VendorProtocol> make_twilio_protocol(const GatewayDefinition& d,
                                                     const EnvLookup& env);

}  // namespace otpgate::gateways
