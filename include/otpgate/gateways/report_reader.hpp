// The ReportReader port over the gateway catalog: the named gateway's vendor protocol checks the
// webhook's signature against the public URL the vendor was given, then reads it.
#pragma once

#include "otpgate/gateways/registry.hpp"
#include "otpgate/ports/report_reader.hpp"

namespace otpgate::gateways {

class CatalogReportReader final : public ReportReader {
 public:
  explicit CatalogReportReader(const GatewayCatalog& catalog) : catalog_(catalog) {}
  ReadReport read(std::string_view gateway, const ReceivedReport& report) const override;

 private:
  const GatewayCatalog& catalog_;
};

}  // namespace otpgate::gateways
