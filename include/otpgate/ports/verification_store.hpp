// Port: the verifications' state (core/verification.hpp). Every state change is one atomic
// call, decided by the same rules as the core's. Production: store/redis/redis_store.hpp.
#pragma once

#include "otpgate/core/camara_otp.hpp"
#include "otpgate/core/errc.hpp"
#include "otpgate/core/types.hpp"
#include "otpgate/core/verification.hpp"
#include "otpgate/ports/retry_entry.hpp"
#include "otpgate/ports/task.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace otpgate {

struct NewVerification {
  VerificationRecord record;
  std::string tag;                         // the phone's hash tag
  std::string idempotency_key;             // "" when the request had none (already a MAC)
  std::string request_fingerprint;         // MAC of the request body, for idempotent replays
  std::int64_t retention_ms = 86'400'000;  // how long a finished record stays readable
  // The brand's per-phone rate limits (enabled ones): the create takes their token in its own
  // call, after the idempotency and lock checks and only when it creates.
  std::vector<Rate> phone_rates;
  // How long a claim on the create's first send lasts (core/first_send.hpp): the create holds
  // one from now on, and a retry with the same idempotency key that finds the SMS unsent after
  // it takes the send over for as long. A first send nobody handed to a gateway by its
  // deadline (send_deadline_ms: the last claim's end and the retries' window) ends send_failed
  // (end_overdue_send).
  std::int64_t in_flight_ms = 15'000;
};

struct CreateOutcome {
  enum class kind {
    created,
    replayed,
    idempotency_conflict,
    blocked,    // the phone is locked
    limited,    // a phone rate limit denied: nothing was created or counted
    in_flight,  // an earlier request with the idempotency key is still running
    // A retry took over the unsent first send of the key's verification (record): it sends
    // it, with the first request's tokens, and nobody else does until its claim runs out.
    claimed,
  } what = kind::created;
  VerificationRecord record;  // created, replayed or claimed record
  // replayed: this call ended the key's unsent verification send_failed (too little of its
  // code's validity was left to send it).
  bool send_failed_now = false;
  std::int64_t retry_after_ms = 0;  // blocked: until the lock ends; limited: until one more fits
};

// A check's, resend's or cancel's RetryEntry (ports/retry_entry.hpp) lives in the
// verification's slot, as long as its record.

// A resend's claim under its Idempotency-Key: the requesting request holds it (holder: a
// random claim id) for claim_ms, until its send is recorded (DeliveryUpdate::resend_claim) or
// it is taken back (settle_resend) or released (release_resend_claim); after claim_ms a retry
// may take it over and send it. The same rule as a create's first send (core/first_send.hpp).
struct SendHold {
  std::string holder;  // "" without an Idempotency-Key
  std::int64_t claim_ms = 0;
};

struct CheckOutcome {
  CheckResult result = CheckResult::wrong;
  VerificationRecord record;
  bool blocked = false;             // the phone is locked: nothing was evaluated
  std::int64_t lock_ms = 0;         // > 0: this check locked the phone for that long
  std::int64_t retry_after_ms = 0;  // blocked: until the lock ends
  bool replayed = false;            // the recorded outcome of an earlier request with its key
};

struct ResendOutcome {
  ResendResult result = ResendResult::sent;
  VerificationRecord record;
  std::int64_t retry_after_ms = 0;  // too_soon, limited or blocked: when to try again
  bool blocked = false;             // the phone is locked: nothing was changed or sent
  // A phone rate limit denied the resend the record admitted: nothing was changed or counted
  // (result is then sent, the rule's verdict, and record as it was).
  bool limited = false;
  std::int64_t previous_send_ms = 0;  // sent: the last send before this one (for undo_resend)
  // The recorded outcome of an earlier request with its key: nothing was claimed or sent.
  // send_failed: that request's send was refused by every gateway.
  bool replayed = false;
  bool send_failed = false;
  // An earlier request with the key claimed the resend and has not settled it: in_flight while
  // its claim runs (retry_after_ms: until it ends); taken_over when it had run out and this
  // call took it over (send the SMS: it is counted already, and the brand admitted it or its
  // answer was lost).
  bool in_flight = false;
  bool taken_over = false;
};

struct CancelOutcome {
  CancelResult result = CancelResult::cancelled;
  VerificationRecord record;
  bool replayed = false;  // the recorded outcome of an earlier request with its key
};

