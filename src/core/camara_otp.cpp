#include "otpgate/core/camara_otp.hpp"

#include "otpgate/core/utf8.hpp"

namespace otpgate::camara {
namespace {

constexpr std::string_view checkout_prefix = "vf_";

}  // namespace

std::string authentication_id(const VerificationId& id) {
  const std::string& s = id.str();
  return s.starts_with(checkout_prefix) ? s.substr(checkout_prefix.size()) : std::string();
}

std::optional<VerificationId> verification_of(std::string_view authentication_id) {
  if (authentication_id.size() != authentication_id_max) return std::nullopt;
  return VerificationId::parse(std::string(checkout_prefix) + std::string(authentication_id));
}

std::optional<std::string> message_problem(std::string_view utf8) {
  if (utf8_code_points(utf8) > message_max_chars)
    return "Property 'message' must have at most 160 characters.";
  if (utf8.find("{{code}}") == std::string_view::npos)
    return "Property 'message' must contain the label {{code}} where the code goes.";
  return std::nullopt;
}

bool correlator_valid(std::string_view value) {
  if (value.size() > correlator_max) return false;
  for (char c : value) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("-_:;./<>{}").find(c) == std::string_view::npos) return false;
  }
  return true;
}

SupersedeDecision decide_supersede(const std::optional<SupersedeState>& latest,
                                   const SupersedeState& newer) {
  if (!latest) return {};
  if (latest->created_ms > newer.created_ms)
    return SupersedeDecision{.newer_becomes_latest = false, .retire = Superseded::newer};
  return SupersedeDecision{.newer_becomes_latest = true, .retire = Superseded::latest};
}

std::optional<std::int64_t> retired_expiry(const SupersedeState& v, std::int64_t now_ms) {
  if (v.status != Status::pending || v.expires_ms <= now_ms) return std::nullopt;
  return now_ms;
}

}  // namespace otpgate::camara
