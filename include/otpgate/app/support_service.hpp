// Support's tools on a brand (/v1/brands/{brand}/subscribers/... and .../audit): one phone's
// lock, failure count and newest verifications, its unlock, and the brand's audit log. The rules
// live here: a lookup or unlock is written to the audit log first (no support action without
// its entry), and an unlock that freed a locked phone is an `unlocked` event. An unlock with an
// Idempotency-Key (docs/api.md, "Retries") writes its entry once and records its answer in the
// phone's slot: a retry replays it, with no second entry or event. Ports: AuditLog,
// SubscriberStore, PhoneParser, EventSink, Clock, Keyring (the key's MACs). The HTTP edge
// (api/brand_support.cpp) checks the path's phone with phone() first, then parses the body, then
// calls one operation, so a bad number is answered before a bad body.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/ports/audit_log.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/event_sink.hpp"
#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/phone_parser.hpp"
#include "otpgate/ports/retry_entry.hpp"
#include "otpgate/ports/subscriber_store.hpp"
#include "otpgate/ports/task.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace otpgate {

// Why a support operation did not succeed.
struct SupportError {
  errc code = errc::internal;
  std::string message;  // "" : the error's default public message
  std::string field;    // invalid_argument: the field at fault
};

template <class T>
using SupportOutcome = std::variant<T, SupportError>;

// A lookup (reason "") or an unlock of one phone of one brand.
struct SubscriberAction {
  std::string brand;
  ParsedPhone phone;   // from phone()
  std::string actor;   // the API key's id
  std::string reason;  // unlock: why (required by the edge)
  // unlock: the Idempotency-Key header ("" without one), valid_idempotency_key's syntax
  std::string idempotency_key;
};

// The phone's state as support sees it: never the raw number.
struct SubscriberView {
  std::string brand;
  std::string phone_masked;
  SubscriberState state;
  std::int64_t now_ms = 0;  // the time the state is as of
};

struct AuditQuery {
  std::string brand;
  std::string before;  // "" for the newest; else the `next` of an earlier page
  std::size_t limit = 50;
};

class SupportService {
 public:
  SupportService(AuditLog& audit, SubscriberStore& subscribers, const PhoneParser& phones,
                 EventSink& events, const Clock& clock, const Keyring& keys)
      : audit_(audit),
        subscribers_(subscribers),
        phones_(phones),
        events_(events),
        clock_(clock),
        keys_(keys) {}

  // The phone of a subscriber path, strict E.164: invalid_argument ("phone_number") otherwise.
  SupportOutcome<ParsedPhone> phone(std::string_view e164) const;
  // The audit entry, then the phone's state. store_* when either fails (the entry may then be
  // written, for an attempt).
  task<SupportOutcome<SubscriberView>> lookup(const SubscriberAction& a);
  // The audit entry (with the reason), then the unlock; the state after it. With a key: the
  // entry at most once, and a retry of the same request answers the first unlock (replayed);
  // another request under the key is idempotency_conflict, and nothing is written or changed.
  task<SupportOutcome<SubscriberView>> unlock(const SubscriberAction& a);
  task<SupportOutcome<AuditPage>> audit_page(const AuditQuery& q);

 private:
  task<SupportOutcome<SubscriberView>> act(const SubscriberAction& a, bool unlock);
  RetryEntry unlock_entry(const SubscriberAction& a) const;

  AuditLog& audit_;
  SubscriberStore& subscribers_;
  const PhoneParser& phones_;
  EventSink& events_;
  const Clock& clock_;
  const Keyring& keys_;
};

}  // namespace otpgate
