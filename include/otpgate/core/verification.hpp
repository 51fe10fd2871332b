// The verification state machine: pending -> approved | failed | expired | cancelled |
// send_failed. These pure functions are the rules; the Redis store runs the same rules inside
// one Lua script per state change (src/store/redis/lua/), and tests/integration checks
// that both agree on the same scenarios.
#pragma once

#include "otpgate/core/code.hpp"
#include "otpgate/core/delivery_status.hpp"
#include "otpgate/core/order.hpp"
#include "otpgate/core/signals.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

enum class Status { pending, approved, failed, expired, cancelled, send_failed };

std::string_view to_string(Status s);
std::optional<Status> status_from_string(std::string_view s);

// A verification as stored (never the code; only its MAC). Its values are typed; strings of them
// exist only at the edges: the Redis record (store/redis/record_fields.cpp, whose field names and
// values are those of every earlier version) and the JSON of answers and events.
//
// Default-constructed (as the store's outcomes are before a script answers), id and phone are
// empty (core/types.hpp); every record a create drafts or the store reads has both.
struct VerificationRecord {
  VerificationId id;
  std::string brand;
  PhoneNumber phone;    // only inside the expiring record
  std::string country;  // ISO 3166-1 alpha-2
  std::string locale;   // the locale the SMS was rendered in
  Status status = Status::pending;
  std::string code_mac;
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
  std::int64_t finished_ms = 0;  // when it left pending; 0 while pending
  int attempts_used = 0;
  int max_attempts = 0;
  int sends = 0;
  int max_sends = 0;
  std::int64_t resend_cooldown_ms = 0;
  std::int64_t last_send_ms = 0;
  // queued until the first send is recorded, then as the gateways and their reports say.
  DeliveryStatus delivery_status = DeliveryStatus::queued;
  std::string gateway;
  std::string message_id;  // the accepting gateway's id for the last send
  // When the first delivery report saying "delivered" arrived (0: none yet): analytics count a
  // verification as delivered once, however many of its sends were.
  std::int64_t delivered_ms = 0;
  // The brand's delivery.resend_on_undelivered at create: 0 off, 1 on and unused, 2 used.
  int auto_resend = 0;
  // The code's format when the verification was created, so a resend re-derives the same code
  // even after the brand's policy changed.
  CodeFormat code_format;
  // The brand's lock policy when the verification was created, so a check (one script call)
  // needs nothing but the record.
  int lock_max_failed = 0;
  std::int64_t lock_window_ms = 0;
  std::int64_t lock_ms = 0;
  std::int64_t lock_max_ms = 0;
  std::optional<Order> order;  // the order the create presented (validated), if any
  // 1 when the code is bound to the order (PSD2 dynamic linking, set at create from the brand):
  // code_mac then holds the MAC with the order's binding (core/psd2.hpp), and a check matches
  // only with the same amount, currency and payee. 0: the code alone decides.
  int order_bound = 0;
  // "" or the create's metadata object as JSON text: opaque to otpgate (up to 10 strings the shop
  // reads back in answers and events), so it stays the validated text and is never parsed here.
  std::string metadata_json;
  // "" or the caller's own SMS text with {{code}} (CAMARA send-code's message), sent instead of
  // the brand's template by every send of this verification.
  std::string message_text;
  // What the network signals said at create (core/signals.hpp), if any were asked. Only the
  // outcomes and per-field results: never the customer's data.
  std::optional<SignalResults> signals;
};

// The status a reader should see at `now`: a pending record past expires_ms is expired.
Status effective_status(const VerificationRecord& r, std::int64_t now_ms);
int attempts_left(const VerificationRecord& r);
int sends_left(const VerificationRecord& r);
std::int64_t resend_available_ms(const VerificationRecord& r);

// A resend needs at least this much validity left: otpgate never sends a code that expires
// sooner than the shortest TTL a brand can set (brands/schema.json, code.ttl_seconds).
inline constexpr std::int64_t min_resend_validity_ms = 30'000;
// When the next resend may happen, or nullopt when none can: the verification is not pending
// at now_ms, it has no sends left, or the cooldown ends too close to expiry.
std::optional<std::int64_t> next_resend_ms(const VerificationRecord& r, std::int64_t now_ms);
// The whole minutes, rounded up, the code stays valid after its latest send: what the SMS
// promises in {{ttl_minutes}} (a resend states the time left, not the brand's TTL).
std::int64_t minutes_valid_after_send(const VerificationRecord& r);

enum class CheckResult { approved, wrong, failed, expired, not_pending };

// A check presents two MACs of the typed code, one without a binding and one with the binding of
// the order it presents (psd2_unmatchable_binding when it presents none); the record decides
// which one is compared with its code_mac, so the check needs no read first. The check script
// applies the same rule.
inline const std::string& presented_mac(const VerificationRecord& r, const std::string& unbound,
                                        const std::string& bound) {
  return r.order_bound == 1 ? bound : unbound;
}

// Applies one check to r (mutating it) and says what happened. code_matches must come from a
// constant-time comparison of MACs. A wrong code always consumes an attempt; the attempt that
// exhausts max_attempts turns the verification failed.
CheckResult apply_check(VerificationRecord& r, bool code_matches, std::int64_t now_ms);

enum class ResendResult { sent, too_soon, too_late, limit_reached, expired, not_pending };

// Applies a resend: counts a send and restarts the cooldown, never touching attempts or the
// code. retry_after_ms is set for too_soon. too_late: the cooldown would end (or has ended)
// within min_resend_validity_ms of expiry, so no resend can happen any more.
ResendResult apply_resend(VerificationRecord& r, std::int64_t now_ms, std::int64_t& retry_after_ms);

// A retry's take-over of a resend that an earlier request with its Idempotency-Key claimed and
// left unsent (its claim ran out, or was released): the send apply_resend counted then goes
// out now (sent), unless the verification ended (expired, not_pending) or less than
// min_resend_validity_ms of the code is left (too_late). Counts nothing.
ResendResult take_over_resend(VerificationRecord& r, std::int64_t now_ms);

enum class CancelResult { cancelled, expired, not_pending };
CancelResult apply_cancel(VerificationRecord& r, std::int64_t now_ms);

}  // namespace otpgate
