#include "otpgate/gateways/registry.hpp"

#include "file/file_gateway.hpp"
#include "log/log_gateway.hpp"

#include <stdexcept>

namespace otpgate::gateways {

const std::map<std::string, Factory>& factories() {
  // One line per adapter.
  static const std::map<std::string, Factory> all = {
      {"file", make_file_gateway},
      {"log", make_log_gateway},
  };
  return all;
}

std::map<std::string, std::unique_ptr<SmsGateway>> create(const std::vector<std::string>& names,
                                                          boost::asio::io_context& ioc,
                                                          const GatewaySettings& settings) {
  std::map<std::string, std::unique_ptr<SmsGateway>> out;
  for (const auto& name : names) {
    auto it = factories().find(name);
    if (it == factories().end()) throw std::invalid_argument("unknown SMS gateway: " + name);
    out.emplace(name, it->second(ioc, settings));
  }
  return out;
}

}  // namespace otpgate::gateways
