#include "otpgate/core/analytics.hpp"

#include "otpgate/core/signals.hpp"

namespace otpgate::analytics {
namespace {

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t hour_ms = 60 * minute_ms;
constexpr std::int64_t day_ms = 24 * hour_ms;

constexpr std::array<GranularityInfo, 3> infos = {{
    {"minute", 'm', minute_ms, 48 * hour_ms},
    {"hour", 'h', hour_ms, 90 * day_ms},
    {"day", 'd', day_ms, 730 * day_ms},
}};

std::string purpose_of(const Event& e) {
  return e.purpose.empty() ? std::string("checkout") : e.purpose;
}

// c:<outcome> and its breakdowns by the dimensions the event knows. The funnel is the checkout
// funnel: a support agent's identity check counts only under its purpose (pp=support_call), so
// it never moves a checkout rate.
void add_outcome(std::vector<std::string>& out, const Event& e, std::string_view outcome,
                 bool by_locale_and_prefix) {
  const std::string base = "c:" + std::string(outcome);
  if (purpose_of(e) != "checkout") {
    out.push_back(base + "|pp=" + purpose_of(e));
    return;
  }
  out.push_back(base);
  if (!e.gateway.empty()) out.push_back(base + "|gw=" + e.gateway);
  if (!e.country.empty()) out.push_back(base + "|cc=" + e.country);
  out.push_back(base + "|pp=" + purpose_of(e));
  if (!by_locale_and_prefix) return;
  if (!e.locale.empty()) out.push_back(base + "|lc=" + e.locale);
  if (!e.prefix.empty()) out.push_back(base + "|px=" + e.prefix);
}

void add_approval(Increments& inc, const Event& e) {
  add_outcome(inc.by_start_time, e, "approved", true);
  if (purpose_of(e) != "checkout") return;
  inc.by_start_time.push_back("c:att=" + std::to_string(e.attempt));
  inc.by_start_time.push_back("c:spa=" + std::to_string(e.send));
  const double seconds = static_cast<double>(e.at_ms - e.started_ms) / 1000.0;
  inc.by_start_time.push_back("c:tta=" + bound_label(time_to_approve_bounds, seconds));
}

void add_report(Increments& inc, const Event& e) {
  // Delivery latency: from the send to the report that it was delivered.
  if (e.type == EventType::delivered && e.latency_ms >= 0 && !e.gateway.empty()) {
    const double seconds = static_cast<double>(e.latency_ms) / 1000.0;
    inc.by_event_time.push_back("e:dlat|" + e.gateway + "|" +
                                bound_label(delivery_latency_bounds, seconds));
  }
  if (e.type == EventType::undelivered) {
    inc.by_event_time.push_back("e:undelivered");
    if (!e.gateway.empty()) inc.by_event_time.push_back("e:undelivered|" + e.gateway);
  } else if (e.first_delivery) {
    add_outcome(inc.by_start_time, e, "delivered", false);
  }
}

// The network signals a create asked (created, or refused for a signal): counted by event time,
// per signal and outcome. A create let through with a failed "flag" policy is flagged; a
// refused create is not (it did not go through), its refusal counts as e:refused_<reason>.
void add_signals(std::vector<std::string>& out, const Event& e) {
  if (e.sim_swap.empty() && e.kyc.empty()) return;
  const auto is = [](const std::string& v, SignalOutcome o) { return v == to_string(o); };
  out.push_back("e:signal_checks");
  if (!e.sim_swap.empty()) {
    out.push_back("e:sim_swap_checks");
    if (is(e.sim_swap, SignalOutcome::swapped)) out.push_back("e:sim_swaps");
    if (is(e.sim_swap, SignalOutcome::error)) out.push_back("e:sim_swap_errors");
  }
  if (!e.kyc.empty()) {
    out.push_back("e:kyc_checks");
    if (is(e.kyc, SignalOutcome::mismatch)) out.push_back("e:kyc_mismatches");
    if (is(e.kyc, SignalOutcome::error)) out.push_back("e:kyc_errors");
  }
  if (e.type == EventType::created && e.flagged) out.push_back("e:flagged");
}

}  // namespace

std::optional<std::string_view> checks_of(std::string_view indicator) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> shares = {{
      {"sim_swaps", "sim_swap_checks"},
      {"sim_swap_errors", "sim_swap_checks"},
      {"refused_sim_swap", "sim_swap_checks"},
      {"kyc_mismatches", "kyc_checks"},
      {"kyc_errors", "kyc_checks"},
      {"refused_kyc", "kyc_checks"},
      {"flagged", "signal_checks"},
      {"refused_signal_error", "signal_checks"},
  }};
  for (const auto& [name, checks] : shares)
    if (name == indicator) return checks;
  return std::nullopt;
}

const GranularityInfo& info(Granularity g) {
  return infos[static_cast<std::size_t>(g)];
}

std::optional<Granularity> granularity_from(std::string_view name) {
  for (Granularity g : all_granularities)
    if (info(g).name == name) return g;
  return std::nullopt;
}

std::int64_t bucket_floor(std::int64_t ms, Granularity g) {
  const std::int64_t len = info(g).bucket_ms;
  const std::int64_t r = ms % len;
  return ms - (r < 0 ? r + len : r);
}

Increments increments_for(const Event& e) {
  Increments inc;
  auto& ev = inc.by_event_time;
  switch (e.type) {
    case EventType::created:
      inc.marks_start = true;
      add_outcome(inc.by_start_time, e, "started", true);
      if (e.purpose == "support_call") ev.push_back("e:support_calls");
      add_signals(ev, e);
      break;
    case EventType::sent:
      add_outcome(inc.by_start_time, e, "sent", false);
      break;
    case EventType::resent:
      ev.push_back("e:resends");
      break;
    case EventType::send_failed:
      ev.push_back("e:send_failures");
      if (!e.gateway.empty()) ev.push_back("e:send_failures|" + e.gateway);
      // A first send that failed ends a pending verification (send_failed); a resend's does
      // not, nor does one whose verification was cancelled while the send ran.
      if (e.reason == "ended") add_outcome(inc.by_start_time, e, "send_failed", false);
      break;
    case EventType::checked_wrong:
      ev.push_back("e:wrong_codes");
      break;
    case EventType::approved:
      add_approval(inc, e);
      break;
    case EventType::failed:
      add_outcome(inc.by_start_time, e, "failed", false);
      break;
    case EventType::cancelled:
      add_outcome(inc.by_start_time, e, "cancelled", false);
      break;
    case EventType::locked:
      ev.push_back("e:locked");
      break;
    case EventType::unlocked:
      ev.push_back("e:unlocked");
      break;
    case EventType::delivered:
    case EventType::undelivered:
      add_report(inc, e);
      break;
    case EventType::rate_limited:
      ev.push_back("e:rate_limited");
      ev.push_back("e:rate_limited|" + e.limit);
      break;
    case EventType::prefix_blocked:
      ev.push_back("e:prefix_blocked");
      break;
    case EventType::refused:
      ev.push_back("e:refused_" + e.reason);
      add_signals(ev, e);
      break;
    case EventType::anomaly_opened:
      ev.push_back("e:anomalies");
      break;
    // Expiry is derived from the TTL (core/analytics_report.hpp), not counted from the event
    // that the first reader after it records.
    case EventType::expired:
    case EventType::checked_right:
    case EventType::anomaly_closed:
      break;
  }
  return inc;
}

}  // namespace otpgate::analytics
