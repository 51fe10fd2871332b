// Events: one per state change, the raw material of analytics and the audit trail. They carry
// masked phones only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate {

enum class EventType {
  created,
  sent,
  resent,
  send_failed,
  checked_right,
  checked_wrong,
  approved,
  failed,
  expired,
  cancelled,
  locked,
  delivered,     // a gateway's report: the SMS reached the phone
  undelivered,   // a gateway's report: it did not (undelivered or failed)
  rate_limited,  // a rate limit denied a send (the limit in `limit`; no verification id on create)
  prefix_blocked,  // SMS pumping suspected: a destination prefix is blocked (in `prefix`)
  // a create refused for the number: `reason` country, line_type, or a network signal's
  // sim_swap, kyc or signal_error (with `sim_swap` / `kyc` set)
  refused,
  unlocked,        // support unlocked a phone locked by failed checks
  anomaly_opened,  // an analytics alert opened (`reason`: the indicator, `prefix` if any)
  anomaly_closed,  // that alert closed: the indicator is back to normal
};

std::string_view to_string(EventType t);

struct Event {
  EventType type = EventType::created;
  std::string brand;
  std::string verification_id;
  std::string phone_masked;
  std::string country;
  std::string gateway;  // for sent / resent / send_failed / delivered / undelivered
  int attempt = 0;      // check attempt number (1-based) for checked_* / approved / failed
  int send = 0;         // send number (1-based) for sent / resent
  std::int64_t at_ms = 0;
  std::string locale;
  std::string metadata_json;  // the create request's metadata, echoed
  std::string limit;          // rate_limited: phone, ip, prefix, brand or prefix_anomaly
  std::string prefix;         // prefix_blocked: the destination prefix ("+49151")
  std::string purpose;        // "support_call" for a support call's events; "" for checkouts
  // When the verification started (its created_at): analytics count a verification's outcome
  // in the bucket of its start (the cohort). 0 for events without a verification.
  std::int64_t started_ms = 0;
  int segments = 0;      // sent / resent: SMS segments of the text (what the send costs)
  std::string encoding;  // sent / resent: gsm7 or ucs2
  // refused: country or line_type; anomaly_*: the indicator; send_failed: "ended" when the
  // failed send ended the verification (its first send, while it was pending)
  std::string reason;
  // delivered: the first delivery report for this verification (a resend's report is not)
  bool first_delivery = false;
  // delivered / undelivered: ms from the send the report is about to the report
  std::int64_t latency_ms = -1;
  // created, and refused for a signal: the network signals' outcomes (core/signals.hpp,
  // SignalOutcome): sim_swap "clear", "swapped" or "error"; kyc "match", "mismatch" or "error";
  // "" when not asked. flagged: a signal failed a policy whose action is "flag".
  std::string sim_swap;
  std::string kyc;
  bool flagged = false;
};

// Flat field/value pairs as written to the Redis stream (XADD ... field value ...).
std::vector<std::pair<std::string, std::string>> event_fields(const Event& e);

}  // namespace otpgate
