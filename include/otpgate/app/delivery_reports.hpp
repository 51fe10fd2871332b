// Delivery reports from SMS gateways. The vendor's signature is the authentication (no API key);
// the report names our verification through the reference the send put into it.
#pragma once

#include "otpgate/app/verification_service.hpp"
#include "otpgate/ports/report_reader.hpp"

#include <string_view>

namespace otpgate {

class DeliveryReports {
 public:
  DeliveryReports(const ReportReader& reader, VerificationService& service)
      : reader_(reader), service_(service) {}

  // ok: acknowledged (applied, or nothing we track, which the vendor must not retry for days);
  // not_found for an unknown gateway, unauthenticated for a bad signature, invalid_argument
  // (field "body") for an unreadable report, or the store's error.
  task<Answer> receive(std::string_view gateway, const ReceivedReport& report);

 private:
  const ReportReader& reader_;
  VerificationService& service_;
};

}  // namespace otpgate
