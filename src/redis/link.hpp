// The state machine behind redis::Connection: one hiredis async context taking new commands at a
// time, its (re)connection with backoff, the FIFO of commands waiting for replies with deadlines,
// and the retired contexts still draining the replies of commands that timed out on them.
// Single-threaded: every member runs on the io_context's thread.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/redis/connection.hpp"
#include "otpgate/redis/reply.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace otpgate::redis::detail {

// The fields naming the Redis a log line is about (link_connect.cpp).
nlohmann::json where(const Config& c);

class link : public std::enable_shared_from_this<link> {
 public:
  // Called exactly once per submitted command. Must not run user code inline: the function
  // built by connection.cpp posts the result to the waiting coroutine's executor.
  using completion = std::function<void(result<Reply>)>;

  link(boost::asio::io_context& ioc, Config config);
  ~link();
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  void start();
  void stop();
  // Safe from any thread: /readyz asks every io thread's link.
  bool ready() const { return ready_.load(std::memory_order_relaxed); }
  // Sends a command's RESP encoding (resp.hpp; `command` is its first argument, the metrics'
  // label), or fails at once with store_unavailable when not ready.
  void submit(std::string_view wire, std::string_view command, completion done);

 private:
  enum class state { idle, connecting, handshaking, ready, backoff, stopped };
  using clock = std::chrono::steady_clock;
  struct pending {
    std::uint64_t id;
    clock::time_point sent;  // for otpgate_redis_command_duration_seconds
    clock::time_point deadline;
    std::string command;  // the first argument ("EVALSHA"): the metrics' command label
    completion done;      // empty once the caller was answered (its reply is then late)
  };
  // A connection on which a command timed out: it takes no new commands, but stays open until
  // every command written on it has its reply read or drain_until passes (link_drain.cpp).
  struct retired {
    redisAsyncContext* ctx;
    std::deque<pending> queue;  // answered ones (done empty) first, then those still waiting
    clock::time_point drain_until;
  };

  // Connecting (link_connect.cpp).
  void do_connect();
  void do_resolve();
  void do_hiredis_connect(const std::string& ip);
  void arm_connect_timer();
  void on_connected(const redisAsyncContext* ac, int status);
  void on_disconnected(const redisAsyncContext* ac);
  void send_handshake();
  void on_handshake_reply(redisAsyncContext* ac, redisReply* r, bool ping);
  void become_ready();
  void set_state(state s);
  void schedule_reconnect();
  void drop_and_reconnect();
  void free_context();

  // Commands (link.cpp).
  void on_reply(redisAsyncContext* ac, std::uint64_t id, redisReply* r);
  static void deliver(pending& p, redisReply* r);
  void arm_command_timer(clock::time_point at);
  void rearm_command_timer();
  void on_command_timer();
  void fail_all();
  void arm_heartbeat();

  // Draining (link_drain.cpp).
  void retire_active(clock::time_point now);
  void expire_retired(clock::time_point now);
  void on_retired_reply(redisAsyncContext* ac, std::uint64_t id, redisReply* r);
  bool on_retired_disconnected(const redisAsyncContext* ac);
  void close_retired(std::size_t i);
  void close_all_retired();
  std::size_t find_retired(const redisAsyncContext* ac) const;  // retired_.size(): none
  clock::time_point next_deadline() const;                      // max(): nothing to watch

  static void connect_cb(const redisAsyncContext* ac, int status);
  static void disconnect_cb(const redisAsyncContext* ac, int status);
  static void reply_cb(redisAsyncContext* ac, void* reply, void* privdata);
  static void handshake_cb(redisAsyncContext* ac, void* reply, void* privdata);

  boost::asio::io_context& ioc_;
  const Config config_;
  state state_ = state::idle;
  std::atomic<bool> ready_{false};    // state_ == ready, readable from other threads
  redisAsyncContext* ctx_ = nullptr;  // owned: freed by free_context() or by hiredis itself
  std::uint64_t attempt_ = 0;         // bumped per connect attempt; stale timer handlers bail
  std::chrono::milliseconds backoff_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer command_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  bool command_timer_armed_ = false;
  clock::time_point command_timer_at_;  // when the armed timer fires
  std::deque<pending> pending_;         // ctx_'s commands, in the order hiredis answers them
  std::vector<retired> retired_;        // usually empty; a few after timeouts, for drain_window
  std::uint64_t next_id_ = 0;
};

}  // namespace otpgate::redis::detail
