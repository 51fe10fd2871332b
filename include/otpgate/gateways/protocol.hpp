// A vendor's SMS API as pure functions: the HTTP request that submits one SMS, the mapping of
// the vendor's answer onto accepted / transient / permanent, and the delivery-report webhook
// (signature check, then status). One implementation per folder under src/gateways/<vendor>/,
// registered by one line in src/gateways/registry.cpp. No I/O: HttpSmsGateway performs the
// requests with CurlMulti, the API edge feeds in the webhooks.
#pragma once

#include "otpgate/core/delivery.hpp"
#include "otpgate/core/delivery_status.hpp"
#include "otpgate/core/types.hpp"
#include "otpgate/gateways/http.hpp"
#include "otpgate/ports/sms_gateway.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace otpgate::gateways {

// What a delivery report says about a message: accepted, delivered, undelivered or failed
// (core/delivery_status.hpp; a report never says queued).
using otpgate::DeliveryStatus;

struct DeliveryReport {
  std::string reference;   // our verification id, echoed by the vendor ("" if absent)
  std::string message_id;  // the vendor's id for the message ("" if absent)
  DeliveryStatus status = DeliveryStatus::accepted;
  std::string reason;  // the vendor's error code or status word, for logs and events
};

// A webhook call as it reached POST /v1/gateways/{gateway}/delivery-reports.
struct InboundReport {
  // The URL the vendor called, as the vendor saw it: the gateway's configured report_url with
  // this request's query string (vendors sign the public URL, which a proxy may rewrite).
  std::string url;
  std::string query;  // the raw query string, without '?'
  Fields headers;     // names lower-cased
  std::string body;
  std::int64_t now_ms = 0;  // for signature freshness checks
};

struct ReportResult {
  enum class kind {
    ok,             // signature valid; report parsed
    ignored,        // signature valid; nothing otpgate tracks (e.g. an inbound message)
    bad_signature,  // missing or wrong signature, or outside its validity window: 401
    malformed,      // signature valid but the body cannot be read: 400
  } what = kind::malformed;
  DeliveryReport report;
};

// Reads "${NAME}" references from the environment (injected for tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// A gateway as configured in gateways.json (docs/gateways.md): the instance name brands refer
// to, the vendor type, and the vendor-specific settings. Common keys (type, connect_timeout_ms,
// circuit) are removed before a protocol sees the settings.
struct GatewayDefinition {
  std::string name;
  std::string type;
  nlohmann::json settings;  // an object
};

class VendorProtocol {
 public:
  virtual ~VendorProtocol() = default;
  // The request that submits m, exactly as the vendor documents it (method, URL, auth, body).
  // m.verification_id goes into the vendor's client-reference field and, when report_url is
  // set, into the per-message callback URL so reports can be matched without a lookup.
  virtual HttpRequest build_send(const SmsMessage& m) const = 0;
  // The vendor's answer: accepted with its message id, or transient / permanent with a reason.
  virtual SendAttempt parse_send(const HttpResponse& r, std::int64_t now_ms) const = 0;
  // Verifies the webhook's signature in constant time, then reads it.
  virtual ReportResult parse_report(const InboundReport& r) const = 0;
};

// Builds a protocol from its definition. Throws std::invalid_argument("/field: reason") for a
// missing, unknown or invalid setting, or an unset ${NAME}.
using ProtocolFactory =
    std::function<std::unique_ptr<VendorProtocol>(const GatewayDefinition&, const EnvLookup&)>;

// Helpers for protocol factories (src/gateways/protocol.cpp).
// A required string setting; "${NAME}" is resolved with env.
Secret<std::string> required_secret(const GatewayDefinition& d, const std::string& key,
                                    const EnvLookup& env);
std::string required_string(const GatewayDefinition& d, const std::string& key,
                            const EnvLookup& env);
std::string optional_string(const GatewayDefinition& d, const std::string& key,
                            const std::string& fallback, const EnvLookup& env);
// Throws "/gateways/<name>/<key>: must be an http(s) URL" unless url starts with http(s)://.
void require_http_url(const GatewayDefinition& d, const std::string& key, const std::string& url);
// The optional "base_url" setting (fallback: the vendor's), an http(s) URL without trailing '/'.
std::string base_url_setting(const GatewayDefinition& d, const std::string& fallback,
                             const EnvLookup& env);
// The first value of that field, or "".
std::string first_of(const Fields& fields, std::string_view key);
bool all_digits(std::string_view s);
// A vendor word made safe for a log line or SendAttempt::reason: only [A-Za-z0-9_.-], at most
// 48 characters, so a hostile or chatty answer cannot inject log lines or smuggle text.
std::string log_token(std::string_view s);
// A JSON POST with an Authorization header (MessageBird, Sinch). Invalid UTF-8 in the text is
// replaced, never a reason to throw.
HttpRequest json_post(std::string url, std::string authorization, const nlohmann::json& body);
// For a 2xx answer whose JSON carries the message's "id": accepted with it; a 2xx without one is
// transient ("http 201 without <what>"): whether the SMS left is unknown, a retry sends the same
// code. nullopt for any other status.
std::optional<SendAttempt> accepted_with_id(const HttpResponse& r, const nlohmann::json& body,
                                            std::string_view what);
// j[key] when j is an object and that member is a string, else "".
std::string string_member(const nlohmann::json& j, const char* key);
// Throws for any key of the settings not in allowed.
void refuse_unknown_settings(const GatewayDefinition& d,
                             std::initializer_list<const char*> allowed);
// The first header of that name (names in InboundReport are lower-cased), or "".
std::string header_of(const Fields& headers, std::string_view lower_name);
// Maps an HTTP status with no more specific vendor information: 2xx accepted is not decided here;
// 408, 425, 429, 5xx are transient (with Retry-After), other 4xx permanent.
SendAttempt classify_http_failure(const HttpResponse& r, std::int64_t now_ms);

}  // namespace otpgate::gateways