struct DeliveryUpdate {
  std::string gateway;
  std::string message_id;  // "" when not accepted
  bool accepted = false;
  bool first_send = false;  // a refused first send fails the verification; a refused resend
                            // leaves the earlier send's delivery state alone
  // The first send of a create with an Idempotency-Key (its MAC): its outcome is now known, so
  // retries replay it from here on. A resend's entry (RetryEntry::key) with resend_claim: the
  // claim this send's request holds is settled as sent or send_failed.
  std::string idempotency_key;
  std::string resend_claim;  // the SendHold's holder
};

struct ReportUpdate {
  std::string gateway;
  std::string message_id;  // "" when the vendor's report has none: matches any
  DeliveryStatus status = DeliveryStatus::accepted;  // what the report says (never queued)
  // Claim the one automatic resend if the report says undelivered/failed and the verification
  // is still pending (the brand's delivery.resend_on_undelivered).
  bool claim_resend = false;
};

struct ReportOutcome {
  enum class kind {
    applied,  // the record's delivery status changed
    stale,    // another gateway's or an earlier send's report, or an older state: unchanged
  } what = kind::stale;
  bool resend_claimed = false;  // this call claimed the automatic resend
  VerificationRecord record;
};

class VerificationStore {
 public:
  virtual ~VerificationStore() = default;
  // The phone's part of a create, in one call: replay, lock, phone limits, then the record.
  virtual task<result<CreateOutcome>> create(const NewVerification& v, std::int64_t now_ms) = 0;
  // Takes back a create whose send the brand's limits then refused: the record, its
  // idempotency entry and the phone limits' token.
  virtual task<result<bool>> undo_create(const NewVerification& v, std::int64_t now_ms) = 0;
  // nullopt: no such verification (never existed or its record expired).
  virtual task<result<std::optional<VerificationRecord>>> get(const VerificationId& id) = 0;
  // Operations on an existing verification take the caller's brand ("*" for any brand) and
  // answer errc::not_found for another brand's verification, without changing it.
  // mac: the typed code's MAC without a binding; bound_mac: with the binding of the order the
  // check presents (psd2_unmatchable_binding without one). The record's order_bound picks the one
  // compared (presented_mac in core/verification.hpp), inside the one script call.
  // retry (check, resend, cancel): an Idempotency-Key, judged in the same call (judge_retry,
  // core/idempotency.hpp) after the brand check: a replay returns the recorded outcome and
  // changes nothing, a conflict answers errc::idempotency_conflict; an outcome the call
  // decides (not a locked phone, a phone limit or not_found) is recorded under the key for as
  // long as the record lives.
  virtual task<result<CheckOutcome>> check(const VerificationId& id, const std::string& brand,
                                           const std::string& mac, const std::string& bound_mac,
                                           std::int64_t now_ms, const RetryEntry& retry = {}) = 0;
  // A resend claimed by the rule (apply_resend) and then by the phone's rate limits
  // (phone_rates: the brand's enabled per-phone rates), in one call: only a resend the record
  // admits takes a token.
  // With an Idempotency-Key the claim is held as `hold` says (SendHold).
  virtual task<result<ResendOutcome>> resend(const VerificationId& id, const std::string& brand,
                                             const std::vector<Rate>& phone_rates,
                                             std::int64_t now_ms, const RetryEntry& retry = {},
                                             const SendHold& hold = {}) = 0;
  // Takes back a claimed resend whose send the brand's limits then refused: the one send it
  // counted, the last send's time (unless a later claim has moved it), and the phone limits'
  // token.
  virtual task<result<bool>> undo_resend(const VerificationId& id, const ResendOutcome& claimed,
                                         const std::vector<Rate>& phone_rates) = 0;
  // A claimed resend taken back (the brand's limits refused it and undo_resend gave back what
  // it counted): the entry of its claim, while `holder` still holds it, is removed, so a retry
  // is judged anew. true: removed.
  virtual task<result<bool>> settle_resend(const VerificationId& id, const RetryEntry& retry,
                                           const std::string& holder) = 0;
  // A claim whose request answered without handing the SMS to a gateway (a Redis call timed
  // out) is given back by its holder: its retry takes the send over at once instead of waiting
  // for the claim to run out (release_first_send, core/first_send.hpp). Only the holder's own,
  // unsettled claim changes; true when it did. The create's: v as that request drafted it
  // (its key, fingerprint and id, the holder).
  virtual task<result<bool>> release_create_claim(const NewVerification& v,
                                                  std::int64_t now_ms) = 0;
  virtual task<result<bool>> release_resend_claim(const VerificationId& id, const RetryEntry& retry,
                                                  const std::string& holder,
                                                  std::int64_t now_ms) = 0;
  virtual task<result<CancelOutcome>> cancel(const VerificationId& id, const std::string& brand,
                                             std::int64_t now_ms, const RetryEntry& retry = {}) = 0;
  // Records the outcome of a send: the gateway and its message id when accepted; a refused
  // first send turns the verification send_failed.
  virtual task<result<VerificationRecord>> record_delivery(const VerificationId& id,
                                                           const std::string& brand,
                                                           const DeliveryUpdate& update,
                                                           std::int64_t now_ms) = 0;
  // The same for a caller holding a copy of the record (any copy read since its create: only
  // the fields a send or another request can change differ from the stored ones): answers that
  // copy with those fields as the store holds them after this send. A store that cannot read
  // back fewer fields answers its whole record.
  virtual task<result<VerificationRecord>> record_delivery(const VerificationRecord& known,
                                                           const DeliveryUpdate& update,
                                                           std::int64_t now_ms) {
    return record_delivery(known.id, known.brand, update, now_ms);
  }
  // Applies a gateway's delivery report to the verification it names (see ReportOutcome).
  virtual task<result<ReportOutcome>> apply_report(const VerificationId& id,
                                                   const ReportUpdate& report,
                                                   std::int64_t now_ms) = 0;
  // Marks a pending record past its expiry as expired; true if this call made the change.
  virtual task<result<bool>> mark_expired(const VerificationId& id, std::int64_t now_ms) = 0;
  // The creates whose first send's deadline has passed by now_ms and may still be unsent, at
  // most `limit`, the most overdue first: an index every create is noted in before it runs.
  virtual task<result<std::vector<VerificationId>>> overdue_first_sends(std::int64_t now_ms,
                                                                        std::size_t limit) = 0;
  // apply_send_deadline (core/first_send.hpp) on one of them, then its index entry follows:
  // dropped once the send is settled, kept until a retry's claim runs out. The record when this
  // call ended it send_failed; nullopt when it was sent, ended, gone or claimed. Does nothing
  // twice: several processes may sweep the same ids.
  virtual task<result<std::optional<VerificationRecord>>> end_overdue_send(const VerificationId& id,
                                                                           std::int64_t now_ms) = 0;
  // Drops a create's index entry once its first send is recorded (sent or failed), so the sweep
  // does not visit it at its deadline; only the index changes. Losing this call costs the sweep
  // one visit, nothing else.
  virtual task<result<bool>> forget_first_send(const VerificationId& id) = 0;
  // forget_first_send for several creates at once (one call where the store can); how many
  // entries went, or the first error (the other ids are still tried).
  virtual task<result<std::size_t>> forget_first_sends(const std::vector<VerificationId>& ids) {
    std::size_t dropped = 0;
    std::optional<boost::system::error_code> failed;
    for (const VerificationId& id : ids) {
      auto one = co_await forget_first_send(id);
      if (!one && !failed) failed = one.error();
      if (one && one.value()) ++dropped;
    }
    if (failed) co_return *failed;
    co_return dropped;
  }
  // CAMARA send-code: `newer` (stored and sent) becomes its phone's newest CAMARA verification
  // of its brand, and the one it supersedes expires now, in one atomic step (decide_supersede,
  // core/camara_otp.hpp). What was superseded: none, the earlier newest, or `newer` itself (an
  // earlier created one of a race stays the newest).
  virtual task<result<camara::Superseded>> supersede_camara(const VerificationRecord& newer,
                                                            std::int64_t now_ms) = 0;
  // Whether v's Idempotency-Key (v.idempotency_key, under v.tag) has an entry: an earlier
  // request with it was stored, so create answers from it (a replay, a conflict, a request still
  // running) and asks nothing new. A read, no change.
  virtual task<result<bool>> idempotency_known(const NewVerification& v) = 0;
  // Whether the store can serve requests now (for /readyz).
  virtual bool ready() const = 0;
};

}  // namespace otpgate
