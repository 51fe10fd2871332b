#include "otpgate/core/events.hpp"

#include <array>

namespace otpgate {

std::string_view to_string(EventType t) {
  static constexpr std::array<std::string_view, 19> names = {
      "created",       "sent",      "resent",         "send_failed",   "checked_right",
      "checked_wrong", "approved",  "failed",         "expired",       "cancelled",
      "locked",        "delivered", "undelivered",    "rate_limited",  "prefix_blocked",
      "refused",       "unlocked",  "anomaly_opened", "anomaly_closed"};
  return names[static_cast<std::size_t>(t)];
}

std::vector<std::pair<std::string, std::string>> event_fields(const Event& e) {
  std::vector<std::pair<std::string, std::string>> f = {
      {"type", std::string(to_string(e.type))},
      {"brand", e.brand},
      {"verification_id", e.verification_id},
      {"phone", e.phone_masked},
      {"country", e.country},
      {"at", std::to_string(e.at_ms)},
  };
  if (!e.gateway.empty()) f.emplace_back("gateway", e.gateway);
  if (e.attempt > 0) f.emplace_back("attempt", std::to_string(e.attempt));
  if (e.send > 0) f.emplace_back("send", std::to_string(e.send));
  if (!e.locale.empty()) f.emplace_back("locale", e.locale);
  if (!e.metadata_json.empty()) f.emplace_back("metadata", e.metadata_json);
  if (!e.limit.empty()) f.emplace_back("limit", e.limit);
  if (!e.prefix.empty()) f.emplace_back("prefix", e.prefix);
  if (!e.purpose.empty()) f.emplace_back("purpose", e.purpose);
  if (e.started_ms > 0) f.emplace_back("started", std::to_string(e.started_ms));
  if (e.segments > 0) f.emplace_back("segments", std::to_string(e.segments));
  if (!e.encoding.empty()) f.emplace_back("encoding", e.encoding);
  if (!e.reason.empty()) f.emplace_back("reason", e.reason);
  if (e.latency_ms >= 0) f.emplace_back("latency_ms", std::to_string(e.latency_ms));
  if (!e.sim_swap.empty()) f.emplace_back("sim_swap", e.sim_swap);
  if (!e.kyc.empty()) f.emplace_back("kyc", e.kyc);
  if (e.flagged) f.emplace_back("flagged", "1");
  return f;
}

}  // namespace otpgate
