// Asynchronous ports of the verification service: the store (Redis), SMS gateways and the event
// sink. Implementations run on the calling io thread and never block it.
#pragma once

#include "otpgate/core/analytics_query.hpp"
#include "otpgate/core/analytics_report.hpp"
#include "otpgate/core/brand.hpp"
#include "otpgate/core/delivery.hpp"
#include "otpgate/core/errc.hpp"
#include "otpgate/core/events.hpp"
#include "otpgate/core/rate_limit.hpp"
#include "otpgate/core/types.hpp"
#include "otpgate/core/verification.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate {

template <class T>
using task = boost::asio::awaitable<T>;

struct NewVerification {
  VerificationRecord record;
  std::string tag;                         // the phone's hash tag
  std::string idempotency_key;             // "" when the request had none (already a MAC)
  std::string request_fingerprint;         // MAC of the request body, for idempotent replays
  std::int64_t retention_ms = 86'400'000;  // how long a finished record stays readable
  // The brand's per-phone rate limits (enabled ones): the create takes their token in its own
  // call, after the idempotency and lock checks and only when it creates.
  std::vector<Rate> phone_rates;
  // How long an earlier request with the same idempotency key counts as still running (until
  // its first send is recorded): a retry meanwhile hears idempotency_in_flight; after it, the
  // earlier request counts as abandoned and the retry creates anew.
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
  } what = kind::created;
  VerificationRecord record;        // created or replayed record
  std::int64_t retry_after_ms = 0;  // blocked: until the lock ends; limited: until one more fits
};

struct CheckOutcome {
  CheckResult result = CheckResult::wrong;
  VerificationRecord record;
  bool blocked = false;             // the phone is locked: nothing was evaluated
  std::int64_t lock_ms = 0;         // > 0: this check locked the phone for that long
  std::int64_t retry_after_ms = 0;  // blocked: until the lock ends
};

struct ResendOutcome {
  ResendResult result = ResendResult::sent;
  VerificationRecord record;
  std::int64_t retry_after_ms = 0;  // too_soon or blocked: when to try again
  bool blocked = false;             // the phone is locked: nothing was changed or sent
};

struct CancelOutcome {
  CancelResult result = CancelResult::cancelled;
  VerificationRecord record;
};

struct DeliveryUpdate {
  std::string gateway;
  std::string message_id;  // "" when not accepted
  bool accepted = false;
  bool first_send = false;  // a refused first send fails the verification; a refused resend
                            // leaves the earlier send's delivery state alone
  // The first send of a create with an Idempotency-Key (its MAC): its outcome is now known, so
  // retries replay it from here on.
  std::string idempotency_key;
};

struct ReportUpdate {
  std::string gateway;
  std::string message_id;  // "" when the vendor's report has none: matches any
  std::string status;      // accepted, delivered, undelivered, failed
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
  virtual task<result<CheckOutcome>> check(const VerificationId& id, const std::string& brand,
                                           const std::string& mac, const std::string& bound_mac,
                                           std::int64_t now_ms) = 0;
  virtual task<result<ResendOutcome>> resend(const VerificationId& id, const std::string& brand,
                                             std::int64_t now_ms) = 0;
  virtual task<result<CancelOutcome>> cancel(const VerificationId& id, const std::string& brand,
                                             std::int64_t now_ms) = 0;
  // Records the outcome of a send: the gateway and its message id when accepted; a refused
  // first send turns the verification send_failed.
  virtual task<result<VerificationRecord>> record_delivery(const VerificationId& id,
                                                           const std::string& brand,
                                                           const DeliveryUpdate& update,
                                                           std::int64_t now_ms) = 0;
  // Applies a gateway's delivery report to the verification it names (see ReportOutcome).
  virtual task<result<ReportOutcome>> apply_report(const VerificationId& id,
                                                   const ReportUpdate& report,
                                                   std::int64_t now_ms) = 0;
  // Marks a pending record past its expiry as expired; true if this call made the change.
  virtual task<result<bool>> mark_expired(const VerificationId& id, std::int64_t now_ms) = 0;
  // Whether the store can serve requests now (for /readyz).
  virtual bool ready() const = 0;
};

struct SmsMessage {
  std::string to;  // E.164
  std::string sender_id;
  Secret<std::string> text;  // holds the code
  std::string brand;
  std::string verification_id;
};

class SmsGateway {
 public:
  virtual ~SmsGateway() = default;
  virtual const std::string& name() const = 0;
  // One attempt to hand the message to the gateway, finished within `timeout`. Never throws;
  // every failure is a transient or permanent SendAttempt with a loggable reason.
  virtual task<SendAttempt> send(const SmsMessage& message, milliseconds timeout) = 0;
};

