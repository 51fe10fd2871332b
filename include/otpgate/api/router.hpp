// The HTTP edge of otpgate: matches a request against the route table (api/route_table.hpp),
// authenticates its key and checks its roles and brand there, then hands it to the route's
// handler, which parses it into a command, calls one service and renders the answer.
#pragma once

#include "otpgate/api/brand_api.hpp"
#include "otpgate/api/route_table.hpp"
#include "otpgate/api/stats_api.hpp"
#include "otpgate/app/verification_service.hpp"
#include "otpgate/core/api_keys.hpp"
#include "otpgate/gateways/registry.hpp"
#include "otpgate/http/message.hpp"
#include "otpgate/store/redis/audit_log.hpp"

namespace otpgate::metrics {
class Registry;
}

namespace otpgate::api {

struct ApiContext {
  const ApiKeyRegistry& keys;
  const BrandRegistry& brands;
  VerificationService& service;
  const Clock& clock;
  const gateways::GatewayCatalog& gateways;
  BrandApi& brand_api;  // /v1/brands/{brand}/...
  StatsApi& stats_api;  // /v1/stats, /v1/brands/{brand}/stats and .../alerts
  AuditLog& audit;      // support keys' actions on verifications
  // GET /metrics on this listener; null when OTPGATE_METRICS_LISTEN serves it elsewhere.
  const metrics::Registry* metrics = nullptr;
};

class Router {
 public:
  explicit Router(ApiContext ctx) : ctx_(ctx) {}
  // Never throws; every failure becomes an error response.
  task<http::Response> handle(http::Request& req);

 private:
  task<http::Response> admit(http::Request& req, const RouteMatch& m);
  task<http::Response> serve_open(http::Request& req, const RouteMatch& m);
  task<http::Response> serve(http::Request& req, const RouteMatch& m, const ApiKey& key);
  task<http::Response> create(http::Request& req, const ApiKey& key);
  // GET (action "") or check, resend, cancel of one verification.
  task<http::Response> on_verification(http::Request& req, const ApiKey& key, std::string_view id,
                                       std::string_view action);
  http::Response render(const Answer& a, unsigned success_status) const;
  // A support key's action on a verification, written to the brand's audit log with its
  // outcome once it is known (see docs/api.md "Support calls"). Never fails the request.
  struct SupportAction {
    std::string action;  // "support_call.start", "verification.check", ...
    std::string brand;   // "" when unknown (a "*" key refused before a record was read)
    std::string target;  // the masked phone, when known
    std::string verification;
    std::string reason;
  };
  task<void> audit_action(const ApiKey& key, const SupportAction& what, const Answer& a);
  // The same for an action on a verification by id ("check", "resend", "cancel").
  task<void> audit_verification(const ApiKey& key, const VerificationId& id,
                                const std::string& verb, const Answer& a);
  // POST (or GET) /v1/gateways/{gateway}/delivery-reports: authenticated by the vendor's
  // signature, not an API key (src/api/delivery_reports.cpp).
  task<http::Response> delivery_report(http::Request& req, std::string_view gateway);

  ApiContext ctx_;
};

// Milliseconds since the epoch as "2026-11-22T13:27:55.123Z".
std::string rfc3339(std::int64_t ms);

// The verification as returned to callers: masked phone, never the code or its MAC.
nlohmann::json verification_json(const VerificationRecord& r, std::int64_t now_ms);

}  // namespace otpgate::api
