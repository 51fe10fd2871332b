// POST (or GET) /v1/gateways/{gateway}/delivery-reports: the vendor's signature is the
// authentication (app/delivery_reports.hpp); a report that is acknowledged answers 204.
#include "otpgate/api/errors.hpp"
#include "otpgate/api/router.hpp"

namespace otpgate::api {

task<http::Response> Router::delivery_report(http::Request& req, std::string_view gateway) {
  const auto q = req.target.find('?');
  const ReceivedReport report{.host = std::string(req.header("host").value_or("")),
                              .path = req.path,
                              .query = q == std::string::npos ? "" : req.target.substr(q + 1),
                              .headers = req.headers,
                              .body = req.body,
                              .now_ms = ctx_.clock.now_ms()};
  const Answer a = co_await ctx_.reports.receive(gateway, report);
  if (a.error != errc::ok) co_return render(a, 204);
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  co_return r;
}

}  // namespace otpgate::api
