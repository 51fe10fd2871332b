// The HTTP edge of otpgate: matches a request against the route table (api/route_table.hpp),
// authenticates its key and checks its roles and brand there, then hands it to the route's
// handler, which parses it into a command, calls one service and renders the answer.
#pragma once

#include "otpgate/api/brand_api.hpp"
#include "otpgate/api/route_table.hpp"
#include "otpgate/api/stats_api.hpp"
#include "otpgate/app/delivery_reports.hpp"
#include "otpgate/app/verification_requests.hpp"
#include "otpgate/console/console_files.hpp"
#include "otpgate/http/message.hpp"
#include "otpgate/ports/key_directory.hpp"

#include <functional>

namespace otpgate::metrics {
class Registry;
}

namespace otpgate::api {

struct ApiContext {
  const KeyDirectory& keys;
  VerificationRequests& verifications;  // /v1/verifications...
  DeliveryReports& reports;             // /v1/gateways/{gateway}/delivery-reports
  // GET /readyz: true when the whole process can serve (every io thread's Redis connection).
  std::function<bool()> ready;
  const Clock& clock;
  BrandApi& brand_api;            // /v1/brands/{brand}/...
  StatsApi& stats_api;            // /v1/stats, /v1/brands/{brand}/stats and .../alerts
  const BrandRegistry& brands;    // GET /v1/brands
  const console::Files& console;  // /console/...: shared by every thread, immutable
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
  // POST (or GET) /v1/gateways/{gateway}/delivery-reports: authenticated by the vendor's
  // signature, not an API key (src/api/delivery_reports.cpp).
  task<http::Response> delivery_report(http::Request& req, std::string_view gateway);

  ApiContext ctx_;
};

// Milliseconds since the epoch as "2026-11-22T13:27:55.123Z".
std::string rfc3339(std::int64_t ms);

// The verification as returned to callers: masked phone, never the code or its MAC; JSON text.
std::string verification_json_text(const VerificationRecord& r, std::int64_t now_ms);
// Adds it to an error's body (an object from error_response) as its "verification" member.
void append_verification(std::string& error_body, std::string_view verification);

}  // namespace otpgate::api