// What a rate limit counts (brand policy, core/brand.hpp RateLimitPolicy).
enum class LimitScope { phone, ip, prefix, brand };

inline std::string_view to_string(LimitScope s) {
  switch (s) {
    case LimitScope::phone:
      return "phone";
    case LimitScope::ip:
      return "ip";
    case LimitScope::prefix:
      return "prefix";
    case LimitScope::brand:
      break;
  }
  return "brand";
}

struct RateSubject {
  LimitScope scope = LimitScope::phone;
  std::string brand;
  // phone: the phone's hash tag; ip: a hex MAC of brand|ip (never the IP); prefix: the
  // destination prefix ("+49151"); brand: "".
  std::string id;
  std::vector<Rate> rates;  // enabled ones only; one event counts against all of them
};

struct RateVerdict {
  bool allowed = true;
  std::int64_t retry_after_ms = 0;  // denied: until one more event would be admitted
};

struct PumpingOutcome {
  PumpingVerdict verdict = PumpingVerdict::allowed;
  std::int64_t retry_after_ms = 0;  // refused: until the prefix's block ends
};

// The brand-wide part of admitting one send (ip, prefix and brand limits, the pumping watch),
// checked in one call on the brand's slot, all or nothing.
struct SendAdmission {
  std::string brand;
  std::vector<RateSubject> subjects;  // ip, prefix, brand: narrowest first; phone is not here
  bool pumping = false;               // watch the destination prefix (policy below)
  int prefix_digits = 0;
  std::string prefix;  // "+49151"
  PumpingPolicy policy;
};

struct AdmissionVerdict {
  enum class kind {
    allowed,  // every limit took its token and the pumping watch counted the send
    limited,  // `scope`'s limit denied: nothing was taken
    tripped,  // this send started a block of the prefix
    blocked,  // the prefix is blocked
  } what = kind::allowed;
  LimitScope scope = LimitScope::brand;  // limited: the first scope that denied
  std::int64_t retry_after_ms = 0;
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Admits one event against every rate of the subject atomically: all of them count it, or (a
  // rate denies) none does.
  virtual task<result<RateVerdict>> admit(const RateSubject& subject, std::int64_t now_ms) = 0;
  // Counts one send to a destination prefix ("+49151", prefix_digits after the country code)
  // of a brand against its pumping policy (core/pumping.hpp), atomically with the block it may
  // start.
  virtual task<result<PumpingOutcome>> watch_prefix(const std::string& brand, int prefix_digits,
                                                    const std::string& prefix,
                                                    const PumpingPolicy& policy,
                                                    std::int64_t now_ms) = 0;
  virtual task<result<AdmissionVerdict>> admit_send(const SendAdmission& a,
                                                    std::int64_t now_ms) = 0;
  // Gives back the token an admitted event took from each of the subject's rates, for a send
  // that then did not happen.
  virtual task<result<bool>> refund(const RateSubject& subject, std::int64_t now_ms) = 0;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Never fails the caller: a lost event is logged, the request goes on.
  virtual void publish(const Event& e) = 0;
};

// The analytics buckets a brand's events were counted into (core/analytics.hpp).
class StatsStore {
 public:
  virtual ~StatsStore() = default;
  // The counters of each bucket, in the order asked (a bucket without counts is empty). With
  // `fields` only those (for totals), else every field (breakdowns included).
  virtual task<result<std::vector<analytics::Counts>>> read(
      const std::string& brand, const std::vector<analytics::Tile>& buckets,
      const std::vector<std::string>& fields) = 0;
  // The counters of the buckets summed (c:last: the newest), with `fields` only those.
  virtual task<result<analytics::Counts>> sum(const std::string& brand,
                                              const std::vector<analytics::Tile>& buckets,
                                              const std::vector<std::string>& fields) = 0;
};

// Anomaly alerts of a brand (core/anomaly.hpp), on the brand's slot.
class AlertStore {
 public:
  virtual ~AlertStore() = default;
  virtual task<result<std::vector<Alert>>> open_alerts(const std::string& brand) = 0;
  // Closed alerts, newest first.
  virtual task<result<std::vector<Alert>>> closed_alerts(const std::string& brand,
                                                         std::size_t limit) = 0;
  // True when this caller may evaluate the brand now: one evaluator per brand and period,
  // however many otpgate processes run.
  virtual task<result<bool>> take_lease(const std::string& brand, std::int64_t ttl_ms) = 0;
  virtual task<result<bool>> put_open(const std::string& brand, const Alert& a) = 0;
  virtual task<result<bool>> close(const std::string& brand, const Alert& a) = 0;
};

}  // namespace otpgate
