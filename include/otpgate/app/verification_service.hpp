// The verification use cases: create, get, resend, check, cancel. Orchestrates the pure rules
// (core), the store, the gateways and the event sink. One instance per io thread.
#pragma once

#include "otpgate/app/brand_registry.hpp"
#include "otpgate/app/sms_dispatcher.hpp"
#include "otpgate/core/brand.hpp"
#include "otpgate/core/psd2.hpp"
#include "otpgate/core/signals.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/event_sink.hpp"
#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/network_signals.hpp"
#include "otpgate/ports/random.hpp"
#include "otpgate/ports/rate_limiter.hpp"
#include "otpgate/ports/verification_store.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace otpgate {

struct CreateCommand {
  const Brand* brand = nullptr;  // from a snapshot the caller keeps alive for the call
  PhoneNumber phone;
  std::string country;
  // The number's line type receives SMS (libphonenumber: mobile, or fixed_line_or_mobile where a
  // plan does not tell them apart); create answers phone_not_allowed otherwise.
  bool sms_line = true;
  std::string client_ip;  // the customer's IP for the IP rate limit; "" when the request had none
  std::string locale;     // requested (may be empty)
  // The validated order, if any. Required with amount, currency and payee when the brand has
  // psd2_dynamic_linking (the code is then bound to them); create answers permission_denied
  // otherwise, so no route can issue an unbound code for such a brand.
  std::optional<Order> order;
  std::string metadata_json;    // "" or the validated metadata object
  std::string idempotency_key;  // "" when absent
  std::string body;             // the raw request body, fingerprinted for idempotent replays
  // support_call: a support agent's identity check of a caller (an "sc_" id, the brand's
  // support_call text without autofill lines, never bound to an order). Who may ask for it is
  // the edge's decision.
  Purpose purpose = Purpose::checkout;
  // "" or the caller's own SMS text with {{code}} (CAMARA send-code's `message`, validated by
  // the edge): sent instead of the brand's template, with every {{code}} replaced and no
  // autofill lines added. Kept in the record for resends.
  std::string message_text;
  // The checkout's customer for KYC Match (the native API's `customer`): passed to the
  // operator when the brand has a kyc policy, never stored (only the per-field results are).
  std::optional<Customer> customer;
};

// The Idempotency-Key of a check, resend or cancel, as the edge validated it (docs/api.md,
// "Retries"). The service scopes it to its owner and the verification, and fingerprints the
// parsed request: the store records the action's outcome under it in the same call.
struct RetryKey {
  std::string key;    // the header as sent; "" when absent
  std::string owner;  // the API key that sent it: two keys' entries never meet
};

// What a use case answers: a record, or an error with the details the HTTP edge needs.
struct Answer {
  errc error = errc::ok;
  std::optional<VerificationRecord> record;
  std::int64_t retry_after_ms = 0;
  int attempts_left = -1;  // for code_invalid
  bool replayed = false;   // an idempotent replay of an earlier request (Idempotency-Key)
  std::string message;     // "" or a more precise public message than the error's default
  std::string limit;       // too_many_requests: the limit that denied (phone, ip, prefix, brand)
  std::string field;       // invalid_argument: the field at fault
  // The verification's brand when the answer carries no record but the brand is known (a resend
  // refused by a lock or a limit): the support audit writes to its log.
  std::string brand;
};

// The answer with error e, about r when given.
inline Answer error_answer(errc e, std::optional<VerificationRecord> r = std::nullopt) {
  return Answer{.error = e, .record = std::move(r)};
}

struct ServiceDeps {
  const BrandRegistry& brands;
  VerificationStore& store;
  RateLimiter& limits;
  EventSink& events;
  SmsDispatcher& dispatcher;
  const Clock& clock;
  Random& random;
  const Keyring& keys;
  std::int64_t retention_ms = 86'400'000;
  // The Redis command deadline (OTPGATE_REDIS_TIMEOUT_MS): a claim's lead covers two of them.
  std::int64_t redis_timeout_ms = 1'000;
  // The operator's network signals; nullptr when no operator is configured (a brand with a
  // signals policy then cannot be loaded: wiring checks its operators).
  NetworkSignals* signals = nullptr;
};

