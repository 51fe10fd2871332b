#include "otpgate/signals/camara_signals.hpp"

#include "otpgate/core/types.hpp"
#include "otpgate/signals/camara_protocol.hpp"
#include "otpgate/util/log_limit.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <exception>

namespace otpgate::signals {
namespace {

using steady = std::chrono::steady_clock;
using Exchange = CamaraSignals::Exchange;

std::string masked(const std::string& phone_e164) {
  const auto p = PhoneNumber::parse_e164(phone_e164);
  return p ? p->masked() : std::string("invalid");
}

Exchange failed(SignalFailure f, int status = 0) {
  return Exchange{.failure = f, .status = status};
}

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

// A failing operator fails every query: rate-limited, shared by all io threads.
log::limited failure_lines;

// Never the customer, the token or the body: the operator, the api, the result, the masked
// number and the HTTP status.
void log_failure(const OperatorState& op, Api api, const std::string& phone, const Exchange& e) {
  failure_lines.write(log::level::warn, "network signal failed", [&] {
    return nlohmann::json{{"operator", op.config.id},
                          {"api", to_string(api)},
                          {"result", to_string(*e.failure)},
                          {"status", e.status},
                          {"phone", masked(phone)}};
  });
}

}  // namespace

SignalsShared::SignalsShared(const OperatorCatalog& operators, const Clock& clock) : clock_(clock) {
  for (const auto& [id, config] : operators)
    operators_.emplace(id, std::make_unique<OperatorState>(config, clock));
  register_signal_metrics();
}

OperatorState* SignalsShared::find(std::string_view id) const {
  const auto it = operators_.find(id);
  return it == operators_.end() ? nullptr : it->second.get();
}

metrics::Registration SignalsShared::export_circuit_states(metrics::Registry& r) const {
  return r.collected_gauge(
      "otpgate_signal_circuit_state",
      "State of each operator's circuit breaker: 0 closed, 1 half-open, 2 open", {"operator"},
      [this] {
        std::vector<metrics::Sample> out;
        for (const auto& [id, op] : operators_) {
          const auto s = op->circuit.state(clock_.now_ms());
          const double v = s == CircuitBreaker::State::closed      ? 0
                           : s == CircuitBreaker::State::half_open ? 1
                                                                   : 2;
          out.push_back({{id}, v});
        }
        return out;
      });
}

// The answers of one query, filled by its calls on the io thread, and the timer the query waits
// on. The calls hold it too: whichever finishes last frees it.
struct CamaraSignals::Join {
  explicit Join(boost::asio::any_io_executor ex) : done(std::move(ex)) {
    done.expires_at(steady::time_point::max());
  }
  void finish_one() {
    if (--pending == 0) done.cancel();
  }
  boost::asio::steady_timer done;
  int pending = 0;
  SignalAnswers answers;
};

task<SignalAnswers> CamaraSignals::query(const SignalQuery& q) {
  auto ex = co_await boost::asio::this_coro::executor;
  auto join = std::make_shared<Join>(ex);
  // Both calls start before either is awaited: they overlap (Boost 1.74 has no parallel_group).
  join->pending = (q.sim_swap ? 1 : 0) + (q.kyc ? 1 : 0);
  if (q.sim_swap)
    boost::asio::co_spawn(ex, run_sim_swap(join, q.phone_e164, *q.sim_swap), boost::asio::detached);
  if (q.kyc) boost::asio::co_spawn(ex, run_kyc(join, q.phone_e164, *q.kyc), boost::asio::detached);
  while (join->pending > 0) {
    boost::system::error_code ec;
    co_await join->done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  co_return std::move(join->answers);
}

task<void> CamaraSignals::run_sim_swap(std::shared_ptr<Join> join, std::string phone,
                                       SignalQuery::SimSwap ask) {
  SimSwapAnswer answer{.failure = SignalFailure::not_configured};
  try {
    if (OperatorState* op = shared_.find(ask.operator_id))
      answer = co_await sim_swap(*op, phone, ask.max_age_hours);
  } catch (const std::exception&) {
    answer = SimSwapAnswer{.failure = SignalFailure::operator_error};
  }
  join->answers.sim_swap = std::move(answer);
  join->finish_one();
}

task<void> CamaraSignals::run_kyc(std::shared_ptr<Join> join, std::string phone,
                                  SignalQuery::Kyc ask) {
  KycAnswer answer{.failure = SignalFailure::not_configured};
  try {
    if (OperatorState* op = shared_.find(ask.operator_id))
      answer = co_await kyc(*op, phone, ask.customer);
  } catch (const std::exception&) {
    answer = KycAnswer{.failure = SignalFailure::operator_error};
  }
  join->answers.kyc = std::move(answer);
  join->finish_one();
}

task<SimSwapAnswer> CamaraSignals::sim_swap(OperatorState& op, const std::string& phone,
                                            int max_age) {
  const std::string key = sim_swap_key(op.config.id, phone, max_age);
  const Clock& clock = shared_.clock();
  if (auto hit = op.results.find(key, clock.now_ms())) co_return std::get<SimSwapAnswer>(*hit);
  SimSwapAnswer answer;
  const Parse parse = [&answer](const std::string& body) {
    answer = parse_sim_swap(body);
    return answer.failure;
  };
  HttpRequest request = sim_swap_request(op.config, phone, max_age);
  Exchange e = co_await call(op, Api::sim_swap, phone, std::move(request), parse);
  if (e.failure) co_return SimSwapAnswer{.failure = e.failure};
  op.results.put(key, answer, clock.now_ms(), op.config.cache.count());
  co_return answer;
}

task<KycAnswer> CamaraSignals::kyc(OperatorState& op, const std::string& phone,
                                   const Customer& customer) {
  const std::string key = kyc_key(op.config.id, phone, customer);
  const Clock& clock = shared_.clock();
  if (auto hit = op.results.find(key, clock.now_ms())) co_return std::get<KycAnswer>(*hit);
  KycAnswer answer;
  const Parse parse = [&answer, &customer](const std::string& body) {
    answer = parse_kyc(body, customer);
    return answer.failure;
  };
  HttpRequest request = kyc_request(op.config, phone, customer);
  Exchange e = co_await call(op, Api::kyc_match, phone, std::move(request), parse);
  if (e.failure) co_return KycAnswer{.failure = e.failure};
  op.results.put(key, answer, clock.now_ms(), op.config.cache.count());
  co_return answer;
}

task<Exchange> CamaraSignals::call(OperatorState& op, Api api, const std::string& phone,
                                   HttpRequest request, const Parse& parse) {
  const auto start = steady::now();
  const Deadline deadline = start + op.config.timeout;
  const Permit permit = op.circuit.try_acquire(shared_.clock().now_ms());
  if (permit == Permit::denied) {
    record_call(op.config.id, api, SignalFailure::circuit_open, 0);
    co_return failed(SignalFailure::circuit_open);
  }
  Exchange e = co_await authorized(op, request, deadline);
  if (!e.failure) e.failure = parse(e.response.body);  // a 2xx that breaks the spec fails too
  op.circuit.on_result(circuit_outcome(e.failure, e.status), shared_.clock().now_ms(), permit);
  record_call(op.config.id, api, e.failure, seconds_since(start));
  if (e.failure) log_failure(op, api, phone, e);
  co_return e;
}

task<Exchange> CamaraSignals::authorized(OperatorState& op, const HttpRequest& request,
                                         Deadline deadline) {
  // The first attempt with the cached token; after a 401 one more with a fresh one.
  for (int attempt = 0;; ++attempt) {
    TokenCache::Result token = co_await op.tokens.get(http_, deadline);
    if (auto* f = std::get_if<SignalFailure>(&token)) co_return failed(*f);
    const std::string& bearer = std::get<std::string>(token);
    Exchange e = co_await send(request, bearer, deadline);
    if (e.status != 401 || attempt == 1) co_return e;
    op.tokens.drop(bearer);
  }
}

task<Exchange> CamaraSignals::send(const HttpRequest& request, const std::string& token,
                                   Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
  if (left.count() <= 0) co_return failed(SignalFailure::timeout);
  HttpRequest r = request;
  r.headers.emplace_back("Authorization", "Bearer " + token);
  const HttpTimeouts timeouts{.total = left, .connect = std::min(left, HttpTimeouts{}.connect)};
  auto answer = co_await http_.perform(r, timeouts);
  if (!answer)
    co_return failed(answer.error() == errc::gateway_timeout ? SignalFailure::timeout
                                                             : SignalFailure::unreachable);
  HttpResponse& response = answer.value();
  if (auto f = failure_of_status(response.status)) co_return failed(*f, response.status);
  co_return Exchange{.status = response.status, .response = std::move(response)};
}

}  // namespace otpgate::signals
