// The events of the verification use cases (VerificationService's emit*, defined apart from the
// use cases): what each event carries for the stream and the analytics counters.
#include "otpgate/app/verification_service.hpp"

namespace otpgate {
namespace {

// The network signals' outcomes on a created or refused event (never the customer's data).
void add_signals(Event& e, const SignalResults& s) {
  if (s.sim_swap) e.sim_swap = std::string(to_string(*s.sim_swap));
  if (s.kyc) e.kyc = std::string(to_string(*s.kyc));
  e.flagged = s.flagged;
}

}  // namespace

Event VerificationService::event_of(EventType type, const VerificationRecord& r,
                                    int attempt) const {
  const bool counts_sends = type == EventType::sent || type == EventType::resent ||
                            type == EventType::send_failed || type == EventType::approved;
  Event e{.type = type,
          .brand = r.brand,
          .verification_id = r.id.str(),
          .phone_masked = r.phone.masked(),
          .country = r.country,
          .gateway = r.gateway,
          .attempt = attempt,
          .send = counts_sends ? r.sends : 0,
          .at_ms = d_.clock.now_ms(),
          .locale = r.locale,
          .metadata_json = r.metadata_json,
          .started_ms = r.created_ms};
  // Analysts' funnels must not mix identity checks with checkouts.
  if (r.id.purpose() == Purpose::support_call)
    e.purpose = std::string(to_string(Purpose::support_call));
  // Starts and approvals by destination prefix (the pumping watch's ranges): high volume with
  // low conversion in one range is the pumping signature the alerts look for.
  if (type == EventType::created || type == EventType::approved) {
    const auto brands = d_.brands.current();
    const auto b = brands->find(r.brand);
    if (b != brands->end())
      e.prefix = destination_prefix(r.phone.e164(), b->second.limits.prefix_digits);
  }
  if (type == EventType::created && r.signals) add_signals(e, *r.signals);
  return e;
}

void VerificationService::emit(EventType type, const VerificationRecord& r, int attempt) {
  d_.events.publish(event_of(type, r, attempt));
}

void VerificationService::emit_refused(const CreateCommand& cmd, std::string reason,
                                       const SignalResults* signals) {
  Event e{.type = EventType::refused,
          .brand = cmd.brand->id.str(),
          .phone_masked = cmd.phone.masked(),
          .country = cmd.country,
          .at_ms = d_.clock.now_ms(),
          .reason = std::move(reason)};
  if (cmd.purpose == Purpose::support_call)
    e.purpose = std::string(to_string(Purpose::support_call));
  if (signals) add_signals(e, *signals);
  d_.events.publish(e);
}

void VerificationService::emit_send(EventType type, const VerificationRecord& r,
                                    const SendReport& report) {
  Event e = event_of(type, r);
  if (type == EventType::send_failed && r.status == Status::send_failed) e.reason = "ended";
  if (type != EventType::send_failed) {
    e.segments = report.segments;
    e.encoding = std::string(report.encoding);
  }
  d_.events.publish(e);
}

void VerificationService::emit_recorded_send(const VerificationRecord& sent, EventType type,
                                             const VerificationRecord& after,
                                             const SendReport& report, bool first_send) {
  // A create's created event goes with its first send's record, so a create whose send was
  // handed over to a retry (its claim given back) is counted started once, by the send that
  // was recorded.
  if (first_send) emit(EventType::created, sent);
  emit_send(type, after, report);
}

void VerificationService::emit_unsent_failed(const VerificationRecord& r) {
  // Counted as every other first send that failed (metrics, analytics): its create started
  // (created is emitted with a first send's record, and this one never had one), then a
  // send_failed ended it.
  emit_recorded_send(r, EventType::send_failed, r, SendReport{}, true);
}

}  // namespace otpgate
