// Connection lifecycle of detail::link: resolve, non-blocking connect, AUTH, backoff.
//
// hiredis 0.14 rules this file relies on:
//  - The connect callback runs outside REDIS_IN_CALLBACK, and after a failed connect hiredis
//    frees the context itself; so neither connect nor disconnect callbacks may free it.
//  - redisAsyncFree() from a reply callback is deferred until the callback returns.
//  - redisAsyncFree() runs every queued reply callback with a NULL reply, then the cleanup
//    hook, then (if it had connected) the disconnect callback, all synchronously.
#include "link.hpp"

#include "asio_adapter.hpp"
#include "otpgate/metrics/otpgate_metrics.hpp"
#include "otpgate/util/log_limit.hpp"

#include <boost/asio/ip/address.hpp>
#include <hiredis/async.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace otpgate::redis::detail {

nlohmann::json where(const Config& c) {
  return {{"host", c.host}, {"port", c.port}};
}

namespace {

// While Redis is away or flapping, each reconnect would write these again: rate-limited per
// kind, shared by every io thread's link (docs/architecture.md, "Logging"). "redis connected"
// too: a link cut every few milliseconds reconnects as often.
log::limited connected_lines;
log::limited resolve_failed_lines;
log::limited connect_timed_out_lines;
log::limited not_ready_lines;
log::limited auth_refused_lines;
log::limited connection_lost_lines;

}  // namespace

void link::do_connect() {
  ++attempt_;
  set_state(state::connecting);
  arm_connect_timer();
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(config_.host, ec);
  if (!ec) return do_hiredis_connect(address.to_string());
  do_resolve();  // hiredis would call getaddrinfo() and block the io thread
}

void link::do_resolve() {
  resolver_.async_resolve(
      config_.host, std::to_string(config_.port),
      [w = weak_from_this(), attempt = attempt_](boost::system::error_code ec,
                                                 boost::asio::ip::tcp::resolver::results_type rs) {
        auto self = w.lock();
        if (!self || self->attempt_ != attempt || self->state_ != state::connecting) return;
        if (ec || rs.empty()) {
          resolve_failed_lines.write(log::level::warn, "redis resolve failed",
                                     [&] { return where(self->config_); });
          return self->schedule_reconnect();
        }
        self->do_hiredis_connect(rs.begin()->endpoint().address().to_string());
      });
}

void link::do_hiredis_connect(const std::string& ip) {
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), config_.port);
  if (ac == nullptr || ac->err != 0) {
    // Loopback refusals are often reported synchronously by the non-blocking connect(2).
    if (ac != nullptr) redisAsyncFree(ac);
    return schedule_reconnect();
  }
  // Hooks first: redisAsyncSetConnectCallback calls addWrite immediately.
  if (attach_asio(ac, ioc_)) {
    redisAsyncFree(ac);
    return schedule_reconnect();
  }
  ac->data = this;
  ctx_ = ac;
  redisAsyncSetConnectCallback(ac, &link::connect_cb);
  redisAsyncSetDisconnectCallback(ac, &link::disconnect_cb);
}

// Covers resolve, TCP connect, AUTH and PING: a peer that accepts but never answers is a failure.
void link::arm_connect_timer() {
  connect_timer_.expires_after(config_.connect_timeout);
  connect_timer_.async_wait(
      [w = weak_from_this(), attempt = attempt_](boost::system::error_code ec) {
        auto self = w.lock();
        if (ec || !self || self->attempt_ != attempt) return;
        if (self->state_ != state::connecting && self->state_ != state::handshaking) return;
        connect_timed_out_lines.write(log::level::warn, "redis connect timed out",
                                      [&] { return where(self->config_); });
        self->resolver_.cancel();
        // This attempt already waited the connect timeout: the next one after the shortest
        // backoff, so a Redis that hung is reached soon after it answers again.
        self->backoff_ = self->config_.reconnect_min;
        self->drop_and_reconnect();
      });
}

void link::on_connected(const redisAsyncContext* ac, int status) {
  if (ac != ctx_) return;
  if (status != REDIS_OK) {
    ctx_ = nullptr;  // hiredis frees it right after this callback
    return schedule_reconnect();
  }
  set_state(state::handshaking);
  send_handshake();
}

