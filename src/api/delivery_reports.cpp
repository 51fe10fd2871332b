// Delivery reports from SMS gateways. The vendor's signature is the authentication (no API key);
// the report names our verification through the reference the send put into it.
#include "otpgate/api/errors.hpp"
#include "otpgate/api/router.hpp"
#include "otpgate/util/log.hpp"

namespace otpgate::api {
namespace {

http::Response no_content() {
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

// The URL as the vendor called it: vendors sign the public URL they were given (report_url),
// which a proxy in front of otpgate may rewrite; without one, what this request says.
gateways::InboundReport inbound_of(const http::Request& req, const gateways::GatewaySpec& spec,
                                   std::int64_t now_ms) {
  gateways::InboundReport in;
  const auto q = req.target.find('?');
  in.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  const std::string& configured = spec.report_url;
  std::string base = configured.substr(0, configured.find('?'));
  if (base.empty()) base = "http://" + std::string(req.header("host").value_or("")) + req.path;
  in.url = in.query.empty() ? base : base + "?" + in.query;
  in.headers = req.headers;
  in.body = req.body;
  in.now_ms = now_ms;
  return in;
}

}  // namespace

task<http::Response> Router::delivery_report(http::Request& req, std::string_view gateway) {
  const auto spec = ctx_.gateways.find(gateway);
  if (spec == ctx_.gateways.end() || !spec->second.protocol)
    co_return error_response(errc::not_found, "No such gateway.");
  const auto in = inbound_of(req, spec->second, ctx_.clock.now_ms());
  const auto parsed = spec->second.protocol->parse_report(in);
  using kind = gateways::ReportResult::kind;
  if (parsed.what == kind::bad_signature)
    co_return error_response(errc::unauthenticated,
                             "The delivery report's signature is missing or not valid.");
  if (parsed.what == kind::malformed)
    co_return invalid_argument("body", "The delivery report cannot be read.");
  const auto id = VerificationId::parse(parsed.report.reference);
  // Nothing we track, or a verification we never issued: acknowledged, so the vendor does not
  // retry it for days.
  if (parsed.what == kind::ignored || !id) co_return no_content();
  const ReportUpdate update{.gateway = std::string(gateway),
                            .message_id = parsed.report.message_id,
                            .status = std::string(gateways::to_string(parsed.report.status))};
  const errc e = co_await ctx_.service.apply_report(*id, update);
  if (e != errc::ok && e != errc::not_found) co_return error_response(e);
  co_return no_content();
}

}  // namespace otpgate::api
