// The operator calls' metrics (docs/signals.md#metrics), in the process-wide registry:
//   otpgate_signal_calls_total{operator, api, result}
//   otpgate_signal_call_duration_seconds{operator, api} (histogram)
//   otpgate_signal_circuit_state{operator}: 0 closed, 1 half-open, 2 open (at each scrape)
// Labels are bounded: operator ids come from the operators file, api and result are enums.
#pragma once

#include "otpgate/core/signals.hpp"

#include <optional>
#include <string_view>

namespace otpgate::signals {

enum class Api { sim_swap, kyc_match, token };
std::string_view to_string(Api api);

// Registers the families (their series appear once counted); safe to call more than once.
void register_signal_metrics();

// One call: failure nullopt is "ok"; seconds is its duration (not observed for circuit_open).
void record_call(std::string_view operator_id, Api api, std::optional<SignalFailure> failure,
                 double seconds);

}  // namespace otpgate::signals
