// What the HTTP edge asks of verifications, for a caller it has authenticated: the rules between
// a parsed request and the verification service. A create's brand (the key's, or the body's
// for an all-brands key), the brand's preconditions (a support_call text, a PSD2 order), the
// number against the numbering plan; a support call's id visible to support keys only; and
// every action of a support key written to the brand's audit log once its outcome is known.
#pragma once

#include "otpgate/app/verification_service.hpp"
#include "otpgate/ports/audit_log.hpp"
#include "otpgate/ports/phone_parser.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>

namespace otpgate {

// The API key a request came with, as the edge authenticated it (the route's roles and the
// path's brand are checked there).
struct Caller {
  std::string key_id;    // the key's name, for the audit log
  std::string brand;     // the key's brand, or "*"
  bool support = false;  // a support key: its actions are audited
};

// POST /v1/verifications as the edge parsed it (every field's shape checked).
struct StartRequest {
  std::string brand;         // "" unless the body names one
  std::string phone_number;  // as sent
  std::string locale;
  std::string client_ip;
  std::optional<Order> order;  // the validated order, if the body had one
  nlohmann::json metadata;     // null or a validated metadata object
  Purpose purpose = Purpose::checkout;
  std::string reason;                          // support_call: why, for the audit log
  std::optional<std::string> idempotency_key;  // the header as sent, if present
  std::string fingerprint;  // the parsed request (keys sorted), for idempotent replays
  // The checkout's customer for KYC Match (never logged or stored; see CreateCommand).
  std::optional<Customer> customer;
  // CAMARA send-code (docs/camara.md): the key's own brand (the route table admits no
  // all-brands key), never a PSD2 brand (no order to bind the code to), the caller's
  // message_text sent instead of the brand's template, and the phone's earlier send-code
  // superseded once this one is sent.
  bool camara = false;
  std::string message_text;  // "" or the caller's text with {{code}} (validated by the edge)
};

struct VerificationRequestsDeps {
  VerificationService& service;
  const BrandRegistry& brands;
  const PhoneParser& phones;
  AuditLog& audit;
  const Clock& clock;
  const Keyring& keys;
};

class VerificationRequests {
 public:
  explicit VerificationRequests(VerificationRequestsDeps deps) : d_(deps) {}

  // A support call's verification exists only for support keys (its id says so): every action
  // on an id the caller cannot see answers not_found.
  static bool visible(const Caller& caller, const VerificationId& id) {
    return caller.support || id.purpose() != Purpose::support_call;
  }

  task<Answer> start(const Caller& caller, const StartRequest& request);
  task<Answer> get(const Caller& caller, const VerificationId& id);
  // idempotency_key: the Idempotency-Key header as sent, if present (docs/api.md, "Retries");
  // its entry belongs to the caller's API key and the verification.
  task<Answer> check(const Caller& caller, const VerificationId& id, const std::string& code,
                     const OrderTerms& order,
                     const std::optional<std::string>& idempotency_key = std::nullopt);
  task<Answer> resend(const Caller& caller, const VerificationId& id,
                      const std::optional<std::string>& idempotency_key = std::nullopt);
  task<Answer> cancel(const Caller& caller, const VerificationId& id,
                      const std::optional<std::string>& idempotency_key = std::nullopt);

 private:
  // The create command for a request (pointing into `brands`, which the caller keeps alive), or
  // the answer refusing it.
  std::variant<CreateCommand, Answer> admit(const Caller& caller, const StartRequest& request,
                                            const BrandCatalog& brands) const;
  // A support key's action, written to the brand's audit log with its outcome. Never fails the
  // request: an entry that cannot be written goes to the error log.
  struct SupportAction {
    std::string action;  // "support_call.start", "verification.check", ...
    std::string brand;   // "" when unknown (a "*" key refused before a record was read)
    std::string target;  // the masked phone, when known
    std::string verification;
    std::string reason;
    std::string idempotency_key;  // the header as sent, "" when absent
  };
  task<void> audit(const Caller& caller, const SupportAction& what, const Answer& a);
  task<void> audit_on(const Caller& caller, const VerificationId& id, std::string_view verb,
                      const Answer& a, const RetryKey& retry);

  VerificationRequestsDeps d_;
};

}  // namespace otpgate
