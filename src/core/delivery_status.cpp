#include "otpgate/core/delivery_status.hpp"

#include <array>

namespace otpgate {
namespace {

constexpr std::array<std::string_view, 5> names = {"queued", "accepted", "delivered", "undelivered",
                                                   "failed"};

}  // namespace

std::string_view to_string(DeliveryStatus s) {
  return names[static_cast<std::size_t>(s)];
}

std::optional<DeliveryStatus> delivery_status_from_string(std::string_view s) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return static_cast<DeliveryStatus>(i);
  return std::nullopt;
}

}  // namespace otpgate
