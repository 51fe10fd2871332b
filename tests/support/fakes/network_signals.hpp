// A scripted NetworkSignals (ports/network_signals.hpp): answers every query with what the test
// set for each signal, and records the queries it was asked (the customer's data included: the
// tests check what was passed on).
#pragma once

#include "otpgate/ports/network_signals.hpp"

#include <vector>

namespace otpgate::test {

class FakeNetworkSignals final : public NetworkSignals {
 public:
  SimSwapAnswer sim_swap;  // the answer to every SIM swap question
  KycAnswer kyc;           // the answer to every KYC question (fields as the test lists them)
  std::vector<SignalQuery> asked;

  task<SignalAnswers> query(const SignalQuery& q) override {
    asked.push_back(q);
    SignalAnswers a;
    if (q.sim_swap) a.sim_swap = sim_swap;
    if (q.kyc) a.kyc = kyc;
    co_return a;
  }
};

}  // namespace otpgate::test
