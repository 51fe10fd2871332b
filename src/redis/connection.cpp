// Public face of the Redis adapter: Connection forwards to detail::link and bridges its
// callback-style completions to C++20 coroutines.
#include "otpgate/redis/connection.hpp"

#include "link.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
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
template <class Handler>
detail::link::completion make_completion(Handler&& handler) {
  auto ex = asio::get_associated_executor(handler);
  auto shared = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
  return [shared, ex](result<Reply> r) {
    asio::post(ex, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
  };
}

// Completion signature void(result<Reply>): failures are values, so use_awaitable never throws.
// Arguments are taken by reference: a by-value parameter of class type would be a temporary of
// the caller's co_await expression, which g++ 12 may destroy twice (GCC PR 100611). The
// initiation gets a pointer, not a copy: use_awaitable runs it while the awaiting coroutine,
// whose frame holds args, is suspended in this very co_await, and submit() copies nothing but
// the command name.
template <class Token>
auto async_submit(const std::weak_ptr<detail::link>& weak, const std::vector<std::string>& args,
                  Token&& token) {
  return asio::async_initiate<Token, void(result<Reply>)>(
      [](auto handler, const std::weak_ptr<detail::link>& weak,
         const std::vector<std::string>* args) {
        auto done = make_completion(std::move(handler));
        if (auto self = weak.lock()) return self->submit(*args, std::move(done));
        done(errc::store_unavailable);  // the Connection is gone
      },
      token, weak, &args);
}

// The coroutines hold the link weakly: a caller still suspended when its Connection is
// destroyed gets store_unavailable instead of touching freed state.
asio::awaitable<result<Reply>> run_command(std::weak_ptr<detail::link> weak,
                                           std::vector<std::string> args) {
  auto reply = co_await async_submit(weak, args, asio::use_awaitable);
  co_return reply;
}

bool is_noscript(const result<Reply>& r) {
  return r && r.value().is_error() && r.value().str.rfind("NOSCRIPT", 0) == 0;
}

// The script by pointer: its source (kilobytes) is copied only for the rare EVAL, not per call.
asio::awaitable<result<Reply>> run_eval(std::weak_ptr<detail::link> weak,
                                        std::vector<std::string> args, const Script* script) {
  auto first = co_await async_submit(weak, args, asio::use_awaitable);
  if (!is_noscript(first)) co_return first;
  // Not cached (Redis restarted, SCRIPT FLUSH, failover): EVAL runs it and caches it again.
  args[0] = "EVAL";
  args[1] = script->source;
  auto second = co_await async_submit(weak, args, asio::use_awaitable);
  co_return second;
}

}  // namespace

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
  return run_command(impl_, args);
}

boost::asio::awaitable<result<Reply>> Connection::eval(const Script& script,
                                                       const std::vector<std::string>& keys,
                                                       const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha1);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return run_eval(impl_, std::move(argv), &script);
}

}  // namespace otpgate::redis
