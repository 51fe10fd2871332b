#include "support/fakes/verification_store.hpp"

#include "otpgate/core/first_send.hpp"
#include "otpgate/core/idempotency.hpp"
#include "otpgate/core/verification_delivery.hpp"

#include "otpgate/core/rate_limit.hpp"

#include <algorithm>

namespace otpgate::test {
namespace {

// The lock policy a check reads from the record (the store keeps no brand).
LockPolicy lock_policy_of(const VerificationRecord& r) {
  return LockPolicy{.max_failed_checks = r.lock_max_failed,
                    .window = milliseconds(r.lock_window_ms),
                    .duration = milliseconds(r.lock_ms),
                    .max_duration = milliseconds(r.lock_max_ms)};
}

std::int64_t lock_left(const PhoneLockState& s, std::int64_t now_ms) {
  return phone_locked(s, now_ms) ? s.locked_until_ms - now_ms : 0;
}

}  // namespace

bool FakeVerificationStore::failing(const std::string& op, errc& e) {
  ++calls;
  if (on_call) on_call(op);
  const auto it = fail_next.find(op);
  if (it == fail_next.end()) return false;
  e = it->second;
  fail_next.erase(it);
  return true;
}

bool FakeVerificationStore::losing(const std::string& op) {
  return lose_reply_next.erase(op) == 1;
}

CreateOutcome FakeVerificationStore::retry_outcome(VerificationRecord& r, const NewVerification& v,
                                                   std::int64_t now_ms) {
  std::int64_t& due = send_due[r.id.str()];
  switch (claim_first_send(r, due, now_ms, v.in_flight_ms)) {
    case FirstSendVerdict::in_flight:
      return CreateOutcome{.what = CreateOutcome::kind::in_flight};
    case FirstSendVerdict::claimed:
      send_holder[r.id.str()] = v.record.id.str();
      return CreateOutcome{.what = CreateOutcome::kind::claimed, .record = r};
    case FirstSendVerdict::failed:
      return CreateOutcome{
          .what = CreateOutcome::kind::replayed, .record = r, .send_failed_now = true};
    case FirstSendVerdict::settled:
      break;
  }
  return CreateOutcome{.what = CreateOutcome::kind::replayed, .record = r};
}

RateSubject FakeVerificationStore::phone_subject(const NewVerification& v) {
  return RateSubject{
      .scope = LimitScope::phone, .brand = v.record.brand, .id = v.tag, .rates = v.phone_rates};
}

VerificationRecord* FakeVerificationStore::owned(const VerificationId& id,
                                                 const std::string& brand) {
  const auto it = records.find(id.str());
  if (it == records.end() || (brand != "*" && it->second.brand != brand)) return nullptr;
  return &it->second;
}

task<result<CreateOutcome>> FakeVerificationStore::create(const NewVerification& v,
                                                          std::int64_t now_ms) {
  errc e{};
  if (failing("create", e)) co_return make_error_code(e);
  // Noted before the create runs.
  unsent[v.record.id.str()] = send_deadline_ms(now_ms + v.in_flight_ms);
  const bool lost = losing("create");
  if (!v.request_fingerprint.empty()) {
    const auto prior = idempotency.find(v.idempotency_key);
    const auto r = prior == idempotency.end() ? records.end() : records.find(prior->second.id);
    // Only a first request whose record is gone (taken back) leaves its key to a new create.
    if (prior != idempotency.end() && (r != records.end() || prior->second.done)) {
      if (prior->second.fingerprint != v.request_fingerprint)
        co_return CreateOutcome{.what = CreateOutcome::kind::idempotency_conflict};
      if (r == records.end()) co_return CreateOutcome{.what = CreateOutcome::kind::replayed};
      CreateOutcome out = retry_outcome(r->second, v, now_ms);
      if (out.what == CreateOutcome::kind::claimed) prior->second.at_ms = now_ms;
      if (lost) co_return make_error_code(errc::store_timeout);
      co_return out;
    }
  }
  if (const std::int64_t left = lock_left(locks[v.tag], now_ms); left > 0)
    co_return CreateOutcome{.what = CreateOutcome::kind::blocked, .retry_after_ms = left};
  // The phone's rates: all of them admit, or none counts (gcra_verdict, then gcra_commit).
  if (const auto denied = rates_.take(phone_subject(v), now_ms))
    co_return CreateOutcome{.what = CreateOutcome::kind::limited, .retry_after_ms = *denied};
  if (!v.request_fingerprint.empty())
    idempotency[v.idempotency_key] =
        Idempotency{.fingerprint = v.request_fingerprint, .id = v.record.id.str(), .at_ms = now_ms};
  records[v.record.id.str()] = v.record;
  send_due[v.record.id.str()] = now_ms + v.in_flight_ms;
  send_holder[v.record.id.str()] = v.record.id.str();
  if (lost) co_return make_error_code(errc::store_timeout);
  co_return CreateOutcome{.what = CreateOutcome::kind::created, .record = v.record};
}

task<result<bool>> FakeVerificationStore::undo_create(const NewVerification& v,
                                                      std::int64_t now_ms) {
  errc e{};
  if (failing("undo_create", e)) co_return make_error_code(e);
  records.erase(v.record.id.str());
  if (const auto it = idempotency.find(v.idempotency_key);
      it != idempotency.end() && it->second.id == v.record.id.str())
    idempotency.erase(it);
  rates_.refund(phone_subject(v), now_ms);
  co_return true;
}

task<result<std::optional<VerificationRecord>>> FakeVerificationStore::get(
    const VerificationId& id) {
  errc e{};
  if (failing("get", e)) co_return make_error_code(e);
  const auto it = records.find(id.str());
  if (it == records.end()) co_return std::optional<VerificationRecord>();
  co_return std::optional(it->second);
}

template <class Outcome>
std::optional<result<Outcome>> FakeVerificationStore::replay(const RetryEntry& retry) const {
  if (retry.empty()) return std::nullopt;
  const auto it = retries.find(retry.key);
  std::optional<std::string_view> recorded;
  if (it != retries.end()) recorded = it->second.fingerprint;
  switch (judge_retry(recorded, retry.fingerprint)) {
    case RetryVerdict::perform:
      return std::nullopt;
    case RetryVerdict::conflict:
      return result<Outcome>(make_error_code(errc::idempotency_conflict));
    case RetryVerdict::replay:
      break;
  }
  Outcome o = std::get<Outcome>(it->second.outcome);
  o.replayed = true;
  return result<Outcome>(std::move(o));
}

template <class Outcome>
Outcome FakeVerificationStore::record(const RetryEntry& retry, Outcome o) {
  if (!retry.empty()) retries[retry.key] = Retry{retry.fingerprint, o};
  return o;
}

task<result<CheckOutcome>> FakeVerificationStore::check(
    const VerificationId& id, const std::string& brand, const std::string& mac,
    const std::string& bound_mac, std::int64_t now_ms, const RetryEntry& retry) {
  errc e{};
  if (failing("check", e)) co_return make_error_code(e);
  VerificationRecord* r = owned(id, brand);
  if (!r) co_return make_error_code(errc::not_found);
  if (auto replayed = replay<CheckOutcome>(retry)) co_return std::move(*replayed);
  PhoneLockState& lock = locks[std::string(id.tag())];
  if (const std::int64_t left = lock_left(lock, now_ms); left > 0)
    co_return CheckOutcome{.record = *r, .blocked = true, .retry_after_ms = left};
  const bool matches = presented_mac(*r, mac, bound_mac) == r->code_mac;
  CheckOutcome out{.result = apply_check(*r, matches, now_ms)};
  if (out.result == CheckResult::approved) lock.failures = lock.failures_expire_ms = 0;
  if (out.result == CheckResult::wrong || out.result == CheckResult::failed)
    out.lock_ms = count_wrong_code(lock, lock_policy_of(*r), now_ms);
  out.record = *r;
  co_return record(retry, std::move(out));
}

task<result<ResendOutcome>> FakeVerificationStore::resend(
    const VerificationId& id, const std::string& brand, const std::vector<Rate>& phone_rates,
    std::int64_t now_ms, const RetryEntry& retry, const SendHold& hold) {
  errc e{};
  if (failing("resend", e)) co_return make_error_code(e);
  VerificationRecord* r = owned(id, brand);
  if (!r) co_return make_error_code(errc::not_found);
  const auto prior = retry.empty() ? retries.end() : retries.find(retry.key);
  const bool unsettled = prior != retries.end() && prior->second.fingerprint == retry.fingerprint &&
                         !prior->second.holder.empty();
  if (unsettled) {
    if (const std::int64_t left = lock_left(locks[std::string(id.tag())], now_ms); left > 0)
      co_return ResendOutcome{.record = *r, .retry_after_ms = left, .blocked = true};
    co_return take_over(prior->second, *r, retry, hold, now_ms);
  }
  if (auto replayed = replay<ResendOutcome>(retry)) {
    // The verification as it is now, as resend.lua answers a replay.
    if (replayed->has_value()) replayed->value().record = *r;
    co_return std::move(*replayed);
  }
  if (const std::int64_t left = lock_left(locks[std::string(id.tag())], now_ms); left > 0)
    co_return ResendOutcome{.record = *r, .retry_after_ms = left, .blocked = true};
  // The rule on a copy; only a resend it admits meets the phone's rates (resend.lua).
  VerificationRecord claimed = *r;
  ResendOutcome out;
  out.result = apply_resend(claimed, now_ms, out.retry_after_ms);
  if (out.result == ResendResult::sent) {
    const RateSubject phone{.scope = LimitScope::phone,
                            .brand = r->brand,
                            .id = std::string(id.tag()),
                            .rates = phone_rates};
    if (const auto denied = rates_.take(phone, now_ms)) {
      out.limited = true;
      out.retry_after_ms = *denied;
      out.record = *r;
      co_return out;
    }
    out.previous_send_ms = r->last_send_ms;
    *r = claimed;
  }
  out.record = *r;
  // Too soon is an answer to try later: not recorded (resend.lua).
  if (out.result == ResendResult::too_soon) co_return out;
  out = record(retry, std::move(out));
  if (out.result == ResendResult::sent && !retry.empty()) {
    Retry& claim = retries[retry.key];
    claim.holder = hold.holder;
    claim.due_ms = now_ms + hold.claim_ms;
  }
  if (losing("resend")) co_return make_error_code(errc::store_timeout);
  co_return out;
}

ResendOutcome FakeVerificationStore::take_over(Retry& claim, VerificationRecord& r,
                                               const RetryEntry& retry, const SendHold& hold,
                                               std::int64_t now_ms) {
  if (now_ms < claim.due_ms)
    return ResendOutcome{.record = r, .retry_after_ms = claim.due_ms - now_ms, .in_flight = true};
  claim.holder.clear();
  ResendOutcome out{.result = take_over_resend(r, now_ms), .record = r};
  if (out.result != ResendResult::sent) return record(retry, std::move(out));
  claim.holder = hold.holder;
  claim.due_ms = now_ms + hold.claim_ms;
  out.taken_over = true;
  return out;
}

task<result<bool>> FakeVerificationStore::undo_resend(const VerificationId& id,
                                                      const ResendOutcome& claimed,
                                                      const std::vector<Rate>& phone_rates) {
  ++calls;
  const auto it = records.find(id.str());
  if (it != records.end()) {
    if (it->second.sends > 1) it->second.sends -= 1;
    if (it->second.last_send_ms == claimed.record.last_send_ms)
      it->second.last_send_ms = claimed.previous_send_ms;
  }
  const RateSubject phone{.scope = LimitScope::phone,
                          .brand = claimed.record.brand,
                          .id = std::string(id.tag()),
                          .rates = phone_rates};
  rates_.refund(phone, claimed.record.last_send_ms);
  co_return true;
}

task<result<bool>> FakeVerificationStore::settle_resend(const VerificationId&,
                                                        const RetryEntry& retry,
                                                        const std::string& holder) {
  ++calls;
  const auto it = retries.find(retry.key);
  if (it == retries.end() || it->second.fingerprint != retry.fingerprint ||
      it->second.holder != holder)
    co_return false;
  retries.erase(it);
  co_return true;
}

task<result<bool>> FakeVerificationStore::release_create_claim(const NewVerification& v,
                                                               std::int64_t now_ms) {
  errc e{};
  if (failing("release_create_claim", e)) co_return make_error_code(e);
  if (release_failures > 0) {
    --release_failures;
    co_return make_error_code(errc::store_unavailable);
  }
  const auto prior = idempotency.find(v.idempotency_key);
  if (v.idempotency_key.empty() || prior == idempotency.end() ||
      prior->second.fingerprint != v.request_fingerprint)
    co_return false;
  const std::string& id = prior->second.id;
  const auto r = records.find(id);
  if (r == records.end() || send_holder[id] != v.record.id.str()) co_return false;
  co_return release_first_send(r->second, send_due[id], now_ms);
}

task<result<bool>> FakeVerificationStore::release_resend_claim(const VerificationId&,
                                                               const RetryEntry& retry,
                                                               const std::string& holder,
                                                               std::int64_t now_ms) {
  errc e{};
  if (failing("release_resend_claim", e)) co_return make_error_code(e);
  if (release_failures > 0) {
    --release_failures;
    co_return make_error_code(errc::store_unavailable);
  }
  const auto it = retries.find(retry.key);
  if (it == retries.end() || it->second.fingerprint != retry.fingerprint ||
      it->second.holder != holder || it->second.due_ms <= now_ms)
    co_return false;
  it->second.due_ms = now_ms;
  co_return true;
}

task<result<CancelOutcome>> FakeVerificationStore::cancel(const VerificationId& id,
                                                          const std::string& brand,
                                                          std::int64_t now_ms,
                                                          const RetryEntry& retry) {
  errc e{};
  if (failing("cancel", e)) co_return make_error_code(e);
  VerificationRecord* r = owned(id, brand);
  if (!r) co_return make_error_code(errc::not_found);
  if (auto replayed = replay<CancelOutcome>(retry)) co_return std::move(*replayed);
  const CancelResult result = apply_cancel(*r, now_ms);
  co_return record(retry, CancelOutcome{.result = result, .record = *r});
}

task<result<VerificationRecord>> FakeVerificationStore::record_delivery(
    const VerificationId& id, const std::string& brand, const DeliveryUpdate& update,
    std::int64_t now_ms) {
  errc e{};
  if (failing("record_delivery", e)) co_return make_error_code(e);
  VerificationRecord* r = owned(id, brand);
  if (!r) co_return make_error_code(errc::not_found);
  if (!update.resend_claim.empty()) {
    // A resend's claim, settled by its holder's send (delivery.lua).
    const auto it = retries.find(update.idempotency_key);
    if (it != retries.end() && it->second.holder == update.resend_claim) {
      it->second.holder.clear();
      auto& claimed = std::get<ResendOutcome>(it->second.outcome);
      claimed.send_failed = !update.accepted;
    }
  } else if (const auto it = idempotency.find(update.idempotency_key);
             !update.idempotency_key.empty() && it != idempotency.end() &&
             it->second.id == r->id.str()) {
    it->second.done = true;
  }
  apply_send_outcome(*r, update.gateway, update.accepted, update.first_send, update.message_id,
                     now_ms);
  if (losing("record_delivery")) co_return make_error_code(errc::store_timeout);
  co_return *r;
}

task<result<ReportOutcome>> FakeVerificationStore::apply_report(const VerificationId& id,
                                                                const ReportUpdate& report,
                                                                std::int64_t now_ms) {
  errc e{};
  if (failing("apply_report", e)) co_return make_error_code(e);
  const auto it = records.find(id.str());
  if (it == records.end()) co_return make_error_code(errc::not_found);
  VerificationRecord& r = it->second;
  bool claimed = false;
  const ReportVerdict verdict = otpgate::apply_report(
      r,
      DeliveryReportFacts{
          .gateway = report.gateway, .message_id = report.message_id, .status = report.status},
      phone_locked(locks[std::string(id.tag())], now_ms), now_ms, claimed);
  ReportOutcome out{.what = verdict == ReportVerdict::applied ? ReportOutcome::kind::applied
                                                              : ReportOutcome::kind::stale,
                    .resend_claimed = claimed};
  out.record = r;
  co_return out;
}

task<result<bool>> FakeVerificationStore::mark_expired(const VerificationId& id,
                                                       std::int64_t now_ms) {
  errc e{};
  if (failing("mark_expired", e)) co_return make_error_code(e);
  const auto it = records.find(id.str());
  co_return it != records.end() && apply_expiry(it->second, now_ms);
}

}  // namespace otpgate::test
