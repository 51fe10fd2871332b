#include "http_gateway.hpp"

#include <chrono>

namespace otpgate::gateways {
namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

class HttpSmsGateway final : public SmsGateway {
 public:
  HttpSmsGateway(const GatewaySpec& spec, CurlMulti& http) : spec_(spec), http_(http) {}

  const std::string& name() const override { return spec_.name; }

  task<SendAttempt> send(const SmsMessage& m, milliseconds timeout) override {
    const HttpRequest request = spec_.protocol->build_send(m);
    const HttpTimeouts timeouts{.total = timeout,
                                .connect = std::min(timeout, spec_.connect_timeout)};
    auto response = co_await http_.perform(request, timeouts);
    if (!response) co_return failed_exchange(to_errc(response.error()));
    co_return spec_.protocol->parse_send(response.value(), wall_ms());
  }

 private:
  // No answer at all: worth a retry (the SMS may or may not have been taken; a duplicate
  // carries the same code, a missing one loses the sale).
  static SendAttempt failed_exchange(errc e) {
    const char* reason = e == errc::gateway_timeout       ? "timeout"
                         : e == errc::gateway_unreachable ? "unreachable"
                                                          : "http client error";
    return SendAttempt{.outcome = SendOutcome::transient, .reason = reason};
  }

  const GatewaySpec& spec_;
  CurlMulti& http_;
};

}  // namespace

std::unique_ptr<SmsGateway> make_http_gateway(const GatewaySpec& spec, CurlMulti& http) {
  return std::make_unique<HttpSmsGateway>(spec, http);
}

}  // namespace otpgate::gateways
