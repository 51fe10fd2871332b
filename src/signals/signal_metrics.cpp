#include "otpgate/signals/signal_metrics.hpp"

#include "otpgate/metrics/otpgate_metrics.hpp"
#include "otpgate/metrics/registry.hpp"

namespace otpgate::signals {
namespace {

struct Families {
  metrics::Family<metrics::Counter>& calls;
  metrics::Family<metrics::Histogram>& duration;
};

Families& families() {
  // Operators come from the operators file: 3 apis x 8 results each; the capacity bounds a bug.
  static Families f{
      metrics::registry().counter("otpgate_signal_calls_total",
                                  "Calls to the operators' network APIs, by result",
                                  {"operator", "api", "result"}, 4096),
      metrics::registry().histogram("otpgate_signal_call_duration_seconds",
                                    "Duration of the calls to the operators' network APIs",
                                    {"operator", "api"}, metrics::latency_buckets(), 1024)};
  return f;
}

}  // namespace

std::string_view to_string(Api api) {
  switch (api) {
    case Api::sim_swap:
      return "sim_swap";
    case Api::kyc_match:
      return "kyc_match";
    case Api::token:
      return "token";
  }
  return "other";
}

void register_signal_metrics() {
  (void)families();
}

void record_call(std::string_view operator_id, Api api, std::optional<SignalFailure> failure,
                 double seconds) {
  Families& f = families();
  const std::string_view result = failure ? to_string(*failure) : std::string_view("ok");
  f.calls.labels({operator_id, to_string(api), result}).inc();
  if (failure != SignalFailure::circuit_open)
    f.duration.labels({operator_id, to_string(api)}).observe(seconds);
}

}  // namespace otpgate::signals
