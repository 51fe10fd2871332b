// VerificationStore and EventSink on Redis: every state change one EVALSHA on the phone's hash
// slot; events appended to a capped per-brand stream.
#pragma once

#include "otpgate/ports/rate_limiter.hpp"
#include "otpgate/ports/verification_store.hpp"
#include "otpgate/redis/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace otpgate {

// Key layout (all keys of one phone share the hash tag {tag}; see docs/redis.md).
struct RedisKeys {
  static std::string record(const VerificationId& id);
  static std::string record(std::string_view tag, std::string_view id);
  static std::string idempotency(std::string_view tag, std::string_view key_mac);
  static std::string failures(std::string_view tag);
  static std::string lock(std::string_view tag);
  static std::string lock_level(std::string_view tag);
  // The phone's newest verification ids (a list, newest first, recent_kept long), written by
  // the create script: the support lookup's index (store/redis/subscriber_store.hpp).
  static std::string recent(std::string_view tag);
  // The id of the phone's newest CAMARA send-code verification (lua/camara_supersede.lua).
  static std::string camara_latest(std::string_view tag);
  static constexpr std::size_t recent_kept = 50;
  // The creates whose first send may be left unsent: one sorted set of ids (its own slot),
  // scored by the send's deadline, noted before each create runs and read by the sweep.
  static std::string unsent();
  // A rate limit's key, named by the period in seconds: the phone's under the phone's tag, the
  // others on the brand's slot ({brand:<id>}), so one script admits a send brand-wide.
  static std::string rate(const RateSubject& subject, const Rate& rate);
  // The pumping watch, on the brand's slot ({brand:<id>}) for its prefix length (a new
  // prefix_digits starts a new watch): when the brand's traffic was first counted, each prefix's
  // decayed counts and block, and the counts of all its prefixes together.
  static std::string pumping_since(std::string_view brand, int prefix_digits);
  static std::string pumping_prefix(std::string_view brand, int prefix_digits,
                                    std::string_view prefix);
  static std::string pumping_all(std::string_view brand, int prefix_digits);
};

class RedisStore final : public VerificationStore {
 public:
  explicit RedisStore(redis::Connection& conn);
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
  // delivery.lua reads back only the record's changing fields (record_changing_fields) and
  // lays them over `known`: a whole record through Lua cost Redis about 6.5 µs per create.
  task<result<VerificationRecord>> record_delivery(const VerificationRecord& known,
                                                   const DeliveryUpdate& update,
                                                   std::int64_t now_ms) override;
  task<result<ReportOutcome>> apply_report(const VerificationId& id, const ReportUpdate& report,
                                           std::int64_t now_ms) override;
  task<result<bool>> mark_expired(const VerificationId& id, std::int64_t now_ms) override;
  task<result<std::vector<VerificationId>>> overdue_first_sends(std::int64_t now_ms,
                                                                std::size_t limit) override;
  task<result<bool>> forget_first_send(const VerificationId& id) override;
  // One ZREM of all the ids.
  task<result<std::size_t>> forget_first_sends(const std::vector<VerificationId>& ids) override;
  task<result<std::optional<VerificationRecord>>> end_overdue_send(const VerificationId& id,
                                                                   std::int64_t now_ms) override;
  // One camara_supersede.lua call (src/store/redis/camara_supersede.cpp).
  task<result<camara::Superseded>> supersede_camara(const VerificationRecord& newer,
                                                    std::int64_t now_ms) override;
  task<result<bool>> idempotency_known(const NewVerification& v) override;
  bool ready() const override;

 private:
  // The calls that note a create's id in the index of unsent first sends, due at due_ms.
  static std::vector<redis::Call> note_unsent(const VerificationId& id, std::int64_t due_ms,
                                              std::int64_t ttl_ms);
  // What went wrong with the note, from the create's replies (the note's first, then create's).
  static std::optional<std::string> note_failure(const std::vector<redis::Reply>& replies);

  redis::Connection& conn_;
};

// Decoding helpers, exposed for tests.
std::vector<std::string> record_to_fields(const VerificationRecord& r);
result<VerificationRecord> record_from_reply(const redis::Reply& flat_pairs);
// The hash fields of a record that change after its create (by a send, a check, a resend, a
// report, a cancel, an expiry or the sweep); every other field is written once, by the create.
const std::vector<std::string>& record_changing_fields();
// `known` with the changing fields replaced by `values` (an HMGET of record_changing_fields in
// that order; a nil reads as the field's absence does in record_from_reply).
result<VerificationRecord> record_overlaid(VerificationRecord known, const redis::Reply& values);

}  // namespace otpgate
