// The RateLimiter port in memory, deciding by the core's rules: GCRA (core/rate_limit.hpp
// gcra_admit) per subject and rate, all or nothing, and the pumping watch
// (core/pumping.hpp pumping_admit). Single-threaded; every call completes without suspending.
#pragma once

#include "otpgate/ports/rate_limiter.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace otpgate::test {

// GCRA state by subject and rate: what Redis keeps under the rate-limit keys. One book is
// shared by the fake limiter and the fake store, as one Redis serves both (the create script
// takes the phone's token, a resend's admission the same one).
class GcraBook {
 public:
  // All of the subject's rates admit (and count), or none counts: the retry time of the first
  // that denied, or nullopt when admitted.
  std::optional<std::int64_t> take(const RateSubject& subject, std::int64_t now_ms);
  // Gives one interval back to each rate (gcra_refund).
  void refund(const RateSubject& subject, std::int64_t now_ms);
  // The TAT of one subject's rate (nullopt: no key).
  std::optional<std::int64_t> tat(const RateSubject& subject, const Rate& rate) const;

  std::map<std::string, std::int64_t> tats;

 private:
  static std::string key(const RateSubject& subject, const Rate& rate);
};

class FakeRateLimiter final : public RateLimiter {
 public:
  task<result<AdmissionVerdict>> admit_send(const SendAdmission& a, std::int64_t now_ms) override;

  GcraBook book;
  // What the limiter was asked, for assertions.
  std::vector<SendAdmission> admissions;
  // The next call answers this error and changes nothing.
  std::optional<errc> fail_next;
  // The next admit_send answers this verdict instead of deciding (a pumping trip, say).
  std::optional<AdmissionVerdict> next_admission;

 private:
  bool failing(errc& e);
  // Counts one send to the prefix (the state changes unless it is blocked).
  PumpingDecision watch(const SendAdmission& a, std::int64_t now_ms);

  struct Watch {
    std::int64_t since_ms = 0;
    std::map<std::string, Traffic> prefixes;
    Traffic all;
  };
  std::map<std::string, Watch> watches_;  // by brand|digits
};

}  // namespace otpgate::test