// A send claim a request of VerificationService holds (docs/architecture.md, "A create's faults"):
// a create's first send under its Idempotency-Key (create set), or a resend's claim under its key
// (entry and holder set). None: a send no retry can take over.
struct HeldClaim {
  std::optional<NewVerification> create;
  VerificationId id;
  RetryEntry entry;
  std::string holder;
  std::int64_t until_ms = 0;  // when the claim runs out (0: no claim, no Idempotency-Key)
  bool empty() const { return !create && holder.empty(); }
};

class VerificationService {
 public:
  explicit VerificationService(ServiceDeps deps) : d_(deps) {}
  // Logs the sends a gateway took that were never recorded (a stop whose grace ran out first).
  ~VerificationService();
  VerificationService(const VerificationService&) = delete;
  VerificationService& operator=(const VerificationService&) = delete;

  task<Answer> create(const CreateCommand& cmd);
  // brand: the caller's brand, or "*" for a key valid for all brands.
  task<Answer> get(const VerificationId& id, const std::string& brand);
  // A check with the order the shop presents (fields "" when absent). For a verification bound
  // to its order (PSD2) a different or missing amount, currency or payee is a wrong code, with
  // the same answer, attempt and failure count; for an unbound one the order is ignored.
  // retry: with a key, a check of the same code and order answers as the first one did (no
  // second attempt); another request with the key answers idempotency_conflict.
  task<Answer> check(const VerificationId& id, const std::string& brand, const std::string& code,
                     const OrderTerms& order, const RetryKey& retry = {});
  // A check without an order: a PSD2-bound verification never matches it.
  task<Answer> check(const VerificationId& id, const std::string& brand, const std::string& code);
  // retry: with a key, a retried resend answers as the first did and sends nothing.
  task<Answer> resend(const VerificationId& id, const std::string& brand,
                      const RetryKey& retry = {});
  task<Answer> cancel(const VerificationId& id, const std::string& brand,
                      const RetryKey& retry = {});
  // CAMARA send-code: r (created and sent) supersedes its phone's earlier send-code verification
  // of the brand, which expires now (VerificationStore::supersede_camara; defined in
  // src/app/camara_supersede.cpp).
  task<result<camara::Superseded>> supersede_camara(const VerificationRecord& r);
  // A gateway's delivery report (its signature already checked): updates the verification's
  // delivery state, emits delivered/undelivered, and performs the brand's one automatic
  // failover resend when the report claims it. errc::not_found: no such verification (any more).
  task<errc> apply_report(const VerificationId& id, const ReportUpdate& report);

  // Ends the first sends nobody handed to a gateway by their deadline (core/first_send.hpp):
  // each such verification turns send_failed, with its send_failed event. At most `limit` ids
  // of the store's index per call; answers how many it looked at (limit: there may be more).
  task<std::size_t> end_overdue_sends(std::size_t limit);

  bool ready() const { return d_.store.ready(); }
  // Whether a release or recording of a send claim is still running in the background: a
  // graceful stop waits for it (within its grace), since a retry would otherwise send again.
  bool background_work() const { return background_ > 0; }

  // How long a request holds the claim on a send it makes: the Redis calls before the send
  // (claim_lead_ms: two command deadlines and 3 s, 5 s by default), the send (the delivery
  // deadline), then its recording, retried in the background while Redis is away
  // (claim_record_ms). A retry takes the send over only after that, so a send a gateway took
  // is recorded first unless Redis stays away all that time.
  static constexpr std::int64_t claim_record_ms = 20'000;
  std::int64_t claim_lead_ms() const;
  std::int64_t claim_ms(const Brand& brand) const;

