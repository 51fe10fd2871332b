// Port: the operator's network signals (core/signals.hpp), asked before a create's code is sent.
// Production: signals/camara_signals.hpp, CAMARA SIM Swap and KYC Match over the io thread's
// libcurl multi handle, with OAuth2 client-credentials tokens, a per-call deadline, a circuit
// breaker per operator and a short per-phone cache (docs/signals.md).
#pragma once

#include "otpgate/core/signals.hpp"
#include "otpgate/ports/task.hpp"

namespace otpgate {

class NetworkSignals {
 public:
  virtual ~NetworkSignals() = default;
  // Asks for every signal the query names, the calls overlapping, and answers within the
  // operators' call deadlines. Never fails as a whole: each answer the query asked for is set,
  // with its failure when the operator gave none. The customer's data is sent to the operator
  // and nowhere else (no log line, no metric label, no cache key).
  virtual task<SignalAnswers> query(const SignalQuery& q) = 0;
};

}  // namespace otpgate
