// The verification use cases: create, get, resend, check, cancel. Orchestrates the pure rules
// (core), the store, the gateways and the event sink. One instance per io thread.
#pragma once

#include "otpgate/app/ports.hpp"
#include "otpgate/app/sms_dispatcher.hpp"
#include "otpgate/core/brand.hpp"
#include "otpgate/core/ports.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace otpgate {

struct CreateCommand {
  const Brand* brand = nullptr;
  PhoneNumber phone;
  std::string country;
  std::string locale;           // requested (may be empty)
  std::string order_json;       // "" or the validated order object
  std::string metadata_json;    // "" or the validated metadata object
  std::string idempotency_key;  // "" when absent
  std::string body;             // the raw request body, fingerprinted for idempotent replays
};

// What a use case answers: a record, or an error with the details the HTTP edge needs.
struct Answer {
  errc error = errc::ok;
  std::optional<VerificationRecord> record;
  std::int64_t retry_after_ms = 0;
  int attempts_left = -1;  // for code_invalid
  bool replayed = false;   // create: an idempotent replay of an earlier request
};

struct ServiceDeps {
  const BrandCatalog& brands;
  VerificationStore& store;
  EventSink& events;
  SmsDispatcher& dispatcher;
  const Clock& clock;
  Random& random;
  const Keyring& keys;
  std::int64_t retention_ms = 86'400'000;
};

class VerificationService {
 public:
  explicit VerificationService(ServiceDeps deps) : d_(deps) {}

  task<Answer> create(const CreateCommand& cmd);
  // brand: the caller's brand, or "*" for a key valid for all brands.
  task<Answer> get(const VerificationId& id, const std::string& brand);
  task<Answer> check(const VerificationId& id, const std::string& brand, const std::string& code);
  task<Answer> resend(const VerificationId& id, const std::string& brand);
  task<Answer> cancel(const VerificationId& id, const std::string& brand);
  // A gateway's delivery report (its signature already checked): updates the verification's
  // delivery state, emits delivered/undelivered, and performs the brand's one automatic
  // failover resend when the report claims it. errc::not_found: no such verification (any more).
  task<errc> apply_report(const VerificationId& id, const ReportUpdate& report);

  bool ready() const { return d_.store.ready(); }

 private:
  // The record a create stores: a new id, the code's MAC, the brand's policy as of now.
  NewVerification draft(const CreateCommand& cmd, std::int64_t now);
  // Sends the code, records the gateway's answer and emits sent/resent or send_failed.
  task<Answer> deliver(const Brand& brand, const VerificationRecord& r, bool first_send);
  // Renders the code's SMS and sends it through the brand's gateways from index `first` on.
  task<DispatchResult> send_code(const Brand& brand, const VerificationRecord& r,
                                 std::size_t first);
  // The automatic resend an undelivered report claimed: the gateway after the one that failed.
  task<void> resend_after_undelivered(const VerificationRecord& r);
  void emit(EventType type, const VerificationRecord& r, int attempt = 0);

  ServiceDeps d_;
};

}  // namespace otpgate
