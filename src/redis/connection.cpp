// Public face of the Redis adapter: Connection forwards to detail::link and bridges its
// callback-style completions to C++20 coroutines.
#include "otpgate/redis/connection.hpp"

#include "link.hpp"
#include "otpgate/redis/resp.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace otpgate::redis {

struct Connection::impl : detail::link {
  using detail::link::link;
};

namespace {

namespace asio = boost::asio;

// Wraps an Asio completion handler (move-only) into link::completion (copyable), and resumes
// it by posting to its executor: hiredis invokes completions from inside its read callback,
// and a coroutine resumed there could re-enter hiredis or destroy the connection under it.
template <class Result = result<Reply>, class Handler>
std::function<void(Result)> make_completion(Handler&& handler) {
  auto ex = asio::get_associated_executor(handler);
  auto shared = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
  return [shared, ex](Result r) {
    asio::post(ex, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
  };
}

// Completion signature void(result<Reply>): failures are values, so use_awaitable never throws.
// The call is taken by reference: a by-value parameter of class type would be a temporary of
// the caller's co_await expression, which g++ 12 may destroy twice (GCC PR 100611). The
// initiation gets a pointer, not a copy: use_awaitable runs it while the awaiting coroutine,
// whose frame holds the call, is suspended in this very co_await, and submit() hands its
// encoding to hiredis, which copies it.
template <class Token>
auto async_submit(const std::weak_ptr<detail::link>& weak, const Call& call, Token&& token) {
  return asio::async_initiate<Token, void(result<Reply>)>(
      [](auto handler, const std::weak_ptr<detail::link>& weak, const Call* call) {
        auto done = make_completion(std::move(handler));
        if (auto self = weak.lock()) return self->submit(call->wire, call->name, std::move(done));
        done(errc::store_unavailable);  // the Connection is gone
      },
      token, weak, &call);
}

bool is_noscript(const result<Reply>& r) {
  return r && r.value().is_error() && r.value().str.rfind("NOSCRIPT", 0) == 0;
}

// A script call Redis did not have (restart, SCRIPT FLUSH, failover) made EVAL, which runs it
// and caches it again: its source in place of the SHA-1, the rest of the encoding as it was.
void as_eval(Call& call) {
  const std::string_view rest = std::string_view(call.wire).substr(call.shared);
  std::string wire(header_size(call.count) + bulk_size(4) +
                       bulk_size(call.script->source.size()) + rest.size(),
                   '\0');
  char* p = put_bulk(put_bulk(put_header(wire.data(), call.count), "EVAL"), call.script->source);
  std::memcpy(p, rest.data(), rest.size());
  call.wire = std::move(wire);
  call.name = "EVAL";
}

// The coroutines hold the link weakly: a caller still suspended when its Connection is
// destroyed gets store_unavailable instead of touching freed state. A script's source
// (kilobytes) is copied only for the rare EVAL, not per call.
asio::awaitable<result<Reply>> run_call(std::weak_ptr<detail::link> weak, Call call) {
  auto first = co_await async_submit(weak, call, asio::use_awaitable);
  if (call.script == nullptr || !is_noscript(first)) co_return first;
  as_eval(call);
  auto second = co_await async_submit(weak, call, asio::use_awaitable);
  co_return second;
}

// Collects the results of calls submitted together; the last one to complete hands them all to
// `finish` (which posts). Single-threaded: every completion runs on the link's thread.
struct gathered {
  gathered(std::size_t n, std::function<void(std::vector<result<Reply>>)> f)
      : left(n), finish(std::move(f)) {
    // Built in place: copying an error result trips g++ 12's -Wmaybe-uninitialized at -O3.
    results.reserve(n);
    for (std::size_t i = 0; i < n; ++i) results.emplace_back(errc::internal);
  }
  void set(std::size_t i, result<Reply> r) {
    results[i] = std::move(r);
    if (--left == 0) finish(std::move(results));
  }
  std::vector<result<Reply>> results;
  std::size_t left;
  std::function<void(std::vector<result<Reply>>)> finish;
};

// Submits every call in one go, before anything can run in between: one connection, in order,
// all in hiredis' output buffer before it writes any. Completes once, with every result.
template <class Token>
auto async_submit_all(const std::weak_ptr<detail::link>& weak,
                      const std::vector<const Call*>& calls, Token&& token) {
  return asio::async_initiate<Token, void(std::vector<result<Reply>>)>(
      [](auto handler, const std::weak_ptr<detail::link>& weak,
         const std::vector<const Call*>* calls) {
        auto all = std::make_shared<gathered>(
            calls->size(), make_completion<std::vector<result<Reply>>>(std::move(handler)));
        const auto self = weak.lock();
        for (std::size_t i = 0; i < calls->size(); ++i) {
          detail::link::completion done = [all, i](result<Reply> r) { all->set(i, std::move(r)); };
          if (self)
            self->submit((*calls)[i]->wire, (*calls)[i]->name, std::move(done));
          else
            done(errc::store_unavailable);  // the Connection is gone
        }
      },
      token, weak, &calls);
}

// The pipeline's answer from its calls' results: every reply, or the error that says what may
// have run (store_unavailable only when no call was written: none has a reply).
result<std::vector<Reply>> pipeline_answer(std::vector<result<Reply>>& results) {
  bool all_unavailable = true;
  bool unanswered = false;
  std::optional<boost::system::error_code> other;
  for (const auto& r : results) {
    if (r) {
      all_unavailable = false;
      continue;
    }
    const bool unavailable = r.error() == errc::store_unavailable;
    all_unavailable = all_unavailable && unavailable;
    if (unavailable || r.error() == errc::store_timeout)
      unanswered = true;
    else if (!other)
      other = r.error();
  }
  if (all_unavailable && !results.empty()) return errc::store_unavailable;
  if (unanswered) return errc::store_timeout;  // some were written: each may have run
  if (other) return *other;
  std::vector<Reply> replies;
  replies.reserve(results.size());
  for (auto& r : results) replies.push_back(std::move(r.value()));
  return replies;
}

asio::awaitable<result<std::vector<Reply>>> run_pipeline(std::weak_ptr<detail::link> weak,
                                                         std::vector<Call> calls) {
  if (calls.empty()) co_return std::vector<Reply>{};  // nothing would ever complete
  std::vector<const Call*> sent;
  for (const Call& c : calls) sent.push_back(&c);
  auto results = co_await async_submit_all(weak, sent, asio::use_awaitable);
  // Scripts Redis did not have (restart, SCRIPT FLUSH, failover): EVAL, together, in order.
  std::vector<std::size_t> again;
  for (std::size_t i = 0; i < calls.size(); ++i)
    if (calls[i].script != nullptr && is_noscript(results[i])) again.push_back(i);
  if (again.empty()) co_return pipeline_answer(results);
  sent.clear();
  for (const std::size_t i : again) {
    as_eval(calls[i]);
    sent.push_back(&calls[i]);
  }
  auto second = co_await async_submit_all(weak, sent, asio::use_awaitable);
  for (std::size_t k = 0; k < again.size(); ++k) results[again[k]] = std::move(second[k]);
  co_return pipeline_answer(results);
}

}  // namespace

Call Call::command(const std::vector<std::string>& args) {
  Call call;
  if (args.empty()) return call;  // sends nothing: submit() answers invalid_argument
  append_command(call.wire, args);
  call.name = args.front();
  return call;
}

Call Call::eval(const Script& script, const std::vector<std::string>& keys,
                const std::vector<std::string>& args) {
  Call call{.name = "EVALSHA", .script = &script, .count = 3 + keys.size() + args.size()};
  const std::string numkeys = std::to_string(keys.size());
  call.wire.resize(header_size(call.count) + bulk_size(7) + bulk_size(script.sha1.size()) +
                   bulk_size(numkeys.size()) + bulks_size(keys) + bulks_size(args));
  char* p = put_bulk(put_bulk(put_header(call.wire.data(), call.count), "EVALSHA"), script.sha1);
  call.shared = static_cast<std::size_t>(p - call.wire.data());
  put_bulks(put_bulks(put_bulk(p, numkeys), keys), args);
  return call;
}

Connection::Connection(boost::asio::io_context& ioc, Config config)
    : impl_(std::make_shared<impl>(ioc, std::move(config))) {}

Connection::~Connection() {
  impl_->stop();
}

void Connection::start() {
  impl_->start();
}

void Connection::stop() {
  impl_->stop();
}

bool Connection::connected() const {
  return impl_->ready();
}

boost::asio::awaitable<result<Reply>> Connection::command(const std::vector<std::string>& args) {
  return run_call(impl_, Call::command(args));
}

boost::asio::awaitable<result<Reply>> Connection::eval(const Script& script,
                                                       const std::vector<std::string>& keys,
                                                       const std::vector<std::string>& args) {
  return run_call(impl_, Call::eval(script, keys, args));
}

boost::asio::awaitable<result<std::vector<Reply>>> Connection::pipeline(
    const std::vector<Call>& calls) {
  return run_pipeline(impl_, calls);
}

}  // namespace otpgate::redis