 private:
  // The record a create stores: a new id, the code's MAC (bound to `binding` unless it is ""),
  // the brand's policy as of now.
  NewVerification draft(const CreateCommand& cmd, const std::string& binding, std::int64_t now);
  // Sends the code, records the gateway's answer and emits (once recorded) created for a first
  // send, then sent/resent or send_failed. The
  // claim it was sent under is settled in the same store call (retries replay it from then
  // on); when that call fails and no gateway took the SMS, the claim is released.
  task<Answer> deliver(const Brand& brand, const VerificationRecord& r, bool first_send,
                       const HeldClaim& claim = {});
  // Gives back, in the background, a claim this request will not use (it answers 503 before a
  // gateway had the SMS): its retry then takes the send over at once instead of waiting the
  // claim out. Retried with backoff while the store does not answer; never delays the answer.
  task<void> release_later(HeldClaim claim);
  task<void> keep_releasing(HeldClaim claim);
  // A first send no gateway took whose record call failed: in the background, once the store
  // answers, either the failure was recorded after all (its answer was lost: its created and
  // send_failed events now, as deliver would have emitted them) or the create is still unsent
  // (its claim is given back for the retry; without one the deadline sweep ends it).
  // Tried until until_ms (the claim's end).
  task<void> settle_failed_first_send_later(const VerificationRecord& r, const HeldClaim& claim,
                                            std::int64_t until_ms);
  task<void> keep_settling_failed(VerificationRecord r, HeldClaim claim, std::int64_t until_ms);
  task<result<bool>> release(const HeldClaim& claim);
  // A send a gateway took whose record the store did not confirm (a Redis call timed out):
  // recorded in the background, retried with backoff, then its sent/resent event emitted, so
  // its claim is settled (retries replay it instead of waiting the claim out), its delivery
  // reports match, and the send deadline never ends it send_failed.
  struct UnrecordedSend;
  task<void> record_later(const UnrecordedSend& send);
  task<void> recording(std::shared_ptr<const UnrecordedSend> send);
  task<void> keep_recording(std::shared_ptr<const UnrecordedSend> send);
  // A create's first send is recorded: its entry in the index of unsent first sends goes, in
  // the background, so the deadline sweep has nothing to visit for it. The ids of one turn of
  // the event loop go in one call (forget_first_sends): a ZREM per create cost Redis and this
  // thread a command each.
  task<void> forget_first_send_later(const VerificationId& id);
  task<void> forget_first_sends();
  // A resend's hold on its claim under retry's key: a fresh claim id, for as long as the brand's
  // delivery deadline and a margin (none without a key).
  SendHold resend_hold(const Brand& brand, const RetryEntry& entry);
  // Whether the claim still covers a send started now and its recording; false: the request
  // must not send (a retry could take the send over before it is recorded).
  bool claim_covers_send(const Brand& brand, const HeldClaim& claim) const;
  // What a send did and what it cost (the text's segments and encoding, for analytics).
  struct SendReport {
    DispatchResult dispatch;
    int segments = 0;
    std::string_view encoding;
  };
  struct UnrecordedSend {
    VerificationRecord record;  // as it was sent
    DeliveryUpdate update;
    EventType event = EventType::sent;
    SendReport report;
    std::int64_t until_ms = 0;  // the claim's end (or, without one, the recording's)
  };
  // Renders the code's SMS and sends it through the brand's gateways from index `first` on.
  task<SendReport> send_code(const Brand& brand, const VerificationRecord& r, std::size_t first);
  // The automatic resend an undelivered report claimed: the gateway after the one that failed.
  task<void> resend_after_undelivered(const VerificationRecord& r);
  // The event of a state change of r (started time, purpose, and for starts and approvals the
  // destination prefix filled in).
  Event event_of(EventType type, const VerificationRecord& r, int attempt = 0) const;
  void emit(EventType type, const VerificationRecord& r, int attempt = 0);
  // sent / resent with the text's cost, or send_failed.
  void emit_send(EventType type, const VerificationRecord& r, const SendReport& report);
  // The events of a send whose record the store confirmed (`after`): for a first send the
  // create's created event (of the record as `sent`) first, then emit_send's.
  void emit_recorded_send(const VerificationRecord& sent, EventType type,
                          const VerificationRecord& after, const SendReport& report,
                          bool first_send);
  // created and send_failed for a first send that never happened (its deadline passed unsent,
  // or too little validity was left for a retry to send it).
  void emit_unsent_failed(const VerificationRecord& r);
  // A create refused for the number (reason: country or line_type).
  // A create refused before anything was stored; signals: the network signals' outcomes when a
  // signal refused it.
  void emit_refused(const CreateCommand& cmd, std::string reason,
                    const SignalResults* signals = nullptr);
  // The brand's network signals for the create drafted as v (verification_signals.cpp): a
  // refusal to answer, or the results to keep (none when nothing was asked).
  struct SignalGate {
    std::optional<Answer> refused;
    std::optional<SignalResults> results;
  };
  task<SignalGate> screen(const CreateCommand& cmd, const NewVerification& v);
  // The probe budget a create spends before the operator is asked: the brand's phone limits
  // and its IP limit, counted apart from the sends' (so refused creates count too).
  SendAdmission probe_admission(const CreateCommand& cmd, const NewVerification& v) const;
  // The brand's enabled per-phone rates (the create script takes their token).
  static std::vector<Rate> phone_rates(const Brand& brand);
  // The brand-wide part of admitting a send to r's phone (client_ip "" skips the IP limit; a
  // safelisted number skips the pumping watch).
  SendAdmission brand_admission(const Brand& brand, const VerificationRecord& r,
                                const std::string& client_ip) const;
  // The brand-wide admission of a resend the store claimed (with the phone's token): ok, or
  // too_many_requests (with the limit, Retry-After and a rate_limited event) or the store's
  // error, after the claim was taken back.
  task<Answer> admit_resend(const Brand& brand, const VerificationId& id,
                            const ResendOutcome& claimed, const std::vector<Rate>& phone_rates,
                            const HeldClaim& claim);
  // The store's entry for retry's key on an action on id (none without a key): the key scoped
  // to its owner, the caller's brand and the verification, the request's MAC for the rest.
  RetryEntry retry_entry(const RetryKey& retry, const std::string& brand, const VerificationId& id,
                         const std::string& request) const;
  // Removes the entry of a resend claim taken back (none without a key); a failure only logs,
  // the request's answer stands.
  task<void> settle(const HeldClaim& claim, const std::string& brand);
  // A replayed resend's answer: as the first request's (a claim: 200, or 502 if its send failed).
  Answer replayed_resend(const ResendOutcome& o);
  // A check's events, and its answer.
  void emit_check(const CheckOutcome& o);
  static Answer answer_check(const CheckOutcome& o);
  // The error of an operation on a verification that is no longer pending: 410 when it ended by
  // expiring.
  static errc not_pending_error(const VerificationRecord& r);
  // The answer to a resend the rule refused (too soon, too late, no sends left, not pending).
  Answer refused_resend(const ResendOutcome& o);
  // 429 for a limit that denied r's send, with its rate_limited event.
  Answer limited(const VerificationRecord& r, LimitScope scope, std::int64_t retry_after_ms);
  // 429 for a brand-wide refusal: a limit, or the pumping watch (limit prefix_anomaly; a
  // prefix_blocked event and a warning when this send started the block).
  Answer refused_by(const SendAdmission& a, const VerificationRecord& r, const AdmissionVerdict& v);
  // The answer to a store create: an error, a replay, a refusal, or (created) the first send.
  task<Answer> answer_created(const Brand& brand, const NewVerification& v,
                              const CreateOutcome& created, const HeldClaim& claim);

  // Runs work counted in background_ (not decremented when its frame is destroyed unfinished:
  // that happens only when the io context goes, after this service).
  task<void> tracked(task<void> work);

  ServiceDeps d_;
  int background_ = 0;   // releases and recordings running (this thread's only)
  std::vector<VerificationId> to_forget_;  // forget_first_send_later's ids not yet passed on
  int unrecorded_ = 0;   // sends a gateway took whose record is not in yet (requests' and
                         // background recordings')
};

}  // namespace otpgate
