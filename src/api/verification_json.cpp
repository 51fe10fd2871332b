#include "otpgate/api/router.hpp"
#include "otpgate/core/analytics_query.hpp"

#include <nlohmann/json.hpp>

#include <ctime>

namespace otpgate::api {

std::string rfc3339(std::int64_t ms) {
  return analytics::format_rfc3339(ms);
}

namespace {

// The metadata is opaque text (the validated object as the create stored it).
nlohmann::json object_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

}  // namespace

nlohmann::json verification_json(const VerificationRecord& r, std::int64_t now_ms) {
  const Status status = effective_status(r, now_ms);
  const auto next_resend = next_resend_ms(r, now_ms);
  nlohmann::json j = {
      {"id", r.id.str()},
      {"brand", r.brand},
      {"purpose", to_string(r.id.purpose())},
      {"status", to_string(status)},
      {"phone_number", r.phone.masked()},
      {"locale", r.locale},
      {"created_at", rfc3339(r.created_ms)},
      {"expires_at", rfc3339(r.expires_ms)},
      // The approval a client may never have heard of (its check's answer lost to a timeout):
      // GET shows when it happened.
      {"approved_at", status == Status::approved && r.finished_ms > 0
                          ? nlohmann::json(rfc3339(r.finished_ms))
                          : nlohmann::json(nullptr)},
      {"resend_available_at", next_resend ? nlohmann::json(rfc3339(*next_resend)) : nullptr},
      {"attempts_left", status == Status::pending ? attempts_left(r) : 0},
      {"sends_left", status == Status::pending ? sends_left(r) : 0},
      {"delivery",
       {{"status", to_string(r.delivery_status)},
        {"gateway", r.gateway},
        {"message_id",
         r.message_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.message_id)}}},
      {"order", r.order ? order_to_json(*r.order) : nlohmann::json(nullptr)},
      {"metadata", object_or_null(r.metadata_json)},
      {"signals", r.signals ? signals_to_json(*r.signals) : nlohmann::json(nullptr)},
  };
  return j;
}

}  // namespace otpgate::api
