#include "otpgate/app/delivery_reports.hpp"

namespace otpgate {

task<Answer> DeliveryReports::receive(std::string_view gateway, const ReceivedReport& report) {
  const ReadReport read = reader_.read(gateway, report);
  using kind = ReadReport::kind;
  switch (read.what) {
    case kind::no_such_gateway:
      co_return Answer{.error = errc::not_found, .message = "No such gateway."};
    case kind::bad_signature:
      co_return Answer{.error = errc::unauthenticated,
                       .message = "The delivery report's signature is missing or not valid."};
    case kind::malformed:
      co_return Answer{.error = errc::invalid_argument,
                       .message = "The delivery report cannot be read.",
                       .field = "body"};
    case kind::ignored:
    case kind::ok:
      break;
  }
  const auto id = VerificationId::parse(read.reference);
  // Nothing we track, or a verification we never issued: acknowledged.
  if (read.what == kind::ignored || !id) co_return Answer{};
  const ReportUpdate update{
      .gateway = std::string(gateway), .message_id = read.message_id, .status = read.status};
  const errc e = co_await service_.apply_report(*id, update);
  co_return Answer{.error = e == errc::not_found ? errc::ok : e};
}

}  // namespace otpgate
