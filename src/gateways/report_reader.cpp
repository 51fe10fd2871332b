#include "otpgate/gateways/report_reader.hpp"

namespace otpgate::gateways {
namespace {

// The URL as the vendor called it: vendors sign the public URL they were given (report_url),
// which a proxy in front of otpgate may rewrite; without one, what this request says.
InboundReport inbound_of(const ReceivedReport& received, const GatewaySpec& spec) {
  InboundReport in;
  in.query = received.query;
  const std::string& configured = spec.report_url;
  std::string base = configured.substr(0, configured.find('?'));
  if (base.empty()) base = "http://" + received.host + received.path;
  in.url = in.query.empty() ? base : base + "?" + in.query;
  in.headers = received.headers;
  in.body = received.body;
  in.now_ms = received.now_ms;
  return in;
}

ReadReport::kind kind_of(ReportResult::kind k) {
  switch (k) {
    case ReportResult::kind::ok:
      return ReadReport::kind::ok;
    case ReportResult::kind::ignored:
      return ReadReport::kind::ignored;
    case ReportResult::kind::bad_signature:
      return ReadReport::kind::bad_signature;
    case ReportResult::kind::malformed:
      break;
  }
  return ReadReport::kind::malformed;
}

}  // namespace

ReadReport CatalogReportReader::read(std::string_view gateway, const ReceivedReport& report) const {
  const auto spec = catalog_.find(gateway);
  if (spec == catalog_.end() || !spec->second.protocol)
    return ReadReport{.what = ReadReport::kind::no_such_gateway};
  const ReportResult parsed = spec->second.protocol->parse_report(inbound_of(report, spec->second));
  return ReadReport{.what = kind_of(parsed.what),
                    .reference = parsed.report.reference,
                    .message_id = parsed.report.message_id,
                    .status = parsed.report.status};
}

}  // namespace otpgate::gateways
