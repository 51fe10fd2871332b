// The CAMARA wire format otpgate speaks to an operator: SIM Swap 2.1.0 (POST /sim-swap/v2/check),
// KYC Match 0.4.0 (POST /kyc-match/v0.4/match) and the OAuth2 client-credentials token request
// (RFC 6749 §4.4). Pure functions of requests and answers: the adapter (camara_signals.hpp)
// performs the exchanges. One home for the mapping of an operator's answer to core/signals.hpp.
#pragma once

#include "otpgate/core/signals.hpp"
#include "otpgate/ports/http_client.hpp"
#include "otpgate/signals/operators.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace otpgate::signals {

// The request of one API call, without its Authorization header.
HttpRequest sim_swap_request(const OperatorConfig& op, const std::string& phone_e164,
                             int max_age_hours);
HttpRequest kyc_request(const OperatorConfig& op, const std::string& phone_e164,
                        const Customer& customer);
// The token request: HTTP Basic client authentication (RFC 6749 §2.3.1), grant_type and scope
// in the form body.
HttpRequest token_request(const OperatorConfig& op);

// What an API status says before the body is read: nullopt for 2xx; 401 and 403 unauthorized
// (the adapter fetches a fresh token once on a 401); other 4xx rejected; anything else
// operator_error.
std::optional<SignalFailure> failure_of_status(int status);

// A 2xx answer's body. A body the spec does not allow is operator_error.
SimSwapAnswer parse_sim_swap(const std::string& body);
// One result per customer field, in the customer's order; a field the operator left out is
// not_available.
KycAnswer parse_kyc(const std::string& body, const Customer& customer);

struct Token {
  std::string access_token;  // secret: never logged
  std::int64_t expires_in_ms = 0;
};
// A 2xx token answer: {"access_token", "token_type": "Bearer", "expires_in"} (RFC 6749 §5.1).
std::variant<Token, SignalFailure> parse_token(const std::string& body);

// What one call tells the operator's circuit breaker (core/delivery.hpp): an answer is
// accepted; timeouts, unreachable and 5xx (status) are transient, counted towards opening it;
// a rejection, a refused token or a malformed body come from a working operator: permanent.
SendOutcome circuit_outcome(std::optional<SignalFailure> failure, int status);

// The SHA-256 (hex) of the customer's fields in the order given, names and values
// length-prefixed: the cache key of a KYC answer, so the customer's data is never a key.
std::string customer_fingerprint(const Customer& customer);

}  // namespace otpgate::signals
