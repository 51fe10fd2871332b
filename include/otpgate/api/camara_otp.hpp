// CAMARA one-time-password-sms 1.1.1 (specs/camara/one-time-password-sms, docs/camara.md):
// POST /one-time-password-sms/v1/send-code and /validate-code on the verification engine, as
// the brand of the shop key that calls. Parses the spec's bodies, calls VerificationRequests,
// and maps its answers to the spec's statuses and codes in one table (src/api/camara_otp.cpp).
// Bodies follow the spec's ErrorInfo: {status, code, message}, nothing else.
#pragma once

#include "otpgate/api/route_table.hpp"
#include "otpgate/app/verification_requests.hpp"
#include "otpgate/core/api_keys.hpp"
#include "otpgate/http/message.hpp"

#include <optional>

namespace otpgate::api {

// The x-correlator rule of the spec for a request on a CAMARA route: a value of its
// XCorrelator pattern is echoed as sent (req.correlator); any other is refused with 400
// INVALID_ARGUMENT (answered under a fresh correlator, since echoing it would break the
// pattern). Absent or empty: the server's own, as on every route.
std::optional<http::Response> adopt_camara_correlator(http::Request& req);

// Serves Handler::camara_send_code or Handler::camara_validate_code for an authenticated key
// the route table admitted (role shop, a key of one brand).
task<http::Response> serve_camara_otp(Handler handler, http::Request& req, const ApiKey& key,
                                      VerificationRequests& verifications);

}  // namespace otpgate::api
