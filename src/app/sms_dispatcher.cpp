#include "otpgate/app/sms_dispatcher.hpp"

#include "otpgate/util/log.hpp"
#include "otpgate/util/log_limit.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>

namespace otpgate {
namespace {

// While a gateway is down every send would log these (one line per request while its circuit is
// open): rate-limited per kind, shared by all io threads.
log::limited circuit_open_lines;
log::limited failed_attempt_lines;

// Reports a granted send to the circuit exactly once. If the send never reports (it threw, or
// its coroutine was destroyed at shutdown), it counts as a transient failure, so a half-open
// probe can never stay "in flight" forever and lock the gateway out.
class CircuitTicket {
 public:
  CircuitTicket(GatewayCircuit& circuit, const Clock& clock, Permit permit)
      : circuit_(circuit), clock_(clock), permit_(permit) {}
  ~CircuitTicket() {
    if (!reported_) circuit_.on_result(SendOutcome::transient, clock_.now_ms(), permit_);
  }
  CircuitTicket(const CircuitTicket&) = delete;
  CircuitTicket& operator=(const CircuitTicket&) = delete;

  void report(SendOutcome outcome) {
    reported_ = true;
    circuit_.on_result(outcome, clock_.now_ms(), permit_);
  }

 private:
  GatewayCircuit& circuit_;
  const Clock& clock_;
  Permit permit_;
  bool reported_ = false;
};

}  // namespace

struct SmsDispatcher::Progress {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  DispatchResult result;

  milliseconds elapsed() const {
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  }
};

double SmsDispatcher::jitter() {
  std::array<std::uint8_t, 4> bytes{};
  random_.fill(bytes);
  const std::uint32_t v = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                          (std::uint32_t{bytes[2]} << 8) | bytes[3];
  return static_cast<double>(v) / 4294967296.0;
}

task<DispatchResult> SmsDispatcher::send(const DeliveryPolicy& policy,
                                         const std::vector<std::string>& order, std::size_t first,
                                         const SmsMessage& message) {
  Progress progress;
  for (std::size_t i = first; i < order.size(); ++i) {
    if (attempt_budget(policy, progress.elapsed()) <= milliseconds(0)) break;
    const std::string& name = order[i];
    const bool accepted = co_await try_gateway(policy, name, message, progress);
    if (accepted) break;
  }
  co_return progress.result;
}

task<bool> SmsDispatcher::try_gateway(const DeliveryPolicy& policy, const std::string& name,
                                      const SmsMessage& message, Progress& progress) {
  const auto gw = gateways_.find(name);
  GatewayCircuit* const found = circuits_.find(name);
  if (gw == gateways_.end() || found == nullptr) co_return false;
  GatewayCircuit& circuit = *found;
  for (int attempt = 1;; ++attempt) {
    const milliseconds budget = attempt_budget(policy, progress.elapsed());
    if (budget <= milliseconds(0)) co_return false;
    const Permit permit = circuit.try_acquire(clock_.now_ms());
    if (permit == Permit::denied) {
      circuit_open_lines.write(log::level::warn, "gateway skipped: circuit open", [&] {
        return nlohmann::json{{"gateway", name}, {"verification_id", message.verification_id}};
      });
      co_return false;
    }
    CircuitTicket ticket(circuit, clock_, permit);
    ++progress.result.attempts;
    progress.result.gateway = name;  // the last gateway actually tried
    const SendAttempt a = co_await gw->second->send(message, budget);
    ticket.report(a.outcome);
    if (a.outcome == SendOutcome::accepted) {
      progress.result.accepted = true;
      progress.result.message_id = a.message_id;
      co_return true;
    }
    failed_attempt_lines.write(log::level::warn, "gateway attempt failed", [&] {
      return nlohmann::json{
          {"gateway", name},
          {"verification_id", message.verification_id},
          {"attempt", attempt},
          {"outcome", a.outcome == SendOutcome::permanent ? "permanent" : "transient"},
          {"reason", a.reason}};
    });
    const Decision d = decide_after_attempt(policy, a, attempt, progress.elapsed(), jitter());
    if (d.step != NextStep::retry) co_return false;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(d.delay);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
}

}  // namespace otpgate
