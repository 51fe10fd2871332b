#include "otpgate/http/message.hpp"

#include <nlohmann/json.hpp>

namespace otpgate::http {

std::string error_body(unsigned status, std::string_view code, std::string_view message) {
  return nlohmann::json{{"status", status}, {"code", code}, {"message", message}}.dump();
}

}  // namespace otpgate::http
