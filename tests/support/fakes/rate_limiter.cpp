#include "support/fakes/rate_limiter.hpp"

namespace otpgate::test {

bool FakeRateLimiter::failing(errc& e) {
  if (!fail_next) return false;
  e = *fail_next;
  fail_next.reset();
  return true;
}

std::string GcraBook::key(const RateSubject& subject, const Rate& rate) {
  // A probe budget is counted apart from the sends' (as the Redis limiter keys it).
  return std::string(to_string(subject.scope)) + (subject.probe ? "+probe" : "") + "|" +
         subject.brand + "|" + subject.id + "|" + std::to_string(rate.period_ms);
}

std::optional<std::int64_t> GcraBook::tat(const RateSubject& subject, const Rate& rate) const {
  const auto it = tats.find(key(subject, rate));
  if (it == tats.end()) return std::nullopt;
  return it->second;
}

std::optional<std::int64_t> GcraBook::take(const RateSubject& subject, std::int64_t now_ms) {
  std::vector<std::int64_t> next;
  for (const Rate& rate : subject.rates) {
    const GcraDecision d = gcra_admit(tat(subject, rate), now_ms, rate);
    if (!d.allowed) return d.retry_after_ms;
    next.push_back(d.new_tat_ms);
  }
  for (std::size_t i = 0; i < next.size(); ++i) tats[key(subject, subject.rates[i])] = next[i];
  return std::nullopt;
}

void GcraBook::refund(const RateSubject& subject, std::int64_t now_ms) {
  for (const Rate& rate : subject.rates) {
    const auto it = tats.find(key(subject, rate));
    if (it == tats.end()) continue;
    it->second -= rate.interval_ms();
    if (it->second <= now_ms) tats.erase(it);
  }
}

PumpingDecision FakeRateLimiter::watch(const SendAdmission& a, std::int64_t now_ms) {
  Watch& w = watches_[a.brand + "|" + std::to_string(a.prefix_digits)];
  if (w.since_ms == 0) w.since_ms = now_ms;
  const PumpingDecision d =
      pumping_admit(w.prefixes[a.prefix], w.all, w.since_ms, now_ms, a.policy);
  if (d.verdict != PumpingVerdict::blocked) {
    w.prefixes[a.prefix] = d.prefix;
    w.all = d.brand;
  }
  return d;
}

task<result<AdmissionVerdict>> FakeRateLimiter::admit_send(const SendAdmission& a,
                                                           std::int64_t now_ms) {
  admissions.push_back(a);
  errc e{};
  if (failing(e)) co_return make_error_code(e);
  if (next_admission) {
    const AdmissionVerdict v = *next_admission;
    next_admission.reset();
    co_return v;
  }
  // All or nothing: every subject is tried on a copy of the state first.
  const auto saved = book.tats;
  for (const RateSubject& s : a.subjects) {
    if (const auto denied = book.take(s, now_ms)) {
      book.tats = saved;
      co_return AdmissionVerdict{
          .what = AdmissionVerdict::kind::limited, .scope = s.scope, .retry_after_ms = *denied};
    }
  }
  if (a.pumping) {
    const PumpingDecision watched = watch(a, now_ms);
    if (watched.verdict != PumpingVerdict::allowed) {
      book.tats = saved;
      const auto what = watched.verdict == PumpingVerdict::tripped
                            ? AdmissionVerdict::kind::tripped
                            : AdmissionVerdict::kind::blocked;
      co_return AdmissionVerdict{.what = what, .retry_after_ms = watched.retry_after_ms};
    }
  }
  co_return AdmissionVerdict{};
}

}  // namespace otpgate::test
