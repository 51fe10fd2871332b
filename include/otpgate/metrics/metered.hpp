// Decorators that count into otpgate's metrics and forward to the port they wrap, so the services
// and adapters stay unaware of metrics (wired in src/main.cpp).
#pragma once

#include "otpgate/gateways/registry.hpp"
#include "otpgate/metrics/otpgate_metrics.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/event_sink.hpp"
#include "otpgate/ports/sms_gateway.hpp"

#include <map>
#include <memory>
#include <string>

namespace otpgate::metrics {

// Counts every event (verifications started and ended, segments by encoding, refusals, pumping
// blocks, ...) and then publishes it to the wrapped sink.
class MeteredEventSink final : public EventSink {
 public:
  MeteredEventSink(EventSink& inner, OtpgateMetrics& m) : inner_(inner), m_(m) {}
  void publish(const Event& e) override;

 private:
  EventSink& inner_;
  OtpgateMetrics& m_;
};

// Times every attempt at the wrapped gateway and counts it by outcome.
class MeteredGateway final : public SmsGateway {
 public:
  MeteredGateway(std::unique_ptr<SmsGateway> inner, OtpgateMetrics& m)
      : inner_(std::move(inner)), m_(m) {}
  const std::string& name() const override { return inner_->name(); }
  task<SendAttempt> send(const SmsMessage& message, milliseconds timeout) override;

 private:
  std::unique_ptr<SmsGateway> inner_;
  OtpgateMetrics& m_;
};

// Wraps every gateway of a thread's map in a MeteredGateway.
std::map<std::string, std::unique_ptr<SmsGateway>> metered(
    std::map<std::string, std::unique_ptr<SmsGateway>> gateways, OtpgateMetrics& m);

// otpgate_gateway_circuit_state{gateway}: 0 closed, 1 half-open, 2 open, read from the shared
// circuit breakers at each scrape. Keep the handle no longer than `catalog` and `clock`.
[[nodiscard]] Registration export_circuit_states(Registry& r,
                                                 const gateways::GatewayCatalog& catalog,
                                                 const Clock& clock);

}  // namespace otpgate::metrics
