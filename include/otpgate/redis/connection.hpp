// One asynchronous Redis connection (hiredis 0.14) driven by an Asio io_context. One per io
// thread; all member functions must be called on that thread.
//
// Guarantees (docs/architecture.md, "Redis faults"):
//  - command(), eval() and pipeline() never block and never hang. errc::store_unavailable: the
//    command was never written (not connected); it did not run. errc::store_timeout: it was
//    written and its reply was not read within Config::command_timeout, or the connection was
//    lost first; it may have run, or may still run. A success is only ever a reply read within
//    the deadline.
//  - pipeline() writes its calls back to back on one connection, before reading any reply:
//    Redis runs them in that order (not atomically: another client's commands may run between
//    them), and the caller waits for one round trip instead of one per call.
//  - After a command timeout the connection is retired: new commands wait for a fresh one (and
//    fail at once with store_unavailable until it is ready), while the old one reads and
//    discards the late replies for Config::drain_window, then closes.
//  - After a disconnect, it reconnects with exponential backoff (Config::reconnect_min..max).
//  - eval() uses EVALSHA and falls back to EVAL (which re-caches the script) on NOSCRIPT; so
//    does each script call of a pipeline.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/redis/reply.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace otpgate::redis {

struct Config {
  std::string host = "127.0.0.1";
  unsigned short port = 6379;
  std::string password;  // empty: no AUTH
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds reconnect_min{50};
  // Short: a send recorded in the background after an outage (app/send_claims.cpp) must land
  // soon after Redis is back, before its claim runs out.
  std::chrono::milliseconds reconnect_max{500};
  // An idle connection sends PING this often: a Redis that stopped answering is noticed (the
  // PING times out, the link reconnects and is not ready) even when no request uses it, so
  // readiness means "Redis answered recently".
  std::chrono::milliseconds heartbeat{1000};
  // How long a connection retired after a command timeout keeps reading the replies still due
  // (counted as late) before it is closed; it closes sooner once every reply is in. Zero closes
  // it at once.
  std::chrono::milliseconds drain_window{5000};
};

// A Lua script with its SHA-1 computed once.
struct Script {
  explicit Script(std::string source);
  std::string source;
  std::string sha1;  // lower-case hex
};

// One command or script call (EVALSHA, EVAL after NOSCRIPT), encoded once when it is made:
// what Connection::pipeline sends, and what command() and eval() make of their arguments.
struct Call {
  // args as for Connection::command.
  static Call command(const std::vector<std::string>& args);
  // As Connection::eval; the script must outlive the call (the scripts table's entries do).
  static Call eval(const Script& script, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args);

  // The RESP encoding (resp.hpp): the command, or EVALSHA sha numkeys keys... args...
  std::string wire;
  std::string name;                // its first argument ("EVALSHA"): the metrics' command label
  const Script* script = nullptr;  // a script call's script (its source, for EVAL)
  std::size_t count = 0;           // a script call's argument count
  // Where a script call's numkeys starts in wire: EVAL sends the same bytes from there on.
  std::size_t shared = 0;
};

class Connection {
 public:
  Connection(boost::asio::io_context& ioc, Config config);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts connecting (and reconnecting whenever the link drops) until stop().
  void start();
  // Disconnects; commands awaiting a reply complete with errc::store_timeout.
  void stop();
  // True while the link is connected and handshaken; safe to ask from any thread.
  bool connected() const;

  // Sends one command. Redis error replies are returned as Reply{kind::error}, not as errors;
  // errors are reserved for "no answer" (store_unavailable, store_timeout, store_protocol).
  // Takes a reference (encoded, a redis::Call, before it returns): see docs/architecture.md on
  // temporaries in co_await expressions.
  boost::asio::awaitable<result<Reply>> command(const std::vector<std::string>& args);

  // EVALSHA script keys... args..., with EVAL fallback on NOSCRIPT. Keys and args are encoded
  // before it returns; the script is not copied (its source is kilobytes), so it must outlive
  // the awaitable: the scripts table's entries live as long as the process, and a caller that
  // co_awaits eval(...) in one expression keeps even a temporary alive long enough.
  boost::asio::awaitable<result<Reply>> eval(const Script& script,
                                             const std::vector<std::string>& keys,
                                             const std::vector<std::string>& args);

  // The calls back to back on one connection, in order, and every reply awaited: one round trip
  // for all of them. The replies in the calls' order (Redis error replies as Reply{kind::error},
  // as for command()). store_unavailable: none was written, none ran; store_timeout: some were
  // written and not every reply was read in time (each may have run). A script call answered
  // NOSCRIPT (not cached: a restart, SCRIPT FLUSH) is sent again with EVAL once the first
  // replies are in, so it then runs after the calls that followed it. Calls are copied before
  // the first suspension.
  boost::asio::awaitable<result<std::vector<Reply>>> pipeline(const std::vector<Call>& calls);

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace otpgate::redis
