// The Lua scripts that make every state change one atomic Redis call. Each mirrors a rule of
// core/verification.hpp; tests/integration/store_rules_test.cpp runs both on the same cases.
#pragma once

#include "otpgate/redis/connection.hpp"

#include <map>
#include <string_view>

namespace otpgate::scripts {

// KEYS: record, idempotency, lock, recent (the phone's index of ids, newest first).
// ARGV: now, record_ttl_ms, idem_fingerprint ("" = none), idem_ttl_ms, new_id, recent_kept,
// replay_only ("1": answer an earlier request with this idempotency key, or not_replayed, and
// create nothing), field, value, ...
// -> {"created"} | {"replay", id} | {"idem_conflict"} | {"blocked", pttl} | {"not_replayed"}
extern const std::string_view create;

// Every script on an existing verification takes the caller's brand (or "*") as ARGV[1] and
// answers {"not_found"} for another brand's verification, without touching it.

// KEYS: record, failures, lock, lock_level.
// ARGV: brand, now, mac (the typed code's MAC without a binding), bound_mac (with the presented
// order's PSD2 binding; compared instead of mac when the record has pb = 1). The lock policy is
// read from the record.
// -> {"not_found"} | {"blocked", pttl} | {result, lock_ms, fields...}
//    result: approved | wrong | failed | expired | not_pending
extern const std::string_view check;

// KEYS: record, lock. ARGV: brand, now
// -> {"not_found"} | {"blocked", pttl} | {result, retry_after_ms, fields...}
//    result: sent | too_soon | limit_reached | expired | not_pending
extern const std::string_view resend;

// KEYS: record. ARGV: brand, now -> {"not_found"} | {result, 0, fields...}
//    result: cancelled | expired | not_pending
extern const std::string_view cancel;

// KEYS: record. ARGV: brand, now, gateway, accepted (1/0), first_send (1/0), message_id
// -> {"not_found"} | {"ok", 0, fields...}
extern const std::string_view delivery;

// KEYS: record, lock. ARGV: gateway, message_id ("" = any), status, now
// -> {"not_found"} | {applied | stale, resend_claimed (1/0), fields...}
extern const std::string_view report;

// GCRA rate limit (core/rate_limit.hpp gcra_admit), all-or-nothing over keys of one hash slot.
// KEYS: one per rate. ARGV: now, then interval_ms and burst per key.
// -> {1, 0} admitted (every key's TAT stored with a TTL until it) | {0, retry_after_ms}
//    denied (nothing changed; the longest wait among the keys that denied)
extern const std::string_view rate_limit;

// SMS pumping (core/pumping.hpp pumping_admit) for one brand and destination prefix.
// KEYS: the brand's watching-since key, the prefix's hash, the brand's hash of all prefixes
// (one slot). ARGV: now, window_ms, baseline_ms, factor, min_sends, block_ms, ttl_ms (the
// keys' TTL, renewed on every call)
// -> {"allowed", 0} (counted) | {"tripped", block_ms} | {"blocked", remaining_ms}
extern const std::string_view pumping;

// KEYS: record. ARGV: now -> 1 when this call moved it from pending to expired, else 0.
extern const std::string_view expire;

// An event: appended to the brand's stream and added to its analytics buckets in one call
// (src/store/redis/analytics_scripts.cpp; the counters are core/analytics.hpp's increments_for).
// KEYS: stream, the event time's minute/hour/day buckets, the start time's minute/hour/day
// buckets (all on the brand's slot). ARGV: stream max length, the six buckets' expiry times (ms,
// in KEYS order), start time for c:last ("" = not a start), stream argument count ns, event
// field count ne, start field count nc, then the ns stream arguments (field value ...), the ne
// fields and the nc fields (each +1 in its three buckets) -> the stream entry's id
extern const std::string_view record_event;

// KEYS: bucket hashes (one slot). ARGV: fields (none: all) -> one array per key (HGETALL's
// pairs, or HMGET's values in ARGV order).
extern const std::string_view read_buckets;

// KEYS: bucket hashes (one slot). ARGV: fields (none: all) -> the fields' sums over the keys as
// pairs (field, value; c:last the largest): for buckets whose sum is all a query needs.
extern const std::string_view sum_buckets;

// Every script above by name (`otpgate --print-script NAME`).
const std::map<std::string_view, std::string_view>& by_name();

// The Script (source and SHA-1, computed once) of one of the sources above, found by address;
// throws std::logic_error for any other text (a script missing from by_name()).
const redis::Script& cached(std::string_view source);

}  // namespace otpgate::scripts
