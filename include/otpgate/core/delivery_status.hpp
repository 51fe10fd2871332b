// Where the last SMS of a verification stands, as otpgate and the gateways' delivery reports
// know it. One enum for the verification record, the reports the gateways read and the store's
// report update; its names are the strings of the Redis record ('dst', which the Lua scripts
// compare), the API's delivery.status and the subscriber view.
#pragma once

#include <optional>
#include <string_view>

namespace otpgate {

// queued: no gateway answered yet (a create before its send is recorded); accepted: a gateway
// took the SMS (or a report says it is on its way); delivered / undelivered: a delivery report
// said so; failed: no gateway took it, or a report said it failed. A gateway's report never says
// queued (a vendor's "queued" is accepted: the vendor has it).
enum class DeliveryStatus { queued, accepted, delivered, undelivered, failed };

// "queued", "accepted", "delivered", "undelivered", "failed".
std::string_view to_string(DeliveryStatus s);
// The status of one of those names; nullopt for any other string.
std::optional<DeliveryStatus> delivery_status_from_string(std::string_view s);

}  // namespace otpgate
