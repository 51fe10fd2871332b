// Port: a gateway's delivery-report webhook read as the vendor's protocol says (its signature
// checked, its status mapped). Production: gateways/report_reader.hpp over the gateway catalog.
#pragma once

#include "otpgate/core/delivery_status.hpp"
#include "otpgate/ports/http_client.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace otpgate {

// A webhook call as it reached POST (or GET) /v1/gateways/{gateway}/delivery-reports.
struct ReceivedReport {
  std::string host;    // the Host header ("" without one)
  std::string path;    // without the query
  std::string query;   // the raw query string, without '?'
  HttpFields headers;  // names lower-cased
  std::string body;
  std::int64_t now_ms = 0;  // for signature freshness checks
};

struct ReadReport {
  enum class kind {
    ok,               // signature valid; report read
    ignored,          // signature valid; nothing otpgate tracks (e.g. an inbound message)
    bad_signature,    // missing or wrong signature, or outside its validity window
    malformed,        // signature valid but the body cannot be read
    no_such_gateway,  // no configured gateway of that name takes reports
  } what = kind::malformed;
  std::string reference;   // our verification id, echoed by the vendor ("" if absent)
  std::string message_id;  // the vendor's id for the message ("" if absent)
  DeliveryStatus status = DeliveryStatus::accepted;  // never queued
};

class ReportReader {
 public:
  virtual ~ReportReader() = default;
  virtual ReadReport read(std::string_view gateway, const ReceivedReport& report) const = 0;
};

}  // namespace otpgate