// AUTH (when configured) and PING, pipelined. A TCP connection proves only that the kernel
// accepted it (a stopped Redis still completes the handshake): the link is ready when PING is
// answered, and the connect timer drops a peer that never answers.
void link::send_handshake() {
  static char ping_tag = 0;  // PING's privdata: tells its reply from AUTH's
  const char* auth_argv[] = {"AUTH", config_.password.data()};
  const size_t auth_lens[] = {4, config_.password.size()};
  const char* ping_argv[] = {"PING"};
  const size_t ping_lens[] = {4};
  const bool sent =
      (config_.password.empty() || redisAsyncCommandArgv(ctx_, &link::handshake_cb, nullptr, 2,
                                                         auth_argv, auth_lens) == REDIS_OK) &&
      redisAsyncCommandArgv(ctx_, &link::handshake_cb, &ping_tag, 1, ping_argv, ping_lens) ==
          REDIS_OK;
  if (sent) return;
  // Freeing here would pull the context from under hiredis' connect handling.
  boost::asio::post(ioc_, [w = weak_from_this(), attempt = attempt_] {
    auto self = w.lock();
    if (self && self->attempt_ == attempt && self->state_ == state::handshaking)
      self->drop_and_reconnect();
  });
}

void link::on_handshake_reply(redisAsyncContext* ac, redisReply* r, bool ping) {
  // NULL: the context is being freed; on_disconnected or our own drop handles the state.
  if (ac != ctx_ || r == nullptr || state_ != state::handshaking) return;
  if (r->type == REDIS_REPLY_ERROR) {
    // AUTH refused, or PING answered "-LOADING" (Redis is reading its data set from disk).
    auto& lines = ping ? not_ready_lines : auth_refused_lines;
    lines.write(log::level::error, ping ? "redis not ready" : "redis AUTH refused",
                [&] { return where(config_); });
    return drop_and_reconnect();  // inside a reply callback: hiredis defers the free
  }
  if (ping) become_ready();
}

void link::set_state(state s) {
  state_ = s;
  ready_.store(s == state::ready, std::memory_order_relaxed);
}

void link::become_ready() {
  set_state(state::ready);
  backoff_ = config_.reconnect_min;
  connect_timer_.cancel();
  arm_heartbeat();
  connected_lines.write(log::level::info, "redis connected", [&] { return where(config_); });
}

void link::on_disconnected(const redisAsyncContext* ac) {
  if (on_retired_disconnected(ac)) return;
  if (ac != ctx_) return;  // a context we dropped on purpose
  ctx_ = nullptr;          // hiredis is freeing it
  connection_lost_lines.write(log::level::warn, "redis connection lost",
                              [&] { return where(config_); });
  fail_all();
  schedule_reconnect();
}

void link::schedule_reconnect() {
  if (state_ == state::stopped) return;
  set_state(state::backoff);
  connect_timer_.cancel();
  reconnect_timer_.expires_after(backoff_);
  // At least 1 ms: a zero reconnect_min must not turn into a busy reconnect loop.
  backoff_ = std::max(std::min(backoff_ * 2, config_.reconnect_max), std::chrono::milliseconds(1));
  reconnect_timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
    auto self = w.lock();
    if (ec || !self || self->state_ != state::backoff) return;
    metrics::process().count_redis_reconnect();
    self->do_connect();
  });
}

void link::drop_and_reconnect() {
  fail_all();
  free_context();
  schedule_reconnect();
}

void link::free_context() {
  // Clear ctx_ first: the NULL-reply and disconnect callbacks fired from inside
  // redisAsyncFree compare against it and must see a context we no longer own.
  if (auto* ac = std::exchange(ctx_, nullptr)) redisAsyncFree(ac);
}

void link::connect_cb(const redisAsyncContext* ac, int status) {
  try {
    static_cast<link*>(ac->data)->on_connected(ac, status);
  } catch (...) {  // never unwind through hiredis' C frames
  }
}

void link::disconnect_cb(const redisAsyncContext* ac, int) {
  try {
    static_cast<link*>(ac->data)->on_disconnected(ac);
  } catch (...) {
  }
}

void link::handshake_cb(redisAsyncContext* ac, void* reply, void* privdata) {
  try {
    static_cast<link*>(ac->data)->on_handshake_reply(ac, static_cast<redisReply*>(reply),
                                                     privdata != nullptr);
  } catch (...) {
  }
}

}  // namespace otpgate::redis::detail
