// The VerificationStore port in memory, deciding by the core's rules (core/verification.hpp
// apply_check / apply_resend / apply_cancel, core/phone_lock.hpp, core/rate_limit.hpp
// gcra_admit): a second executable reading of what the Lua scripts of src/store/redis/lua do
// (create, undo_create, check, resend, undo_resend, cancel, delivery, report, expire,
// send_deadline) and the create's note in the index of unsent first sends, without Redis.
// Single-threaded; every call completes without suspending.
#pragma once

#include "otpgate/core/phone_lock.hpp"
#include "support/fakes/rate_limiter.hpp"
#include "otpgate/ports/verification_store.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace otpgate::test {

class FakeVerificationStore final : public VerificationStore {
 public:
  // rates: the GCRA state the phone's limits count in (shared with the fake limiter).
  explicit FakeVerificationStore(GcraBook& rates) : rates_(rates) {}

  task<result<CreateOutcome>> create(const NewVerification& v, std::int64_t now_ms) override;
  task<result<bool>> undo_create(const NewVerification& v, std::int64_t now_ms) override;
  task<result<std::optional<VerificationRecord>>> get(const VerificationId& id) override;
  task<result<CheckOutcome>> check(const VerificationId& id, const std::string& brand,
                                   const std::string& mac, const std::string& bound_mac,
                                   std::int64_t now_ms, const RetryEntry& retry = {}) override;
  task<result<ResendOutcome>> resend(const VerificationId& id, const std::string& brand,
                                     const std::vector<Rate>& phone_rates, std::int64_t now_ms,
                                     const RetryEntry& retry = {},
                                     const SendHold& hold = {}) override;
  task<result<bool>> undo_resend(const VerificationId& id, const ResendOutcome& claimed,
                                 const std::vector<Rate>& phone_rates) override;
  task<result<bool>> settle_resend(const VerificationId& id, const RetryEntry& retry,
                                   const std::string& holder) override;
  task<result<bool>> release_create_claim(const NewVerification& v, std::int64_t now_ms) override;
  task<result<bool>> release_resend_claim(const VerificationId& id, const RetryEntry& retry,
                                          const std::string& holder, std::int64_t now_ms) override;
  task<result<CancelOutcome>> cancel(const VerificationId& id, const std::string& brand,
                                     std::int64_t now_ms, const RetryEntry& retry = {}) override;
  task<result<VerificationRecord>> record_delivery(const VerificationId& id,
                                                   const std::string& brand,
                                                   const DeliveryUpdate& update,
                                                   std::int64_t now_ms) override;
  task<result<ReportOutcome>> apply_report(const VerificationId& id, const ReportUpdate& report,
                                           std::int64_t now_ms) override;
  task<result<bool>> mark_expired(const VerificationId& id, std::int64_t now_ms) override;
  task<result<std::vector<VerificationId>>> overdue_first_sends(std::int64_t now_ms,
                                                                std::size_t limit) override;
  task<result<bool>> forget_first_send(const VerificationId& id) override;
  task<result<std::optional<VerificationRecord>>> end_overdue_send(const VerificationId& id,
                                                                   std::int64_t now_ms) override;
  // decide_supersede (core/camara_otp.hpp) on the records (verification_store_camara.cpp).
  task<result<camara::Superseded>> supersede_camara(const VerificationRecord& newer,
                                                    std::int64_t now_ms) override;
  task<result<bool>> idempotency_known(const NewVerification& v) override {
    co_return idempotency.count(v.idempotency_key) > 0;
  }
  bool ready() const override { return ready_; }

  // What the store holds, for assertions.
  struct Idempotency {
    std::string fingerprint;
    std::string id;
    std::int64_t at_ms = 0;
    bool done = false;
  };
  std::map<std::string, VerificationRecord> records;  // by id
  std::map<std::string, Idempotency> idempotency;     // by the key's MAC
  std::map<std::string, PhoneLockState> locks;        // by phone tag
  // The outcomes recorded under an action's Idempotency-Key (check, resend, cancel).
  struct Retry {
    std::string fingerprint;
    std::variant<CheckOutcome, ResendOutcome, CancelOutcome> outcome;
    // A resend's claim not settled yet: who holds it, until when (resend.lua's sk and due).
    std::string holder;
    std::int64_t due_ms = 0;
  };
  std::map<std::string, Retry> retries;  // by the key's MAC
  // Until when the current claim on each record's first send runs (the record's sd), and who
  // holds it (sk: the claiming request's draft id), by id.
  std::map<std::string, std::int64_t> send_due;
  std::map<std::string, std::string> send_holder;
  // The index of creates whose first send may be left unsent: id -> deadline (create notes
  // every create before it runs).
  std::map<std::string, std::int64_t> unsent;
  // The newest CAMARA verification id of each phone tag (supersede_camara).
  std::map<std::string, std::string> camara_latest;

  // Operations ("create", "record_delivery", ...) that answer this error, once each, and
  // change nothing.
  std::map<std::string, errc> fail_next;
  // Operations that do their work and then answer store_timeout, once each: a reply lost to a
  // timeout after Redis ran the script.
  std::set<std::string> lose_reply_next;
  // Release calls (release_create_claim, release_resend_claim) that answer store_unavailable
  // before one succeeds: a Redis still away while the request gives its claim back.
  int release_failures = 0;
  bool ready_ = true;
  int calls = 0;  // every operation called, failed ones included
  // Called with the operation's name as each one starts (a Redis that is slow to answer: a
  // test advances its clock here).
  std::function<void(const std::string&)> on_call;

 private:
  // The record of id when the caller's brand ("*": any) owns it, else nullptr.
  VerificationRecord* owned(const VerificationId& id, const std::string& brand);
  // Consumes fail_next[op]: true when this call must fail with it.
  bool failing(const std::string& op, errc& e);
  // Consumes lose_reply_next[op]: true when this call's answer is lost.
  bool losing(const std::string& op);
  // The replay-or-claim answer to a retry that found the key's record r (core/first_send.hpp).
  CreateOutcome retry_outcome(VerificationRecord& r, const NewVerification& v, std::int64_t now_ms);
  // A retry of a resend whose claim is unsettled (resend.lua): wait, or take it over.
  ResendOutcome take_over(Retry& claim, VerificationRecord& r, const RetryEntry& retry,
                          const SendHold& hold, std::int64_t now_ms);
  static RateSubject phone_subject(const NewVerification& v);
  // judge_retry (core/idempotency.hpp) on retry's entry: nullopt to perform the action, else
  // the recorded outcome (replayed) or idempotency_conflict.
  template <class Outcome>
  std::optional<result<Outcome>> replay(const RetryEntry& retry) const;
  // Records o under retry's key (none: nothing) and returns it.
  template <class Outcome>
  Outcome record(const RetryEntry& retry, Outcome o);

  GcraBook& rates_;
};

}  // namespace otpgate::test
