// Parsing and validation of request bodies into commands: every rule that decides a 400, in one
// place, without I/O. Unknown fields are rejected.
#pragma once

#include "otpgate/core/psd2.hpp"
#include "otpgate/core/signals.hpp"
#include "otpgate/core/template_lint.hpp"
#include "otpgate/core/types.hpp"
#include "otpgate/http/message.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>

namespace otpgate::api {

struct CreateRequest {
  std::string phone_number;
  std::string locale;
  std::string brand;  // only with "*" keys
  std::string client_ip;
  std::optional<Order> order;  // the validated order, if the body had one
  nlohmann::json metadata;     // null or a validated object
  Purpose purpose = Purpose::checkout;
  std::string reason;  // support_call: why (required), for the audit log
  // The checkout's customer for KYC Match, validated field by field; never logged or stored.
  std::optional<Customer> customer;
};

struct CheckRequest {
  std::string code;  // 4–10 letters or digits
  // The optional "order" the code is checked against (PSD2 dynamic linking): each field as sent,
  // "" when absent. "order.id" is allowed (a shop may send the order it created with) and
  // ignored; the currency may be in either case (it is compared in upper case).
  OrderTerms order;
};

// Either the parsed value or the 4xx response to send.
template <class T>
using Parsed = std::variant<T, http::Response>;

// Checks Content-Type (415) and parses a JSON object body (400 naming the problem). An empty
// body is allowed only when allow_empty (then an empty object results).
Parsed<nlohmann::json> parse_json_object(const http::Request& req, bool allow_empty);

Parsed<CreateRequest> parse_create(const nlohmann::json& body);

// A support action's "reason" in body: 1 to 500 characters on one line, or a 400 saying it is
// required and `why` (e.g. "why the number is unlocked").
Parsed<std::string> parse_reason(const nlohmann::json& body, std::string_view why);
Parsed<CheckRequest> parse_check(const nlohmann::json& body);
// An order object as a create accepts it ({id, amount, currency, payee}, each optional): the
// typed order, or the 400 naming the field at fault.
Parsed<Order> validate_order(const nlohmann::json& order);
// Bodies of resend and cancel: empty or {}.
std::optional<http::Response> reject_fields(const nlohmann::json& body);

// The template requests of brand managers (src/api/brand_api.cpp).
// Idempotency-Key of a template change or a support unlock ("" when absent):
// valid_idempotency_key's syntax, the same 400 as the verification routes'.
Parsed<std::string> parse_idempotency_key(const http::Request& req);
// The Idempotency-Key header as sent (nullopt: absent; its syntax is the service's to judge),
// or the 400 when it was sent more than once.
Parsed<std::optional<std::string>> idempotency_header(const http::Request& req);
// If-Match: * (nullopt inside) or one strong ETag "N"; a weak one is version -1 (never matches).
// Sent twice: 400.
Parsed<std::optional<std::int64_t>> parse_if_match(const http::Request& req);
// A PUT's text: {"text": "..."} or the raw body when it is text/plain.
Parsed<std::string> parse_text(const http::Request& req);
struct PreviewRequest {
  std::optional<std::string> text;  // nullopt: the text in effect
  SampleOrder order;
};
Parsed<PreviewRequest> parse_preview(const http::Request& req);

}  // namespace otpgate::api
