// A gateway described entirely by its settings, for private or unlisted SMS APIs: one HTTP
// request per SMS built from templates, success decided by status code, and optional signed
// JSON delivery reports. Pure functions; see otpgate/gateways/protocol.hpp.
//
// gateways.json settings (docs/gateways.md); "${NAME}" anywhere in url, header values, body
// values and report.secret is replaced by the environment variable NAME (unset: start-up error):
//   url                 required, literal (no placeholders), http:// or https://
//   method              "POST" (default), "PUT" or "GET" (GET sends the body fields as the query)
//   headers             object of name -> value, e.g. {"Authorization": "Bearer ${ACME_TOKEN}"}
//   body_format         "json" (default) or "form" (application/x-www-form-urlencoded)
//   body                required object of field -> template string; placeholders are exactly
//                       {{to}} (E.164), {{text}}, {{sender}}, {{reference}} (the verification
//                       id); {{to}} and {{text}} must appear. Values are flat strings.
//   success_status      array of 2xx codes, default [200, 201, 202]; others go through
//                       classify_http_failure (429/5xx transient, other 4xx permanent)
//   message_id_pointer  JSON pointer into a success response, e.g. "/messages/0/id"; when it
//                       finds nothing the SMS still counts as accepted, with an empty id
//   report              optional object; without it every report is refused (401):
//     signature_header  default "X-Signature": hex(HMAC-SHA256(secret, raw body)), with or
//                       without a "sha256=" prefix
//     secret            required
//     status_pointer    required; statuses maps the vendor's values (strings or integers) to
//     statuses          "accepted", "delivered", "undelivered" or "failed"; others are ignored
//     reference_pointer, message_id_pointer  at least one
//   report_url          optional, for the API edge (not sent: put it in the body literally)
#pragma once

#include "otpgate/gateways/protocol.hpp"

#include <memory>

namespace otpgate::gateways {

std::unique_ptr<VendorProtocol> make_generic_protocol(const GatewayDefinition& d,
                                                      const EnvLookup& env);

}  // namespace otpgate::gateways
